"""The sampling helper of an annual review.

A certification cycle is three years: an initial assessment (or a reassessment) rates all 57
elements, then two annual reviews each sample some of them. Over the two reviews the samples
should cover the standard, and every element rated Partial or Non-Compliance the year before
is looked at again. ``propose_sample`` is the plain rule (no database); ``sampling_state``
reads what it needs of a year (three queries).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from assessments.models import Assessment, ElementResult, Rating

CYCLE_LENGTH = 3  # the initial assessment or reassessment, then two annual reviews
RECHECK = frozenset({Rating.PARTIAL, Rating.NON_COMPLIANCE})
CYCLE_STARTS = frozenset({Assessment.Kind.INITIAL, Assessment.Kind.REASSESSMENT})


@dataclass(frozen=True)
class Candidate:
    """One element of the standard as the sample sees it."""

    ref: str
    criterion_ref: str
    text: str = ""
    last_rating: str = ""  # the assessor's rating the year before ("" when none)
    sampled_in_cycle: bool = False  # sampled at an earlier annual review of this cycle
    sampled_now: bool = False  # marked sampled in this year already

    @property
    def must_recheck(self) -> bool:
        return self.last_rating in RECHECK


def visits_left(kinds: Sequence[str], cycle_length: int = CYCLE_LENGTH) -> int:
    """The visits left in the cycle, this one included, from the kinds of the organisation's
    years up to and including this one (oldest first). The cycle starts at the latest
    initial assessment or reassessment (or the first year on record); a cycle run longer than
    ``cycle_length`` leaves this visit only."""
    start = 0
    for index, kind in enumerate(kinds):
        if kind in CYCLE_STARTS:
            start = index
    position = len(kinds) - 1 - start  # 0: the cycle's first year
    return max(cycle_length - position, 1)


def propose_sample(candidates: Sequence[Candidate], visits: int) -> list[str]:
    """The refs to sample at this visit, in the standard's order: every element rated PC or
    NC the year before, and this visit's share of the elements not yet sampled in the cycle
    (all of them at the cycle's last visit), spread over the criteria in turn so that each is
    looked at. The PC/NC elements not yet sampled count towards the share."""
    chosen = {c.ref for c in candidates if c.must_recheck}
    remaining = [c for c in candidates if not c.sampled_in_cycle]
    share = math.ceil(len(remaining) / max(visits, 1))
    needed = share - sum(1 for c in remaining if c.ref in chosen)
    by_criterion: dict[str, list[Candidate]] = {}
    for candidate in remaining:
        if candidate.ref not in chosen:
            by_criterion.setdefault(candidate.criterion_ref, []).append(candidate)
    queues = list(by_criterion.values())
    turn = 0
    while needed > 0 and any(queues):
        queue = queues[turn % len(queues)]
        if queue:
            chosen.add(queue.pop(0).ref)
            needed -= 1
        turn += 1
    return [c.ref for c in candidates if c.ref in chosen]


@dataclass
class CriterionCount:
    ref: str
    title: str
    elements: int = 0
    sampled_now: int = 0
    sampled_in_cycle: int = 0  # at this visit or an earlier review of the cycle


@dataclass
class SamplingState:
    """A year's sample so far and what the cycle still asks."""

    assessment: Assessment
    applies: bool  # an annual review: sampling is how it works
    visits_left: int
    cycle_years: list[int]  # the earlier years of the cycle, oldest first
    candidates: list[Candidate]
    counts: list[CriterionCount] = field(default_factory=list)

    @property
    def not_yet_sampled(self) -> list[Candidate]:
        return [c for c in self.candidates if not c.sampled_in_cycle and not c.sampled_now]

    @property
    def to_recheck(self) -> list[Candidate]:
        return [c for c in self.candidates if c.must_recheck]

    @property
    def sampled_now(self) -> int:
        return sum(c.sampled_now for c in self.candidates)

    def proposal(self) -> list[str]:
        return propose_sample(self.candidates, self.visits_left)


def sampling_state(assessment: Assessment) -> SamplingState:
    """The year's elements (the 57, not their sub-elements) with what sampling needs of them.

    Three queries: the organisation's years up to this one, this year's results, and the
    earlier years' it reads (the refs sampled at the cycle's earlier reviews, the year
    before's ratings).
    """
    years = list(
        Assessment.objects.filter(
            organisation_id=assessment.organisation_id, year__lte=assessment.year
        )
        .order_by("year")
        .values_list("year", "kind")
    )
    kinds = [kind for _year, kind in years]
    visits = visits_left(kinds)
    start = max((index for index, kind in enumerate(kinds) if kind in CYCLE_STARTS), default=0)
    cycle_years = [year for year, _kind in years[start:-1]]
    reviews = [year for year, kind in years[start:-1] if kind not in CYCLE_STARTS]
    rows = list(
        ElementResult.objects.filter(assessment=assessment, element__parent__isnull=True)
        .order_by("element__position")
        .values_list(
            "element__ref",
            "element__text",
            "sampled",
            "element__sub_criterion__criterion__ref",
            "element__sub_criterion__criterion__title",
        )
    )
    earlier = ElementResult.objects.filter(
        assessment__organisation_id=assessment.organisation_id,
        element__parent__isnull=True,
    )
    previous_year = years[-2][0] if len(years) > 1 else None
    # The earlier years the sample reads, in one query: the cycle's reviews (what they
    # sampled) and the year before (its ratings).
    wanted = set(reviews) | ({previous_year} if previous_year is not None else set())
    sampled_before: set[str] = set()
    last_ratings: dict[str, str] = {}
    if wanted:
        for year, ref, sampled, rating in earlier.filter(assessment__year__in=wanted).values_list(
            "assessment__year", "element__ref", "sampled", "rating"
        ):
            if sampled and year in reviews:
                sampled_before.add(ref)
            if year == previous_year:
                last_ratings[ref] = rating
    candidates, counts = [], {}
    for ref, text, sampled, criterion_ref, criterion_title in rows:
        candidate = Candidate(
            ref=ref,
            criterion_ref=criterion_ref,
            text=text,
            last_rating=last_ratings.get(ref, ""),
            sampled_in_cycle=ref in sampled_before,
            sampled_now=sampled,
        )
        candidates.append(candidate)
        count = counts.setdefault(criterion_ref, CriterionCount(criterion_ref, criterion_title))
        count.elements += 1
        count.sampled_now += sampled
        count.sampled_in_cycle += sampled or candidate.sampled_in_cycle
    return SamplingState(
        assessment=assessment,
        applies=assessment.kind == Assessment.Kind.ANNUAL_REVIEW,
        visits_left=visits,
        cycle_years=cycle_years,
        candidates=candidates,
        counts=list(counts.values()),
    )
