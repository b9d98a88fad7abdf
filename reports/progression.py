"""Year-on-year figures of the Annex One chart, computed from the element results.

The figures count the 57 elements of the standard (sub-elements are detail under their
element and do not count twice), as the board paper's "Elements sampled" rows do.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from assessments.models import RATING_ORDER, Assessment, ElementResult


@dataclass
class YearFigures:
    year: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATING_ORDER, 0))
    sampled_by_criterion: dict[str, int] = field(default_factory=dict)

    @property
    def sampled_total(self) -> int:
        return sum(self.sampled_by_criterion.values())

    @property
    def rated_total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        ratings = ", ".join(f"{r} {self.counts[r]}" for r in RATING_ORDER)
        by_criterion = ", ".join(
            f"C{ref} {n}" for ref, n in sorted(self.sampled_by_criterion.items())
        )
        return (
            f"{self.year}: {ratings} (of 57 elements); "
            f"sampled {self.sampled_total} ({by_criterion})"
        )


def year_figures(assessments: Iterable[Assessment]) -> dict[int, YearFigures]:
    """Figures for each assessment, keyed by assessment id, in two grouped queries."""
    by_id = {a.pk: YearFigures(year=a.year) for a in assessments}
    if not by_id:
        return {}
    results = ElementResult.objects.filter(assessment_id__in=by_id, element__parent__isnull=True)
    for row in results.exclude(rating="").values("assessment_id", "rating").annotate(n=Count("id")):
        by_id[row["assessment_id"]].counts[row["rating"]] = row["n"]
    for row in (
        results.filter(sampled=True)
        .values("assessment_id", "element__sub_criterion__criterion__ref")
        .annotate(n=Count("id"))
    ):
        criterion = row["element__sub_criterion__criterion__ref"]
        by_id[row["assessment_id"]].sampled_by_criterion[criterion] = row["n"]
    for figures in by_id.values():
        figures.sampled_by_criterion = dict(sorted(figures.sampled_by_criterion.items()))
    return by_id
