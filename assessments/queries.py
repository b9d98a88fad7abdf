"""Reading an assessment year: the grid of a year and the page of one element.

Plain functions returning dataclasses, so the views stay thin and the number of SQL queries
is fixed whatever the amount of evidence: each function says which queries it makes.
"""

import copy
import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from django.db.models import Count, Exists, Model, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS

from assessments import linked_actions, linked_evidence
from assessments.figures import YearFigures, rows_of_years, standard_elements, year_figures
from assessments.models import RATING_ORDER, Assessment, ElementResult
from assessments.outcome import Outcome, outcome_of, outcomes_from_rows
from assessments.rules import (
    Opening,
    attention_reasons,
    counts_note,
    deletion_error,
    next_opening,
)
from organisations.models import Organisation
from organisations.prepared import prepared
from standards.memo import per_standard
from standards.models import Criterion, Element

NOT_RATED = "none"  # the filter value for "not rated"
RATING_FILTER_VALUES = frozenset({NOT_RATED, *RATING_ORDER})


def anchor(ref: str) -> str:
    """An HTML id for an element's row: ``el-1-3-3-1`` (no dots, so CSS selectors work)."""
    return "el-" + ref.replace(".", "-")


def year_url(assessment: Assessment) -> str:
    """The year's grid: ``/o/<org>/assessments/<year>/``."""
    return reverse("org:year", args=[assessment.organisation.slug, assessment.year])


def element_url(year_url: str, ref: str) -> str:
    """An element's page, from its year's URL: what ``reverse("org:element", …)`` gives,
    without resolving the pattern again for every row of a grid."""
    return f"{year_url}elements/{_quoted(ref)}/"


@functools.lru_cache(maxsize=4096)
def _quoted(ref: str) -> str:
    """A ref as ``reverse`` writes it in a path (a pure function: kept per process)."""
    return quote(ref, safe=RFC3986_SUBDELIMS + "~:@")


# --- The year's grid -------------------------------------------------------------------------


@dataclass(frozen=True)
class GridFilters:
    """What the grid shows: all rows, or those of one criterion, rating and attention."""

    criterion: str = ""  # a criterion ref ("1"), or "" for all
    self_rating: str = ""  # "", "none" (not rated) or CP/C/PC/NC
    rating: str = ""  # the assessor's rating, same values
    attention: bool = False  # only rows that need attention

    @property
    def active(self) -> bool:
        return bool(self.criterion or self.self_rating or self.rating or self.attention)

    def matches(self, row: "GridRow") -> bool:
        if self.criterion and row.element.criterion_ref != self.criterion:
            return False
        if not _rating_matches(self.self_rating, row.result.self_rating):
            return False
        if not _rating_matches(self.rating, row.result.rating):
            return False
        return not (self.attention and not row.reasons)


def _rating_matches(wanted: str, actual: str) -> bool:
    if not wanted:
        return True
    if wanted == NOT_RATED:
        return not actual
    return actual == wanted


# The grid reads its 72 rows as plain values, not model instances: making ~200 instances
# (results, elements, sub-criteria) cost more than the rest of the grid's assembly.


@dataclass(frozen=True, slots=True)
class GridSubCriterion:
    id: int
    ref: str
    title: str
    criterion_id: int


@dataclass(frozen=True, slots=True)
class GridElement:
    """An element or sub-element, as the grid shows it."""

    id: int
    ref: str
    text: str
    guidance: tuple[str, ...]  # evidence hints
    parent_id: int | None
    sub_criterion: GridSubCriterion
    criterion_ref: str


@dataclass(frozen=True, slots=True)
class GridResult:
    """The year's result of one element, as the grid shows it (what ``attention_reasons``
    and the filters read of an ElementResult)."""

    id: int
    self_rating: str
    rating: str
    sampled: bool
    carried_forward: bool
    self_notes: str = ""
    comment: str = ""  # the assessor's (their form in the grid shows it)
    version: int = 0  # the assessor's fields' version (marking.set_assessor_mark)


