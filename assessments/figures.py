"""A year's figures, computed from its element results: the CP/C/PC/NC counts, what of them
is carried forward, and the elements sampled per criterion (the Annex One chart's rows, the
years list, the certification outcome and the import's summary all read these).

The figures count the 57 elements of the standard (sub-elements are detail under their
element and do not count twice), as the board paper's "Elements sampled" rows do.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from assessments.models import RATING_ORDER, Assessment, ElementResult
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


def year_figures(
    assessments: Iterable[Assessment], rows: Iterable[ResultRow] | None = None
) -> dict[int, YearFigures]:
    """Figures for each assessment, keyed by assessment id: two queries (the standards'
    elements, and the results as ``result_rows``), or one when the caller has the rows
    already (rows of other assessments are ignored).

    Every criterion of the assessment's standard appears in ``sampled_by_criterion`` (zero when
    none of its elements was sampled), in the standard's order.
    """
    assessments = list(assessments)
    by_id = {a.pk: YearFigures(year=a.year) for a in assessments}
    if not by_id:
        return {}
    _fill_elements_and_criteria(assessments, by_id)
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
    assessments: list[Assessment], by_id: dict[int, YearFigures]
) -> None:
    """Each figure's element count and its criteria at zero, from one query of the standards."""
    elements: dict[int, int] = {}
    criteria: dict[int, set[str]] = {}
    for standard_id, criterion in Element.objects.filter(
        standard_id__in={a.standard_id for a in assessments}, parent__isnull=True
    ).values_list("standard_id", "sub_criterion__criterion__ref"):
        elements[standard_id] = elements.get(standard_id, 0) + 1
        criteria.setdefault(standard_id, set()).add(criterion)
    for assessment in assessments:
        figures = by_id[assessment.pk]
        figures.elements = elements.get(assessment.standard_id, 0)
        refs = sorted(criteria.get(assessment.standard_id, ()), key=_ref_key)
        figures.sampled_by_criterion = dict.fromkeys(refs, 0)
