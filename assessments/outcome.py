"""A year's certification outcome: the one way it is computed.

``compute_outcome`` is a pure function over plain values (no query, no setting read): the
year's effective ratings (an element not re-rated this year keeps the rating carried forward
into it, which is what ``ElementResult.rating`` holds), the previous year's, the standard's
criteria and the thresholds. It gives the counts of CP, C, PC and NC per criterion and
overall, the PC and NC elements, CP gained and lost since the previous year, the elements
sampled per criterion and in total, and the certification recommendation with its reasons,
each a plain-English sentence.

The figures count the standard's elements (57 in CSE): sub-elements are detail under their
element and are not counted twice, as in ``assessments.figures`` and the Annex One chart.

``outcome_of(assessment)`` loads what the function needs in one query, with the override
stored on the assessment; ``outcomes_of`` does the same for many years at once (the years
list). The thresholds come from settings,
read only through ``configured_thresholds()``, which refuses a bad value
(``ImproperlyConfigured``, naming the variable); ``AssessmentsConfig.ready`` calls it, so a
bad value stops every process at start-up.

The assessor may override the recommendation with a reason: pass an ``Override``; the
outcome keeps both (``recommendation`` is the computed one, ``final`` the one that stands).
"""

import calendar
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, Subquery

from assessments.figures import ResultRow, result_rows
from assessments.models import RATING_ORDER, Assessment, ElementResult, Rating

RATING_NAMES = {str(value): str(label) for value, label in Rating.choices}

# --- Inputs ----------------------------------------------------------------------------------


class ResultLike(Protocol):
    """What the outcome reads of one element's result in a year (``EffectiveResult`` has it).

    ``rating`` is the effective rating: the assessor's rating of this year, or the one
    carried forward into it (``carried_forward``); "" when the element has none.
    """

    @property
    def ref(self) -> str: ...
    @property
    def criterion(self) -> str: ...  # the criterion's ref, "1" to "5"
    @property
    def rating(self) -> str: ...  # "CP", "C", "PC", "NC" or ""
    @property
    def sampled(self) -> bool: ...
    @property
    def carried_forward(self) -> bool: ...


class CriterionLike(Protocol):
    """A criterion of the standard (``standards.models.Criterion`` has these)."""

    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class EffectiveResult:
    """One element (not a sub-element) of one year, as the outcome reads it."""

    ref: str
    criterion: str
    rating: str = ""
    sampled: bool = False
    carried_forward: bool = False


@dataclass(frozen=True)
class CriterionInfo:
    ref: str
    title: str = ""


class NcRule(StrEnum):
    """What a Non-Compliance means for the recommendation."""

    NOT_RECOMMENDED = "not_recommended"  # any NC: certification is not recommended
    REMEDY_PLAN = "remedy_plan"  # NC allowed, with a remedy plan agreed


@dataclass(frozen=True)
class Thresholds:
    """The certification body's rules (settings ``OUTCOME_*``: ``configured_thresholds()``)."""

    pc_allowed: int = 10  # elements rated PC allowed overall
    pc_allowed_per_criterion: int = 3  # elements rated PC allowed in any one criterion
    nc_rule: NcRule = NcRule.NOT_RECOMMENDED
    pc_remedy_months: int = 12  # months from the visit to remedy a PC


class Recommendation(StrEnum):
    """The certification recommendation. The value is also the page's CSS class suffix."""

    RECOMMENDED = "recommended"
    RECOMMENDED_WITH_ACTIONS = "recommended_with_actions"  # PCs within the limits
    RECOMMENDED_WITH_REMEDY_PLAN = "recommended_with_remedy_plan"  # NCs, under REMEDY_PLAN
    NOT_RECOMMENDED = "not_recommended"
    PENDING = "pending"  # no element rated yet

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self]


RECOMMENDATION_LABELS = {
    Recommendation.RECOMMENDED: "Certification recommended",
    Recommendation.RECOMMENDED_WITH_ACTIONS: "Certification recommended, with Partial "
    "Compliance to remedy",
    Recommendation.RECOMMENDED_WITH_REMEDY_PLAN: "Certification recommended, subject to a "
    "remedy plan for Non-Compliance",
    Recommendation.NOT_RECOMMENDED: "Certification not recommended",
    Recommendation.PENDING: "No recommendation yet",
}


