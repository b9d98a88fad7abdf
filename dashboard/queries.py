"""What the pages that read every app show: the assessor's home (every organisation where the
user is a current assessor, and what waits for them there) and the organisation dashboard's
years (their counts, counted in the database) and next visit with its readiness. Plain
functions returning dataclasses, each in a fixed number of queries whatever the number of
organisations, years or elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from actions.models import Action
from actions.queries import ActionCounts, in_hand
from assessments.figures import standard_elements
from assessments.models import RATING_ORDER, Assessment, ElementResult, Rating
from assessments.outcome import Outcome, outcome_of
from assessments.rules import counts_note
from evidence.models import EvidenceLink
from organisations.models import Membership, Organisation, Role
from organisations.prepared import prepared
from standards.memo import per_standard
from standards.models import Element

# The visits at which every element is rated; at an annual review only the sampled ones are.
FULL_VISITS = (Assessment.Kind.INITIAL, Assessment.Kind.REASSESSMENT)
RECHECK = (Rating.PARTIAL, Rating.NON_COMPLIANCE)


def must_rate(kind: str, sampled: bool) -> bool:
    """An element the assessor must rate at this year's visit: every one at an initial
    assessment or a reassessment, the sampled ones at an annual review (as the pre-finalise
    check counts)."""
    return kind in FULL_VISITS or sampled


def rated_this_year(rating: str, carried_forward: bool) -> bool:
    """Rated by the assessor in this year: a rating not carried forward from the year before."""
    return bool(rating) and not carried_forward


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


def assessor_memberships(user, today: date | None = None) -> list[Membership]:
    """The user's current assessor memberships with their organisations, by organisation
    name. One query."""
    return list(
        Membership.objects.current(today)
        .filter(user=user, role=Role.ASSESSOR)
        .select_related("organisation")
        .order_by("organisation__name", "organisation__pk")
    )


def _assessor_ones(memberships: list[Membership]) -> list[Membership]:
    """The assessor memberships among ``memberships`` (by organisation name, as
    organisations.services.memberships_of gives them), organisations of the same name by
    their id as assessor_memberships orders them."""
    chosen = [m for m in memberships if m.role == Role.ASSESSOR]
    ordered: list[Membership] = []
    for _name, same in groupby(chosen, key=lambda m: m.organisation.name):
        ordered += sorted(same, key=lambda m: m.organisation.pk)
    return ordered


# What the assessor's home reads of a current year (the template shows these only), in the
# model's order of its fields (as Model.from_db takes them).
_OVERVIEW_YEAR_FIELDS = tuple(
    f.attname
    for f in Assessment._meta.concrete_fields
    if f.attname
    in {
        "id",
        "organisation_id",
        "standard_id",
        "year",
        "kind",
        "status",
        "visit_date",
        "visit_end_date",
    }
)
_ID, _ORG, _STANDARD, _YEAR = (
    _OVERVIEW_YEAR_FIELDS.index(n) for n in ("id", "organisation_id", "standard_id", "year")
)


def is_assessor_anywhere(user, today: date | None = None) -> bool:
    return Membership.objects.current(today).filter(user=user, role=Role.ASSESSOR).exists()


def assessor_overview(
    user, today: date | None = None, *, memberships: list[Membership] | None = None
) -> list[AssessorOrganisation]:
    """Every organisation where ``user`` is a current assessor, with its current year (kind,
    status, visit date) and what waits: the self-assessment submitted, the elements to rate,
    the PC/NC of the previous year to re-check. ``memberships``: the user's current
    memberships when the caller has read them already (organisations.services.memberships_of;
    the assessor ones are taken from there).

    Three queries whatever the number of organisations (two with ``memberships``): the
    assessor memberships, the organisations' years (a few fields each: the latest two are
    used), and the current years' results with the previous years' PC/NC, counted here for
    the standard's elements (kept per process: standards.memo; one query more for each
    standard the first time).
    """
    if memberships is None:
        memberships = assessor_memberships(user, today)
    else:
        memberships = _assessor_ones(memberships)
    if not memberships:
        return []
    latest: dict[int, list[tuple]] = {}  # organisation id -> its latest two years, latest first
    years = Assessment.objects.filter(
        organisation_id__in={m.organisation_id for m in memberships}
    ).order_by("organisation_id", "-year")
    for values in years.values_list(*_OVERVIEW_YEAR_FIELDS):
        two = latest.setdefault(values[_ORG], [])
        if len(two) < 2:
            two.append(values)
    current: dict[int, Assessment] = {}  # by organisation id
    previous: dict[int, tuple[int, int]] = {}  # organisation id -> (id, year)
    standards = set()
    for organisation_id, two in latest.items():
        standards.update(values[_STANDARD] for values in two)
        current[organisation_id] = Assessment.from_db(years.db, _OVERVIEW_YEAR_FIELDS, two[0])
        if len(two) > 1:
            previous[organisation_id] = (two[1][_ID], two[1][_YEAR])
    kind_of = {a.pk: a.kind for a in current.values()}
    previous_ids = [pk for pk, _year in previous.values()]
    must: dict[int, int] = dict.fromkeys(kind_of, 0)
    to_rate: dict[int, int] = dict.fromkeys(kind_of, 0)
    flagged: dict[int, set[int]] = {}  # previous year id -> its PC/NC elements
    rerated: set[tuple[int, int]] = set()  # (current year id, element id) rated this year
    # The standard's elements (sub-elements are detail under their element and do not count),
    # kept per process (standards.memo): the results are read without joining the elements.
    elements = standard_elements(standards)
    # The current years' results and the previous years' PC/NC, in one query (unordered: the
    # model's ordering would join the organisation, year and element to sort them).
    for assessment_id, element_id, sampled, rating, carried in (
        ElementResult.objects.filter(
            Q(assessment_id__in=list(kind_of))
            | Q(assessment_id__in=previous_ids, rating__in=RECHECK)
        )
        .order_by()
        .values_list("assessment_id", "element_id", "sampled", "rating", "carried_forward")
    ):
        if element_id not in elements:
            continue
        kind = kind_of.get(assessment_id)
        if kind is None:
            flagged.setdefault(assessment_id, set()).add(element_id)
            continue
        rated = rated_this_year(rating, carried)
        if rated:
            rerated.add((assessment_id, element_id))
        if must_rate(kind, sampled):
            must[assessment_id] += 1
            if not rated:
                to_rate[assessment_id] += 1

    overview = []
    for membership in memberships:
        year = current.get(membership.organisation_id)
        entry = AssessorOrganisation(membership.organisation, membership, year)
        if year is not None:
            entry.must_rate = must[year.pk]
            entry.to_rate = to_rate[year.pk]
            before = previous.get(membership.organisation_id)
            if before is not None:
                elements = flagged.get(before[0], set())
                done = sum(1 for e in elements if (year.pk, e) in rerated)
                entry.recheck = Recheck(before[1], len(elements), done)
        overview.append(entry)
    return overview


# --- the organisation's dashboard: its years and their counts --------------------------------


@dataclass
class YearCounts:
    """A year's figures as the dashboard shows them: its CP/C/PC/NC counts, of which carried
    forward from the year before and not assessed since, and the number of elements sampled,
    each counting the standard's elements (sub-elements not counted twice), as
    ``assessments.figures.YearFigures`` counts them."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATING_ORDER, 0))
    carried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATING_ORDER, 0))
    sampled_total: int = 0

    @property
    def carried_total(self) -> int:
        return sum(self.carried.values())

    @property
    def assessed_total(self) -> int:
        """Ratings set in this year, not carried forward."""
        return sum(self.counts.values()) - self.carried_total