@dataclass(slots=True)
class GridRow:
    result: GridResult
    element: GridElement
    evidence_count: int = 0
    has_overdue: bool = False
    reasons: list[str] = field(default_factory=list)
    url: str = ""  # the element's page in this year
    unfinished_actions: int = 0  # open or in progress, raised in the year or before

    @property
    def self_url(self) -> str:
        """Where the row's self-rating is posted (``org:self-assessment``)."""
        return f"{self.url}self/"

    @property
    def anchor(self) -> str:
        return anchor(self.element.ref)

    @property
    def is_sub_element(self) -> bool:
        return self.element.parent_id is not None

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)


@dataclass
class SubCriterionGroup:
    sub_criterion: GridSubCriterion
    rows: list[GridRow] = field(default_factory=list)


@dataclass
class CriterionGroup:
    criterion: Criterion
    sub_criteria: list[SubCriterionGroup] = field(default_factory=list)


@dataclass
class Progress:
    """The year's self-assessment so far. Elements and sub-elements are counted apart: the
    57 elements are what the standard counts; sub-elements are detail under their element."""

    elements: int = 0
    self_rated: int = 0
    evidenced: int = 0
    complete: int = 0  # self-rated and evidenced
    sub_elements: int = 0
    sub_self_rated: int = 0
    sub_evidenced: int = 0
    needing_attention: int = 0  # rows, elements and sub-elements alike

    @property
    def percent_complete(self) -> int:
        return round(100 * self.complete / self.elements) if self.elements else 0

    def add(self, row: GridRow) -> None:
        if row.reasons:
            self.needing_attention += 1
        rated, evidenced = bool(row.result.self_rating), row.evidence_count > 0
        if row.is_sub_element:
            self.sub_elements += 1
            self.sub_self_rated += rated
            self.sub_evidenced += evidenced
        else:
            self.elements += 1
            self.self_rated += rated
            self.evidenced += evidenced
            self.complete += rated and evidenced


@dataclass
class Grid:
    assessment: Assessment
    groups: list[CriterionGroup]
    criteria: list[Criterion]  # every criterion of the standard, for the filter
    progress: Progress
    filters: GridFilters
    shown: int  # rows shown after the filters
    total: int  # rows in the year


def result_reasons(result: ElementResult, today: date | None = None) -> list[str]:
    """Why one element of a year needs attention, as its grid row says (three queries: the
    evidence figures, two, and the improvement actions)."""
    today = today or timezone.localdate()
    figures = linked_evidence.provider().figures(
        result.assessment, today, element_id=result.element_id
    )
    count, overdue = figures.get(result.element_id, (0, False))
    ref = result.element.ref
    actions = linked_actions.provider().element_figures(result.assessment, ref)
    has_action = ref in actions and actions[ref].in_hand
    return attention_reasons(result, count, overdue, has_action)


def _no_reasons(
    result: object, evidence_count: int, has_overdue: bool, has_action: bool
) -> list[str]:
    return []


def _criteria(standard_id: int) -> tuple[Criterion, ...]:
    return tuple(Criterion.objects.filter(standard_id=standard_id).order_by("position"))


def criteria_of(assessment: Assessment) -> list[Criterion]:
    """The criteria of the year's standard, in order (one query, once per process:
    standards.memo; the same rows for every page, which only read them)."""
    return list(per_standard("criteria", assessment.standard_id, _criteria))


def _grid_elements(standard_id: int) -> dict[int, tuple[int, GridElement]]:
    """The standard's elements and sub-elements as the grid shows them, by id, each with its
    position in the standard (one query; kept per process by standards.memo)."""
    sub_criteria: dict[int, GridSubCriterion] = {}
    elements = {}
    for (
        element_id,
        position,
        ref,
        text,
        guidance,
        parent_id,
        sub_id,
        sub_ref,
        sub_title,
        criterion_id,
        criterion_ref,
    ) in Element.objects.filter(standard_id=standard_id).values_list(
        "id",
        "position",
        "ref",
        "text",
        "guidance",
        "parent_id",
        "sub_criterion_id",
        "sub_criterion__ref",
        "sub_criterion__title",
        "sub_criterion__criterion_id",
        "sub_criterion__criterion__ref",
    ):
        sub_criterion = sub_criteria.get(sub_id)
        if sub_criterion is None:
            sub_criterion = GridSubCriterion(sub_id, sub_ref, sub_title, criterion_id)
            sub_criteria[sub_id] = sub_criterion
        elements[element_id] = (
            position,
            GridElement(
                element_id, ref, text, tuple(guidance), parent_id, sub_criterion, criterion_ref
            ),
        )
    return elements