@dataclass(frozen=True)
class Override:
    """The assessor's own recommendation, which stands in place of the computed one."""

    recommendation: Recommendation
    reason: str

    def __post_init__(self) -> None:
        try:
            recommendation = Recommendation(self.recommendation)
        except ValueError:
            raise ValueError(
                f"{self.recommendation!r} is not a recommendation: use one of "
                f"{', '.join(r.value for r in Recommendation if r != Recommendation.PENDING)}"
            ) from None
        if recommendation == Recommendation.PENDING:
            raise ValueError("An override must recommend or not recommend certification.")
        if not (self.reason or "").strip():
            raise ValueError("Give the reason for overriding the computed recommendation.")
        object.__setattr__(self, "recommendation", recommendation)
        object.__setattr__(self, "reason", self.reason.strip())


# --- The outcome -----------------------------------------------------------------------------


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(RATING_ORDER, 0)


@dataclass(frozen=True)
class CriterionOutcome:
    ref: str
    title: str
    counts: dict[str, int] = field(default_factory=_zero_counts)  # CP, C, PC, NC
    elements: int = 0  # the criterion's elements (sub-elements not counted)
    unrated: tuple[str, ...] = ()
    pc: tuple[str, ...] = ()  # refs rated Partial Compliance
    nc: tuple[str, ...] = ()  # refs rated Non-Compliance
    sampled: int = 0

    @property
    def name(self) -> str:
        """``Criterion 2 (The Culture of the Organisation)``, or ``Criterion 2``."""
        return f"Criterion {self.ref} ({self.title})" if self.title else f"Criterion {self.ref}"


@dataclass(frozen=True)
class Outcome:
    recommendation: Recommendation  # computed from the ratings and the thresholds
    reasons: tuple[str, ...]  # why, in plain-English sentences
    counts: dict[str, int]  # CP, C, PC, NC over the standard's elements
    elements: int  # the standard's elements in the year (57)
    criteria: tuple[CriterionOutcome, ...]  # in the standard's order
    cp: tuple[str, ...]  # refs rated Compliance Plus
    pc: tuple[str, ...]  # refs rated Partial Compliance
    nc: tuple[str, ...]  # refs rated Non-Compliance
    unrated: tuple[str, ...]  # refs with no rating
    carried_forward: tuple[str, ...]  # refs whose rating is carried forward, not re-rated
    cp_gained: tuple[str, ...]  # CP now, not CP the previous year
    cp_lost: tuple[str, ...]  # CP the previous year, not CP now
    compared: bool  # whether there was a previous year to compare with
    remedy_by: date | None  # the PCs' deadline: the visit + pc_remedy_months (no visit: None)
    thresholds: Thresholds
    override: Override | None = None

    @property
    def final(self) -> Recommendation:
        """The recommendation that stands: the assessor's override, else the computed one."""
        return self.override.recommendation if self.override else self.recommendation

    @property
    def overridden(self) -> bool:
        return self.override is not None and self.override.recommendation != self.recommendation

    @property
    def code(self) -> str:
        """The final recommendation's value (the page's CSS class ``outcome-<code>``)."""
        return self.final.value

    @property
    def label(self) -> str:
        """The final recommendation in words, e.g. ``Certification recommended; Partial
        Compliance on 3 elements to remedy``."""
        final = self.final
        if final == Recommendation.RECOMMENDED_WITH_ACTIONS:
            text = (
                f"Certification recommended; Partial Compliance on {_elements(len(self.pc))} "
                "to remedy"
            )
        elif final == Recommendation.RECOMMENDED_WITH_REMEDY_PLAN:
            text = (
                "Certification recommended, subject to a remedy plan for Non-Compliance on "
                f"{_elements(len(self.nc))}"
            )
        else:
            text = final.label
        return f"{text} (the assessor's decision)" if self.overridden else text

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def complete(self) -> bool:
        """Every element has a rating."""
        return not self.unrated

    @property
    def sampled(self) -> int:
        return sum(c.sampled for c in self.criteria)

    @property
    def sampled_by_criterion(self) -> dict[str, int]:
        return {c.ref: c.sampled for c in self.criteria}


# --- The rules -------------------------------------------------------------------------------