@dataclass
class DashboardYear:
    """One of the organisation's years on its dashboard (the years table; the first is its
    current year), read as ``assessments.queries.YearRow`` is (the years table's tags draw
    either)."""

    assessment: Assessment
    figures: YearCounts
    outcome: Outcome | None = None  # the current year's, once it is finalised; None for others
    note: str = ""  # what the counts are when they are not the year's result (rules.counts_note)


# What the dashboard reads of a year (its cards, years table, readiness, actions in hand and
# outcome): not its dates and times of record, which the database gives as text to parse.
_DASHBOARD_YEAR_FIELDS = (
    "id",
    "organisation_id",
    "standard_id",
    "year",
    "kind",
    "status",
    "visit_date",
    "recommendation_override",
    "recommendation_override_reason",
)


# The dashboard's reads (organisations.prepared: compiled once per process).
_YEARS = prepared(
    lambda organisation_id: (
        Assessment.objects.filter(organisation_id=organisation_id)
        .order_by("-year")
        .only(*_DASHBOARD_YEAR_FIELDS)
    )
)
_YEAR_COUNTS = prepared(
    lambda organisation_id: (
        ElementResult.objects.filter(
            assessment__organisation_id=organisation_id, element__parent__isnull=True
        )
        .order_by()
        .values_list("assessment_id", "rating", "carried_forward", "sampled")
        .annotate(n=Count("pk"))
    )
)


def dashboard_years(organisation: Organisation) -> list[DashboardYear]:
    """The organisation's years, latest first, with their counts (and the note on counts
    carried forward from the year before), and the current year's outcome once it is
    finalised (the only one the dashboard shows).

    Two queries: the years, and their results counted in the database, grouped by rating,
    carried forward and sampled (a few dozen rows, rather than every result of every year);
    one more for a finalised current year's outcome.
    """
    assessments = _YEARS(organisation.pk)
    if not assessments:
        return []
    figures = {a.pk: YearCounts() for a in assessments}
    for assessment_id, rating, carried, sampled, n in _YEAR_COUNTS(organisation.pk):
        year = figures[assessment_id]
        if rating:
            year.counts[rating] += n
            if carried:
                year.carried[rating] += n
        if sampled:
            year.sampled_total += n
    rows = []
    for index, assessment in enumerate(assessments):
        year = figures[assessment.pk]
        before = assessments[index + 1].year if index + 1 < len(assessments) else None
        note = counts_note(assessment.status, year.assessed_total, year.carried_total, before)
        rows.append(DashboardYear(assessment, year, None, note))
    current = rows[0]
    if current.assessment.is_finalised:
        current.outcome = outcome_of(current.assessment)
    return rows


