"""What the pages that read every app show: the assessor's home (every organisation where the
user is a current assessor, and what waits for them there) and the organisation dashboard's
next visit with its readiness. Plain functions returning dataclasses, each in a fixed number
of queries whatever the number of organisations or elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from assessments.models import Assessment, ElementResult, Rating
from evidence.models import EvidenceLink
from organisations.models import Membership, Organisation, Role

# The visits at which every element is rated; at an annual review only the sampled ones are.
FULL_VISITS = (Assessment.Kind.INITIAL, Assessment.Kind.REASSESSMENT)
RECHECK = (Rating.PARTIAL, Rating.NON_COMPLIANCE)

# An element the assessor must rate at this year's visit: every one at an initial assessment
# or a reassessment, the sampled ones at an annual review (as the pre-finalise check counts).
MUST_RATE = Q(assessment__kind__in=FULL_VISITS) | Q(sampled=True)
# Rated by the assessor in this year: a rating that is not carried forward from the year before.
RATED_THIS_YEAR = ~Q(rating="") & Q(carried_forward=False)


# --- the assessor's home -----------------------------------------------------------------------


@dataclass
class Recheck:
    """The elements rated PC or NC in the previous year: each must be looked at again."""

    year: int  # the previous year
    total: int = 0
    done: int = 0  # of which rated by the assessor in the current year

    @property
    def waiting(self) -> int:
        return self.total - self.done


@dataclass
class AssessorOrganisation:
    """One organisation on the assessor's home: its current year and what waits there."""

    organisation: Organisation
    membership: Membership
    assessment: Assessment | None  # the current (latest) year; None before the first
    must_rate: int = 0  # elements the visit rates (all, or the sampled ones)
    to_rate: int = 0  # of which not yet rated by the assessor this year
    recheck: Recheck | None = None  # None when there is no previous year

    @property
    def submitted(self) -> bool:
        """The organisation submitted its self-assessment: the review waits to be started."""
        return self.assessment is not None and self.assessment.status == Assessment.Status.SUBMITTED

    @property
    def with_organisation(self) -> bool:
        """The year is with the organisation (self-assessment, or changes requested)."""
        return self.assessment is not None and self.assessment.status in (
            Assessment.Status.SELF_ASSESSMENT,
            Assessment.Status.CHANGES_REQUESTED,
        )

    @property
    def finalised(self) -> bool:
        return self.assessment is not None and self.assessment.is_finalised

    @property
    def waiting(self) -> bool:
        """Anything waits for the assessor here (nothing while the year is with the
        organisation: the page says what will, once it is submitted)."""
        if self.assessment is None or self.finalised or self.with_organisation:
            return False
        return bool(self.submitted or self.to_rate or (self.recheck and self.recheck.waiting))


def _latest(field_name: str, offset: int) -> Subquery:
    years = Assessment.objects.filter(organisation=OuterRef("organisation")).order_by("-year")
    return Subquery(years.values(field_name)[offset : offset + 1])


def assessor_memberships(user, today: date | None = None) -> list[Membership]:
    """The user's current assessor memberships, by organisation name, each annotated with
    ``current_id`` and ``previous_id`` (the organisation's latest two years). One query."""
    return list(
        Membership.objects.current(today)
        .filter(user=user, role=Role.ASSESSOR)
        .select_related("organisation")
        .annotate(current_id=_latest("pk", 0), previous_id=_latest("pk", 1))
        .order_by("organisation__name", "organisation__pk")
    )


def is_assessor_anywhere(user, today: date | None = None) -> bool:
    return Membership.objects.current(today).filter(user=user, role=Role.ASSESSOR).exists()