def compute_outcome(
    results: Sequence[ResultLike],
    previous: Sequence[ResultLike] | None,
    criteria: Sequence[CriterionLike],
    thresholds: Thresholds,
    *,
    visit_date: date | None = None,
    override: Override | None = None,
) -> Outcome:
    """The outcome of a year from its effective ratings (a pure function: no query).

    ``results``: one per element of the standard, sub-elements left out. ``previous``: the
    previous year's, or None when there is none (no CP gained or lost then). ``criteria``:
    the standard's, in order (a criterion with no result shows with zeros). ``visit_date``
    dates the PCs' remedy deadline. Raises ValueError on a rating that is not CP, C, PC, NC
    or "", a ref given twice, or a result whose criterion is not in ``criteria``.
    """
    known = {c.ref: c for c in criteria}
    by_criterion: dict[str, list[ResultLike]] = {c.ref: [] for c in criteria}
    seen: set[str] = set()
    for result in results:
        if result.rating not in RATING_NAMES and result.rating != "":
            raise ValueError(f"{result.ref}: {result.rating!r} is not a rating")
        if result.ref in seen:
            raise ValueError(f"{result.ref} is given twice")
        if result.criterion not in known:
            raise ValueError(f"{result.ref}: criterion {result.criterion!r} is not in criteria")
        seen.add(result.ref)
        by_criterion[result.criterion].append(result)

    criterion_outcomes = tuple(_criterion_outcome(c, by_criterion[c.ref]) for c in criteria)
    counts = _zero_counts()
    for outcome in criterion_outcomes:
        for rating, n in outcome.counts.items():
            counts[rating] += n
    pc = _sorted(r.ref for r in results if r.rating == "PC")
    nc = _sorted(r.ref for r in results if r.rating == "NC")
    unrated = _sorted(r.ref for r in results if not r.rating)
    cp_now = {r.ref for r in results if r.rating == "CP"}
    cp_before = {r.ref for r in previous if r.rating == "CP"} if previous is not None else cp_now
    remedy_by = add_months(visit_date, thresholds.pc_remedy_months) if visit_date else None

    recommendation, reasons = _recommend(
        criterion_outcomes, counts, pc, nc, unrated, thresholds, remedy_by
    )
    return Outcome(
        recommendation=recommendation,
        reasons=tuple(reasons),
        counts=counts,
        elements=len(results),
        criteria=criterion_outcomes,
        cp=_sorted(cp_now),
        pc=pc,
        nc=nc,
        unrated=unrated,
        carried_forward=_sorted(r.ref for r in results if r.carried_forward and r.rating),
        cp_gained=_sorted(cp_now - cp_before),
        cp_lost=_sorted(cp_before - cp_now),
        compared=previous is not None,
        remedy_by=remedy_by,
        thresholds=thresholds,
        override=override,
    )


def _criterion_outcome(criterion: CriterionLike, results: list[ResultLike]) -> CriterionOutcome:
    counts = _zero_counts()
    for result in results:
        if result.rating:
            counts[result.rating] += 1
    return CriterionOutcome(
        ref=criterion.ref,
        title=criterion.title,
        counts=counts,
        elements=len(results),
        unrated=_sorted(r.ref for r in results if not r.rating),
        pc=_sorted(r.ref for r in results if r.rating == "PC"),
        nc=_sorted(r.ref for r in results if r.rating == "NC"),
        sampled=sum(1 for r in results if r.sampled),
    )