# --- the organisation's dashboard: its improvement actions -----------------------------------


@dataclass(frozen=True, slots=True)
class _ActionInHand:
    """An action in hand as the dashboard counts it, with the model's own rules."""

    status: str
    due_date: date

    UNFINISHED = Action.UNFINISHED
    is_unfinished = Action.is_unfinished
    is_overdue_on = Action.is_overdue_on


@dataclass
class CurrentActions:
    """The organisation's improvement actions as its dashboard shows them."""

    refs_in_hand: set[str]  # refs with an action in hand in the current year
    counts: ActionCounts  # open or in progress, and of those overdue


_ACTIONS_IN_HAND = prepared(
    lambda organisation_id, assessment_id: (
        Action.objects.filter(organisation_id=organisation_id)
        .filter(in_hand(assessment_id))
        .order_by()
        .values_list("element__ref", "status", "due_date")
    )
)


def current_actions(latest: Assessment, today: date | None = None) -> CurrentActions:
    """For the organisation's latest year: the refs with an action in hand
    (``actions.queries.refs_with_actions``) and the organisation's actions open or in
    progress and overdue (``actions.queries.open_and_overdue``), in one query instead of two.
    The actions in hand (``actions.queries.in_hand``) hold both: every unfinished action is
    in hand, and no action is raised in a year after the latest."""
    today = today or timezone.localdate()
    refs: set[str] = set()
    unfinished = overdue = 0
    for ref, status, due_date in _ACTIONS_IN_HAND(latest.organisation_id, latest.pk):
        refs.add(ref)
        action = _ActionInHand(status, due_date)
        if action.is_unfinished:
            unfinished += 1
            overdue += action.is_overdue_on(today)
    return CurrentActions(refs, ActionCounts(unfinished=unfinished, overdue=overdue))


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


def top_elements(standard_id: int) -> dict[int, int]:
    """Each element of the standard (by id) → its element: itself, or a sub-element's parent.
    Kept per process (standards.memo): one query the first time."""
    return per_standard("dashboard.top_elements", standard_id, _top_elements)


def _top_elements(standard_id: int) -> dict[int, int]:
    return {
        pk: parent or pk
        for pk, parent in Element.objects.filter(standard_id=standard_id).values_list(
            "pk", "parent_id"
        )
    }


def _evidenced_elements(assessment_id: int) -> QuerySet:
    """The elements with a link made in the year or re-confirmed (``readiness``)."""
    links = EvidenceLink.objects.filter(assessment_id=assessment_id).order_by()
    made = links.filter(carried_forward__in=[False]).values_list("element_id", flat=True)
    confirmed = links.filter(carried_forward__in=[True], confirmed_at__isnull=False)
    return made.union(confirmed.values_list("element_id", flat=True))


_READINESS_RESULTS = prepared(
    lambda assessment_id: (
        ElementResult.objects.filter(assessment_id=assessment_id)
        .order_by()
        .values_list("element_id", "self_rating", "rating")
    )
)
_EVIDENCED = prepared(_evidenced_elements)


def readiness(assessment: Assessment, today: date | None = None) -> Readiness:
    """The current year's readiness for its visit (two queries: the year's results, each
    with its element, self-rating and rating, counted here for the standard's elements
    (``assessments.figures.standard_elements``: kept per process, its sub-elements left
    out); the elements with evidence linked this year). ``pc_nc_with_actions`` is left None:
    the dashboard counts it with ``Readiness.count_actions``."""
    standard = standard_elements([assessment.standard_id])
    results = _READINESS_RESULTS(assessment.pk)
    elements = self_rated = 0
    pc_nc = []
    for element_id, self_rating, rating in results:
        element = standard.get(element_id)
        if element is None:  # a sub-element: detail under its element
            continue
        elements += 1
        self_rated += self_rating != ""
        if rating in RECHECK:
            pc_nc.append(element.ref)
    # An element is evidenced by a link to it or to one of its sub-elements, made this year
    # or re-confirmed (a link carried forward and not yet re-confirmed does not count): the
    # elements of the two kinds of link, each half seeking its rows in the year's index
    # (evidence_link_year_state; ``IN (false)``, not the ``NOT carried_forward`` that an
    # ``=False`` gives, which SQLite cannot seek), their union without duplicates.
    tops = top_elements(assessment.standard_id)
    evidenced = {
        tops[element]
        for element in _EVIDENCED(assessment.pk)
        if element in tops  # an element of another standard is none of this year's
    }
    return Readiness(
        assessment,
        elements=elements,
        self_rated=self_rated,
        evidenced=len(evidenced),
        pc_nc_refs=frozenset(pc_nc),
        today=today or timezone.localdate(),
    )