# The year's results as the grid's rows read them (organisations.prepared: compiled once).
_GRID_RESULTS = prepared(
    lambda assessment_id: (
        ElementResult.objects.filter(assessment_id=assessment_id)
        .order_by()
        .values_list(
            "id",
            "self_rating",
            "rating",
            "sampled",
            "carried_forward",
            "self_notes",
            "comment",
            "version",
            "element_id",
        )
    )
)


def year_grid(
    assessment: Assessment,
    filters: GridFilters | None = None,
    today: date | None = None,
    criteria: list[Criterion] | None = None,
) -> Grid:
    """Every element and sub-element of the year under its criterion and sub-criterion.

    Three queries: the year's results (as values; their elements, sub-criteria and
    criteria, and every criterion for the filter, are the standard's, read once per
    process: standards.memo), the evidence
    figures per element and the improvement actions' figures per
    element (assessments.linked_actions: the unfinished ones, and whether a PC or NC has one
    in hand). The progress counts the whole year; the filters only choose the rows shown.
    Each row knows its element's URL (from the assessment's organisation, which the views
    have loaded already).
    """
    filters = filters or GridFilters()
    if criteria is None:
        criteria = criteria_of(assessment)
    criterion_of = {criterion.pk: criterion for criterion in criteria}
    elements = per_standard("grid.elements", assessment.standard_id, _grid_elements)
    results = sorted(_GRID_RESULTS(assessment.pk), key=lambda values: elements[values[-1]][0])
    figures = linked_evidence.provider().figures(assessment, today or timezone.localdate())
    actions = linked_actions.provider().element_figures(assessment)
    no_actions = linked_actions.ActionFigures(0, False)
    grid_url = year_url(assessment)
    # A finalised year is the assessor's record: nothing in it needs the lead's attention.
    reasons_of = _no_reasons if assessment.is_finalised else attention_reasons
    progress = Progress()
    groups: dict[int, CriterionGroup] = {}
    subs: dict[int, SubCriterionGroup] = {}
    total = shown = 0
    for (
        result_id,
        self_rating,
        rating,
        sampled,
        carried_forward,
        self_notes,
        comment,
        version,
        element_id,
    ) in results:
        element = elements[element_id][1]
        ref, sub_criterion = element.ref, element.sub_criterion
        sub_id, criterion_id = sub_criterion.id, sub_criterion.criterion_id
        result = GridResult(
            result_id, self_rating, rating, sampled, carried_forward, self_notes, comment, version
        )
        count, overdue = figures.get(element_id, (0, False))
        unfinished, in_hand = actions.get(ref, no_actions)
        row = GridRow(
            result,
            element,
            count,
            overdue,
            reasons_of(result, count, overdue, in_hand),
            element_url(grid_url, ref),
            unfinished,
        )
        progress.add(row)
        total += 1
        if not filters.matches(row):
            continue
        shown += 1
        if sub_id not in subs:
            if criterion_id not in groups:
                groups[criterion_id] = CriterionGroup(criterion_of[criterion_id])
            subs[sub_id] = SubCriterionGroup(sub_criterion)
            groups[criterion_id].sub_criteria.append(subs[sub_id])
        subs[sub_id].rows.append(row)
    ordered = sorted(groups.values(), key=lambda group: group.criterion.position)
    return Grid(assessment, ordered, criteria, progress, filters, shown, total)


# --- One element of a year -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElementRef:
    """Another element of the year as its page links to it (a sub-element, the previous or
    the next), with its ratings in the year."""

    ref: str
    text: str
    url: str
    is_sub_element: bool = False
    self_rating: str = ""
    rating: str = ""