def _recommend(
    criteria: tuple[CriterionOutcome, ...],
    counts: dict[str, int],
    pc: tuple[str, ...],
    nc: tuple[str, ...],
    unrated: tuple[str, ...],
    thresholds: Thresholds,
    remedy_by: date | None,
) -> tuple[Recommendation, list[str]]:
    """The recommendation and its reasons, each a sentence."""
    reasons: list[str] = []
    if unrated:
        reasons.append(
            f"{_elements(len(unrated)).capitalize()} {_have(len(unrated))} no rating "
            f"({_join(unrated)}) and {_are(len(unrated))} not counted."
        )
    if not sum(counts.values()):
        reasons.append("No element is rated yet, so no recommendation can be made.")
        return Recommendation.PENDING, reasons

    blocking = False
    if nc:
        if thresholds.nc_rule == NcRule.NOT_RECOMMENDED:
            blocking = True
            reasons.append(
                f"{_elements(len(nc)).capitalize()} {_are(len(nc))} rated Non-Compliance "
                f"({_join(nc)}): any Non-Compliance means certification is not recommended."
            )
        else:
            reasons.append(
                f"{_elements(len(nc)).capitalize()} {_are(len(nc))} rated Non-Compliance "
                f"({_join(nc)}): certification can be recommended only with a remedy plan "
                "agreed with the certification body."
            )

    over_overall = len(pc) > thresholds.pc_allowed
    if over_overall:
        blocking = True
        reasons.append(
            f"{_elements(len(pc)).capitalize()} {_are(len(pc))} rated Partial Compliance "
            f"({_join(pc)}): more than the {thresholds.pc_allowed} allowed overall."
        )
    over_criteria = [c for c in criteria if len(c.pc) > thresholds.pc_allowed_per_criterion]
    for criterion in over_criteria:
        blocking = True
        reasons.append(
            f"{criterion.name} has {_elements(len(criterion.pc))} rated Partial Compliance "
            f"({_join(criterion.pc)}): more than the {thresholds.pc_allowed_per_criterion} "
            "allowed in any one criterion."
        )
    if pc and not over_overall and not over_criteria:
        deadline = f", by {_day(remedy_by)}" if remedy_by else ""
        reasons.append(
            f"{_elements(len(pc)).capitalize()} {_are(len(pc))} rated Partial Compliance "
            f"({_join(pc)}), within the {thresholds.pc_allowed} allowed overall and the "
            f"{thresholds.pc_allowed_per_criterion} allowed in any one criterion: "
            f"{'each is' if len(pc) > 1 else 'it is'} to be remedied within "
            f"{_months(thresholds.pc_remedy_months)}{deadline}."
        )

    if blocking:
        return Recommendation.NOT_RECOMMENDED, reasons
    if nc:
        return Recommendation.RECOMMENDED_WITH_REMEDY_PLAN, reasons
    if pc:
        return Recommendation.RECOMMENDED_WITH_ACTIONS, reasons
    every = "Every rated element" if unrated else "Every element"
    reasons.append(f"{every} is rated Compliance or Compliance Plus.")
    return Recommendation.RECOMMENDED, reasons


# --- Words and dates -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # refs are the standard's: a few hundred at most
def _ref_key(ref: str) -> tuple[int | str, ...]:
    return tuple(int(part) if part.isdigit() else part for part in ref.split("."))


def _sorted(refs: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(refs, key=_ref_key))


def _join(refs: Sequence[str]) -> str:
    """``2.1.4, 4.1.2 and 5.3.2``."""
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} and {refs[-1]}"


def _elements(n: int) -> str:
    return "1 element" if n == 1 else f"{n} elements"


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _months(n: int) -> str:
    return "1 month" if n == 1 else f"{n} months"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 January + 1 month: 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- The settings ----------------------------------------------------------------------------

MAX_REMEDY_MONTHS = 36  # the three-year cycle


def configured_thresholds() -> Thresholds:
    """The outcome thresholds from settings; ImproperlyConfigured, naming the variable, on a
    bad value. The one way the ``OUTCOME_*`` settings are read."""
    return Thresholds(
        pc_allowed=_whole_number("OUTCOME_PC_ALLOWED", minimum=0),
        pc_allowed_per_criterion=_whole_number("OUTCOME_PC_ALLOWED_PER_CRITERION", minimum=0),
        nc_rule=_nc_rule("OUTCOME_NC_RULE"),
        pc_remedy_months=_whole_number(
            "OUTCOME_PC_REMEDY_MONTHS", minimum=1, maximum=MAX_REMEDY_MONTHS
        ),
    )


def _whole_number(name: str, minimum: int, maximum: int | None = None) -> int:
    value: Any = getattr(settings, name)
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        value = int(value)
    in_range = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    if not in_range or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise ImproperlyConfigured(f"{name} must be a whole number {bounds}, not {value!r}.")
    return value


def _nc_rule(name: str) -> NcRule:
    value = getattr(settings, name)
    try:
        return NcRule(value)
    except ValueError:
        choices = " or ".join(repr(rule.value) for rule in NcRule)
        raise ImproperlyConfigured(f"{name} must be {choices}, not {value!r}.") from None


# --- Loading a year --------------------------------------------------------------------------


def outcome_of(
    assessment: Assessment,
    *,
    override: Override | None = None,
    thresholds: Thresholds | None = None,
) -> Outcome:
    """The outcome of ``assessment`` (finalised or not), compared with the organisation's
    previous year (its latest earlier year with results). ``override`` defaults to the one
    stored on the assessment (``stored_override``). One query."""
    overrides = {assessment.pk: override} if override else None
    return outcomes_of([assessment], overrides=overrides, thresholds=thresholds)[assessment.pk]