def assessor_overview(user, today: date | None = None) -> list[AssessorOrganisation]:
    """Every organisation where ``user`` is a current assessor, with its current year (kind,
    status, visit date) and what waits: the self-assessment submitted, the elements to rate,
    the PC/NC of the previous year to re-check.

    Four queries whatever the number of organisations: the memberships (with each
    organisation's latest two years' ids), those years, the current years' elements to rate
    (grouped), and the previous years' PC/NC elements with the current years' ratings.
    """
    memberships = assessor_memberships(user, today)
    if not memberships:
        return []
    current_ids = {m.current_id for m in memberships if m.current_id}
    previous_ids = {m.previous_id for m in memberships if m.previous_id}
    years = {a.pk: a for a in Assessment.objects.filter(pk__in=current_ids | previous_ids)}
    counts = {
        row["assessment_id"]: row
        for row in ElementResult.objects.filter(
            assessment_id__in=current_ids, element__parent__isnull=True
        )
        .values("assessment_id")
        .annotate(
            must=Count("pk", filter=MUST_RATE),
            to_rate=Count("pk", filter=MUST_RATE & ~RATED_THIS_YEAR),
        )
        .order_by()
    }
    # The previous years' PC/NC elements, and the elements the current years have rated,
    # in one query (the current years' ratings of elements not flagged are not used).
    flagged: dict[int, set[int]] = {}
    rerated: set[tuple[int, int]] = set()
    if previous_ids:
        for assessment_id, element_id, is_current in ElementResult.objects.filter(
            Q(
                assessment_id__in=previous_ids,
                element__parent__isnull=True,
                rating__in=RECHECK,
            )
            | (Q(assessment_id__in=current_ids) & RATED_THIS_YEAR)
        ).values_list("assessment_id", "element_id", Q(assessment_id__in=current_ids)):
            if is_current:
                rerated.add((assessment_id, element_id))
            else:
                flagged.setdefault(assessment_id, set()).add(element_id)

    overview = []
    for membership in memberships:
        current = years.get(membership.current_id)
        entry = AssessorOrganisation(membership.organisation, membership, current)
        if current is not None:
            row = counts.get(current.pk, {})
            entry.must_rate = row.get("must", 0)
            entry.to_rate = row.get("to_rate", 0)
            previous = years.get(membership.previous_id)
            if previous is not None:
                elements = flagged.get(previous.pk, set())
                done = sum(1 for e in elements if (current.pk, e) in rerated)
                entry.recheck = Recheck(previous.year, len(elements), done)
        overview.append(entry)
    return overview


# --- the organisation's dashboard: the next visit and how ready the organisation is ----------


@dataclass
class Readiness:
    """How ready the organisation is for its current year's visit."""

    assessment: Assessment
    elements: int = 0  # the standard's elements in the year (sub-elements not counted)
    self_rated: int = 0
    evidenced: int = 0  # with evidence linked in this year (made or re-confirmed)
    pc_nc_refs: frozenset[str] = frozenset()  # elements rated (carried or given) PC or NC
    pc_nc_with_actions: int | None = None  # None: improvement actions are not counted
    today: date = field(default_factory=timezone.localdate)

    @property
    def pc_nc(self) -> int:
        return len(self.pc_nc_refs)

    def count_actions(self, refs_in_hand: set[str]) -> None:
        """Count the PC/NC elements among ``refs_in_hand`` (refs with an improvement action
        in hand: actions.queries.refs_with_actions)."""
        self.pc_nc_with_actions = len(self.pc_nc_refs & set(refs_in_hand))

    @property
    def visit_date(self) -> date | None:
        return self.assessment.visit_date

    @property
    def days_to_visit(self) -> int | None:
        if self.visit_date is None:
            return None
        return (self.visit_date - self.today).days

    @property
    def percent(self) -> int:
        """One figure: the share of what is done of all there is to do (each element
        self-rated and evidenced, each PC/NC with an action in hand)."""
        actions_total = self.pc_nc if self.pc_nc_with_actions is not None else 0
        total = 2 * self.elements + actions_total
        done = self.self_rated + self.evidenced + (self.pc_nc_with_actions or 0)
        return round(100 * done / total) if total else 0


def readiness(assessment: Assessment, today: date | None = None) -> Readiness:
    """The current year's readiness for its visit (two queries: the results of the standard's
    elements, each with its self-rating, rating and ref, counted here; the elements with
    evidence linked this year). ``pc_nc_with_actions`` is left None: the dashboard counts it
    with ``Readiness.count_actions``."""
    results = (
        ElementResult.objects.filter(assessment=assessment, element__parent__isnull=True)
        .order_by()
        .values_list("self_rating", "rating", "element__ref")
    )
    elements = self_rated = 0
    pc_nc = []
    for self_rating, rating, ref in results:
        elements += 1
        self_rated += self_rating != ""
        if rating in RECHECK:
            pc_nc.append(ref)
    # An element is evidenced by a link to it or to one of its sub-elements, made this year
    # or re-confirmed (a link carried forward and not yet re-confirmed does not count).
    links = EvidenceLink.objects.filter(assessment=assessment).filter(
        Q(carried_forward=False) | Q(confirmed_at__isnull=False)
    )
    evidenced = {
        parent or element
        for element, parent in links.values_list("element_id", "element__parent_id")
        .order_by()
        .distinct()
    }
    return Readiness(
        assessment,
        elements=elements,
        self_rated=self_rated,
        evidenced=len(evidenced),
        pc_nc_refs=frozenset(pc_nc),
        today=today or timezone.localdate(),
    )