@dataclass(frozen=True, slots=True)
class EarlierYear:
    """The same element in an earlier year of the organisation: its marks, and its page."""

    year: int
    self_rating: str
    rating: str
    sampled: bool
    url: str


@dataclass
class ElementPage:
    assessment: Assessment
    result: ElementResult  # with ``changed_in_year`` (see element_page)
    sub_elements: list[ElementRef]  # an element's sub-elements, with their ratings
    links: list[Any]  # the evidence app's links (assessments.linked_evidence), by title
    earlier: list[EarlierYear]  # the same ref in every earlier year, latest first
    reasons: list[str]
    to_confirm: int = 0  # links carried forward and not yet re-confirmed for the year
    previous: ElementRef | None = None  # in the standard's order, sub-elements included
    next: ElementRef | None = None
    parent_url: str = ""  # a sub-element's element

    @property
    def element(self) -> Element:
        return self.result.element

    @property
    def anchor(self) -> str:
        return anchor(self.result.element.ref)

    @property
    def evidence_count(self) -> int:
        return len(self.links)

    @property
    def changed_in_year(self) -> bool:
        """Whether anyone changed the result since the year was opened (or it was imported)."""
        return self.result.changed_in_year

    @property
    def carried_from(self) -> int | None:
        """The year the result was carried forward from, while nobody has changed it since the
        year was opened; None once someone has (then it has a "last changed")."""
        if self.result.changed_in_year or not self.result.carried_forward or not self.earlier:
            return None
        return self.earlier[0].year


@functools.cache
def _result_history() -> type[Model]:
    """ElementResult's history model (``ElementResult.history`` makes a manager class on every
    access: a tenth of a millisecond)."""
    return ElementResult.history.model


def _page_elements(standard_id: int) -> dict[str, Element]:
    """The standard's elements and sub-elements by ref, each with its sub-criterion,
    criterion and parent: what an element page shows of its element (one query; kept per
    process by standards.memo, and copied for each page by ``element_page``)."""
    return {
        element.ref: element
        for element in Element.objects.filter(standard_id=standard_id).select_related(
            "sub_criterion__criterion", "parent"
        )
    }


def _changes() -> Exists:
    """Whether anyone changed a result since its year was opened (or it was imported): a
    history row other than its creation."""
    return Exists(_result_history().objects.filter(id=OuterRef("pk")).exclude(history_type="+"))


def element_page(assessment: Assessment, ref: str, today: date | None = None) -> ElementPage | None:
    """The element ``ref`` of the year, or None when the year has no such element.

    Three queries: the result (with who changed it last, and whether anyone changed it in
    the year: a history row other than its creation; its element, sub-criterion, criterion
    and parent are the standard's, read once per process: standards.memo); the year's
    results as values (in the standard's order: the sub-elements with their ratings, and
    the elements before and after this one, the page's "previous" and "next"), with the
    results of the same ref in the organisation's earlier years; and the evidence links
    with their items.
    """
    kept = per_standard("page.elements", assessment.standard_id, _page_elements).get(ref)
    if kept is None:
        return None
    try:  # get(), not first(): one result per element and year, and no ordering to build
        result = (
            ElementResult.objects.select_related("updated_by")
            .annotate(changed_in_year=_changes())
            .get(assessment=assessment, element_id=kept.pk)
        )
    except ElementResult.DoesNotExist:
        return None
    return _page_of_result(assessment, result, kept, today)


# The element page's two reads of results (organisations.prepared: compiled once): its
# result with its year, and the year's results with the same ref's in the earlier years.
_PAGE_RESULT = prepared(
    lambda organisation_id, year, ref: (
        ElementResult.objects.select_related("assessment", "updated_by")
        .annotate(changed_in_year=_changes())
        .filter(
            assessment__organisation_id=organisation_id, assessment__year=year, element__ref=ref
        )
        .order_by()
    )
)
_PAGE_YEARS = prepared(
    lambda assessment_id, organisation_id, year, ref: (
        ElementResult.objects.filter(
            Q(assessment_id=assessment_id)
            | Q(
                assessment__organisation_id=organisation_id,
                assessment__year__lt=year,
                element__ref=ref,
            )
        )
        .order_by()
        .values_list("assessment__year", "element_id", "self_rating", "rating", "sampled")
    )
)