def stored_override(assessment: Assessment) -> Override | None:
    """The assessor's override recorded on the assessment, if any (no query)."""
    if not assessment.recommendation_override:
        return None
    reason = assessment.recommendation_override_reason.strip() or "No reason was recorded."
    return Override(assessment.recommendation_override, reason)


def outcomes_of(
    assessments: Sequence[Assessment],
    *,
    overrides: Mapping[int, Override] | None = None,
    thresholds: Thresholds | None = None,
) -> dict[int, Outcome]:
    """The outcome of each assessment, keyed by its id, each compared with its organisation's
    previous year. ``overrides`` (by assessment id) stand in place of those stored on the
    assessments. One query (none for no assessments): the results of the standard's
    elements in these years and in the year before each, with their criteria.
    """
    if not assessments:
        return {}
    ids = [a.pk for a in assessments]
    earlier_with_results = Assessment.objects.filter(
        organisation_id=OuterRef("organisation_id"), year__lt=OuterRef("year")
    ).filter(Exists(ElementResult.objects.filter(assessment_id=OuterRef("pk"))))
    previous_ids = (
        Assessment.objects.filter(pk__in=ids)
        .annotate(previous=Subquery(earlier_with_results.order_by("-year").values("pk")[:1]))
        .values("previous")
    )
    rows = result_rows(Q(assessment_id__in=ids) | Q(assessment_id__in=previous_ids))
    return outcomes_from_rows(assessments, rows, overrides=overrides, thresholds=thresholds)


def outcomes_from_rows(
    assessments: Sequence[Assessment],
    rows: Iterable[ResultRow],
    *,
    overrides: Mapping[int, Override] | None = None,
    thresholds: Thresholds | None = None,
) -> dict[int, Outcome]:
    """``outcomes_of`` from rows already read (``assessments.figures.result_rows``): they
    must hold each assessment's results and those of its organisation's previous year with
    results (e.g. every year of the organisation); no query."""
    rules = thresholds or configured_thresholds()
    overrides = overrides or {}
    years: dict[int, tuple[int, int]] = {}  # assessment id -> (organisation id, year)
    results: dict[int, list[tuple[str, str, str, str, bool, bool]]] = {}
    for pk, org_id, year, ref, criterion, title, rating, sampled, carried in rows:
        years[pk] = (org_id, year)
        results.setdefault(pk, []).append((ref, criterion, title, rating, sampled, carried))

    outcomes = {}
    for assessment in assessments:
        earlier = [
            (year, pk)
            for pk, (org_id, year) in years.items()
            if org_id == assessment.organisation_id and year < assessment.year
        ]
        previous = tuple(results[max(earlier)[1]]) if earlier else None
        outcomes[assessment.pk] = outcome_of_results(
            tuple(results.get(assessment.pk, ())),
            previous,
            rules,
            assessment.visit_date,
            overrides.get(assessment.pk) or stored_override(assessment),
        )
    return outcomes


@functools.lru_cache(maxsize=1024)
def outcome_of_results(
    results: tuple[tuple[str, str, str, str, bool, bool], ...],
    previous: tuple[tuple[str, str, str, str, bool, bool], ...] | None,
    thresholds: Thresholds,
    visit_date: date | None,
    override: Override | None,
    criteria: tuple[CriterionInfo, ...] | None = None,
) -> Outcome:
    """``compute_outcome`` of a year's rows ``(ref, criterion, criterion title, rating,
    sampled, carried forward)`` against the previous year's (``criteria``: the standard's, in
    order; None: those of the rows), memoised: it is a pure function
    of these values, and a finalised year's rows do not change, so the years list and the
    dashboard compute each year's outcome once per process, not on every request. (The key
    is the rows themselves, plain tuples hashed in C: a changed rating is a new key.)"""
    if criteria is None:  # those of the rows, in their order
        found: dict[str, CriterionInfo] = {}
        for _ref, criterion, title, *_rest in results:
            found.setdefault(criterion, CriterionInfo(criterion, title))
        criteria = tuple(found.values())
    return compute_outcome(
        [
            EffectiveResult(ref, c, rating, sampled, carried)
            for ref, c, _t, rating, sampled, carried in results
        ],
        [
            EffectiveResult(ref, c, rating, sampled, carried)
            for ref, c, _t, rating, sampled, carried in previous
        ]
        if previous is not None
        else None,
        list(criteria),
        thresholds,
        visit_date=visit_date,
        override=override,
    )
