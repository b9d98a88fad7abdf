"""A year's figures, computed from its element results: the CP/C/PC/NC counts, what of them
is carried forward, and the elements sampled per criterion (the Annex One chart's rows, the
years list, the certification outcome and the import's summary all read these).

The figures count the 57 elements of the standard (sub-elements are detail under their
element and do not count twice), as the board paper's "Elements sampled" rows do.
"""

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from assessments.models import RATING_ORDER, Assessment, ElementResult
from standards.memo import per_standard
from standards.models import Element


@dataclass
class YearFigures:
    year: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATING_ORDER, 0))
    sampled_by_criterion: dict[str, int] = field(default_factory=dict)
    elements: int = 0  # the standard's elements (sub-elements not counted)
    # Of ``counts``, the ratings carried forward from the year before and not assessed since.
    carried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATING_ORDER, 0))

    @property
    def carried_total(self) -> int:
        return sum(self.carried.values())

    @property
    def assessed_total(self) -> int:
        """Ratings set in this year (by the assessor, or imported), not carried forward."""
        return self.rated_total - self.carried_total

    @property
    def sampled_total(self) -> int:
        return sum(self.sampled_by_criterion.values())

    @property
    def rated_total(self) -> int:
        return sum(self.counts.values())

    @property
    def unrated(self) -> int:
        return self.elements - self.rated_total

    def summary(self) -> str:
        """``2018: CP 14, C 40, PC 3, NC 0 (of 57 elements); sampled 21 (C1 4, …)``."""
        ratings = ", ".join(f"{r} {self.counts[r]}" for r in RATING_ORDER)
        of = f"of {self.elements} elements"
        if self.unrated:
            of += f", {self.unrated} not rated"
        if self.carried_total and not self.assessed_total:
            of += f"; {self.carried_total} carried forward, not yet assessed"
        elif self.carried_total:
            of += f"; {self.carried_total} carried forward"
        by_criterion = ", ".join(f"C{ref} {n}" for ref, n in self.sampled_by_criterion.items())
        return f"{self.year}: {ratings} ({of}); sampled {self.sampled_total} ({by_criterion})"


@functools.lru_cache(maxsize=4096)  # refs are the standard's: a few hundred at most
def _ref_key(ref: str) -> tuple[int | str, ...]:
    return tuple(int(part) if part.isdigit() else part for part in ref.split("."))


# The columns of ``result_rows``: one row per result of a standard's element (sub-elements
# left out), what the figures and the certification outcome (assessments.outcome) both read.
RESULT_COLUMNS = (
    "assessment_id",
    "assessment__organisation_id",
    "assessment__year",
    "element__ref",
    "element__sub_criterion__criterion__ref",
    "element__sub_criterion__criterion__title",
    "rating",
    "sampled",
    "carried_forward",
)
ResultRow = tuple[int, int, int, str, str, str, str, bool, bool]


def result_rows(where: Q) -> list[ResultRow]:
    """The results of the standard's elements (not sub-elements) of the assessments that
    ``where`` chooses, by assessment then element position, as ``RESULT_COLUMNS`` (one
    query)."""
    return list(
        ElementResult.objects.filter(where)
        .filter(element__parent__isnull=True)
        .order_by("assessment_id", "element__position")
        .values_list(*RESULT_COLUMNS)
    )


@dataclass(frozen=True, slots=True)
class StandardElement:
    """One of a standard's elements (not a sub-element), as the figures read it."""

    standard_id: int
    ref: str
    criterion: str
    criterion_title: str
    position: int


def standard_elements(standard_ids: Iterable[int]) -> dict[int, StandardElement]:
    """The standards' elements (sub-elements left out), by id: one query for each standard
    the first time this process reads it (standards.memo), none after."""
    found: dict[int, StandardElement] = {}
    for standard_id in sorted(set(standard_ids)):
        found.update(per_standard("figures.elements", standard_id, _elements_of))
    return found


def _elements_of(standard_id: int) -> dict[int, StandardElement]:
    return {
        pk: StandardElement(standard_id, ref, criterion, title, position)
        for pk, ref, criterion, title, position in Element.objects.filter(
            standard_id=standard_id, parent__isnull=True
        ).values_list(
            "id",
            "ref",
            "sub_criterion__criterion__ref",
            "sub_criterion__criterion__title",
            "position",
        )
    }


def rows_of_years(
    assessments: Sequence[Assessment], elements: Mapping[int, StandardElement]
) -> list[ResultRow]:
    """What ``result_rows`` gives for these years, read by ids without a join (one query):
    each result is matched to ``elements`` (``standard_elements`` of the years' standards;
    a sub-element's result is left out) and to its year, then put in the standard's order."""
    years = {a.pk: (a.organisation_id, a.year) for a in assessments}
    if not years:
        return []
    found = []
    # Unordered: the results' default order would join their organisation and element only to
    # sort rows that are put in the standard's order here.
    for pk, element_id, rating, sampled, carried in (
        ElementResult.objects.filter(assessment_id__in=list(years))
        .order_by()
        .values_list("assessment_id", "element_id", "rating", "sampled", "carried_forward")
    ):
        element = elements.get(element_id)
        if element is not None:
            found.append((pk, element.position, element, rating, sampled, carried))
    found.sort(key=lambda row: (row[0], row[1]))
    return [
        (pk, *years[pk], e.ref, e.criterion, e.criterion_title, rating, sampled, carried)
        for pk, _position, e, rating, sampled, carried in found
    ]


def year_figures(
    assessments: Iterable[Assessment],
    rows: Iterable[ResultRow] | None = None,
    elements: Mapping[int, StandardElement] | None = None,
) -> dict[int, YearFigures]:
    """Figures for each assessment, keyed by assessment id: two queries (the standards'
    elements, and the results as ``result_rows``), none when the caller has both already
    (``rows``: rows of other assessments are ignored; ``elements``: ``standard_elements`` of
    the years' standards).

    Every criterion of the assessment's standard appears in ``sampled_by_criterion`` (zero when
    none of its elements was sampled), in the standard's order.
    """
    assessments = list(assessments)
    by_id = {a.pk: YearFigures(year=a.year) for a in assessments}
    if not by_id:
        return {}
    if elements is None:
        elements = standard_elements(a.standard_id for a in assessments)
    _fill_elements_and_criteria(assessments, by_id, elements)
    if rows is None:
        rows = result_rows(Q(assessment_id__in=list(by_id)))
    for pk, _org, _year, _ref, criterion, _title, rating, sampled, carried in rows:
        figures = by_id.get(pk)
        if figures is None:
            continue
        if rating:
            figures.counts[rating] += 1
            if carried:
                figures.carried[rating] += 1
        if sampled:
            figures.sampled_by_criterion[criterion] = (
                figures.sampled_by_criterion.get(criterion, 0) + 1
            )
    return by_id


def _fill_elements_and_criteria(
    assessments: list[Assessment],
    by_id: dict[int, YearFigures],
    elements: Mapping[int, StandardElement],
) -> None:
    """Each figure's element count and its criteria at zero, from the standards' elements."""
    counts: dict[int, int] = {}
    criteria: dict[int, set[str]] = {}
    for element in elements.values():
        counts[element.standard_id] = counts.get(element.standard_id, 0) + 1
        criteria.setdefault(element.standard_id, set()).add(element.criterion)
    for assessment in assessments:
        figures = by_id[assessment.pk]
        figures.elements = counts.get(assessment.standard_id, 0)
        refs = sorted(criteria.get(assessment.standard_id, ()), key=_ref_key)
        figures.sampled_by_criterion = dict.fromkeys(refs, 0)