def element_page_of(
    organisation: Organisation, year: int, ref: str, today: date | None = None
) -> ElementPage | None:
    """``element_page`` of the organisation's ``year``, found with the result: the year is
    read in the result's query (``year_of`` and the result were two), so three queries in
    all. None when the organisation has no such year or the year no such element."""
    found = _PAGE_RESULT(organisation.pk, year, ref)
    if not found:
        return None
    [result] = found  # one result a year and element, one year of a number
    assessment = result.assessment
    assessment.organisation = organisation  # the same row: no second query
    kept = per_standard("page.elements", assessment.standard_id, _page_elements)[ref]
    return _page_of_result(assessment, result, kept, today)


def _page_of_result(
    assessment: Assessment, result: ElementResult, kept: Element, today: date | None
) -> ElementPage:
    """The page of ``result`` (of ``assessment``, whose standard has ``kept``): two
    queries, the year's results with the same ref's in the organisation's earlier years (one
    query: the year's and the earlier rows apart by their year), and the links."""
    today = today or timezone.localdate()
    # The page's own copy: what it caches on its element stays with this page.
    element = result.element = copy.copy(kept)
    result.assessment = assessment
    grid_url = year_url(assessment)
    # The year's elements in the standard's order, as values: (ref, text, parent id, ratings);
    # and the same ref's results in the earlier years, latest first.
    elements = per_standard("grid.elements", assessment.standard_id, _grid_elements)
    this_year, earlier_rows = [], []
    for year, element_id, self_rating, rating, sampled in _PAGE_YEARS(
        assessment.pk, assessment.organisation_id, assessment.year, element.ref
    ):
        if year == assessment.year:
            this_year.append((elements[element_id], self_rating, rating))
        else:
            earlier_rows.append((year, self_rating, rating, sampled))
    rows = [
        (year_element.ref, year_element.text, year_element.parent_id, self_rating, rating)
        for (_position, year_element), self_rating, rating in sorted(
            this_year, key=lambda row: row[0][0]
        )
    ]

    def linked_ref(row: tuple) -> ElementRef:
        row_ref, text, parent_id, self_rating, rating = row
        return ElementRef(
            row_ref,
            text,
            element_url(grid_url, row_ref),
            parent_id is not None,
            self_rating,
            rating,
        )

    index = next(n for n, row in enumerate(rows) if row[0] == element.ref)
    sub_elements = [linked_ref(row) for row in rows if row[2] == element.pk]
    linked = linked_evidence.provider().element_links(assessment, element, today)
    # Each earlier year's page: this year's URL with the year in its place.
    before_year, _year, after_year = grid_url.rpartition(f"/{assessment.year}/")
    earlier = [
        EarlierYear(
            year,
            self_rating,
            rating,
            sampled,
            element_url(f"{before_year}/{year}/{after_year}", element.ref),
        )  # fmt: skip
        for year, self_rating, rating, sampled in sorted(earlier_rows, reverse=True)
    ]
    reasons = attention_reasons(result, len(linked.links), linked.overdue)
    return ElementPage(
        assessment=assessment,
        result=result,
        sub_elements=sub_elements,
        links=linked.links,
        earlier=earlier,
        reasons=[] if assessment.is_finalised else reasons,
        to_confirm=linked.to_confirm,
        previous=linked_ref(rows[index - 1]) if index > 0 else None,
        next=linked_ref(rows[index + 1]) if index + 1 < len(rows) else None,
        parent_url=element_url(grid_url, element.parent.ref) if element.parent else "",
    )


# --- The organisation's years ----------------------------------------------------------------


@dataclass
class YearRow:
    assessment: Assessment
    figures: YearFigures
    outcome: Outcome | None  # known once the year is finalised
    note: str = ""  # what the counts are when they are not the year's result (rules.counts_note)


def year_rows(organisation: Organisation) -> list[YearRow]:
    """The organisation's years, latest first, with their CP/C/PC/NC counts and outcome, and
    a note on counts carried forward from the year before.

    Three queries: the years, the standards' elements, and every year's results by ids (read
    once for both the figures and the finalised years' outcomes: assessments.figures
    .rows_of_years).
    """
    assessments = list(Assessment.objects.for_org(organisation).order_by("-year"))
    elements = standard_elements(a.standard_id for a in assessments) if assessments else {}
    rows = rows_of_years(assessments, elements)
    figures = year_figures(assessments, rows, elements)
    outcomes = outcomes_from_rows([a for a in assessments if a.is_finalised], rows)
    rows = []
    for index, assessment in enumerate(assessments):
        year = figures[assessment.pk]
        before = assessments[index + 1].year if index + 1 < len(assessments) else None
        rows.append(
            YearRow(
                assessment,
                year,
                outcomes.get(assessment.pk),
                counts_note(assessment.status, year.assessed_total, year.carried_total, before),
            )
        )
    return rows


def opening(years: list[YearRow] | list[Assessment]) -> Opening:
    """Which year may be opened next, from the organisation's years (rows or assessments,
    already loaded: no query)."""
    return next_opening([getattr(y, "assessment", y) for y in years])


def opening_for(organisation: Organisation) -> tuple[list[Assessment], Opening]:
    """The organisation's years, latest first, and which year may be opened next (one query)."""
    years = list(Assessment.objects.for_org(organisation).order_by("-year"))
    return years, next_opening(years)


# --- A year's outcome, and what deleting it would remove -------------------------------------

# An assessor's mark on a result: a rating set in this year, a sampled mark, a comment.
ASSESSOR_MARK = (Q(carried_forward=False) & ~Q(rating="")) | Q(sampled=True) | ~Q(comment="")


def assessor_marks(assessment: Assessment) -> int:
    """How many of the year's results carry an assessor's mark (one query)."""
    return ElementResult.objects.filter(assessment=assessment).filter(ASSESSOR_MARK).count()


def year_outcome(assessment: Assessment) -> Outcome | None:
    """A finalised year's certification outcome (``assessments.outcome``); None before (one
    query)."""
    return outcome_of(assessment) if assessment.is_finalised else None


@dataclass
class Deletion:
    """What deleting a year would remove, or why it may not be deleted."""

    assessment: Assessment
    results: int
    self_rated: int  # results with a self-rating or notes
    links: int  # evidence links of the year
    links_added: int  # of which made in this year (not carried forward)
    marks: int  # assessor marks: any stops the deletion
    reason: str  # why it may not be deleted; "" when it may

    @property
    def allowed(self) -> bool:
        return not self.reason


def _latest_year(assessment: Assessment) -> int:
    """The organisation's latest year (one query)."""
    latest = (
        Assessment.objects.filter(organisation_id=assessment.organisation_id)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or assessment.year


def may_delete(assessment: Assessment) -> bool:
    """Whether ``rules.deletion_error`` allows deleting the year (two queries: the latest
    year and the assessor's marks; none of the counts the deletion page shows)."""
    if assessment.is_finalised:
        return False
    return not deletion_error(assessment, _latest_year(assessment), assessor_marks(assessment))


def deletion(assessment: Assessment) -> Deletion:
    """What deleting ``assessment`` would remove, and whether ``rules.deletion_error`` allows
    it (three queries: the latest year, the results' counts, the links' counts)."""
    latest = _latest_year(assessment)
    results = ElementResult.objects.filter(assessment=assessment).aggregate(
        total=Count("id"),
        self_rated=Count("id", filter=~Q(self_rating="") | ~Q(self_notes="")),
        marks=Count("id", filter=ASSESSOR_MARK),
    )
    links = linked_evidence.provider().counts(assessment)
    return Deletion(
        assessment=assessment,
        results=results["total"],
        self_rated=results["self_rated"],
        links=links.total,
        links_added=links.added,
        marks=results["marks"],
        reason=deletion_error(assessment, latest, results["marks"]),
    )
