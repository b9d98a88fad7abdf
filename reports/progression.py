"""The Annex One chart's rows, read from the element results. The figures of each year
(counts, sampled per criterion) are ``assessments.figures.year_figures``.
"""

from assessments.models import Assessment, ElementResult
from organisations.models import Organisation
from reports.annex_one import Cell


def annex_one_rows(
    organisation: Organisation,
) -> tuple[list[int], dict[str, list[Cell]]]:
    """The organisation's Annex One: its years, and each ref's cells, in the standard's order.

    Two queries: the years, then every result joined to its element, by element position.
    A ref with no result in some year has an empty cell there.
    """
    years = list(
        Assessment.objects.for_org(organisation).order_by("year").values_list("year", flat=True)
    )
    column = {year: index for index, year in enumerate(years)}
    rows: dict[str, list[Cell]] = {}
    results = (
        ElementResult.objects.filter(assessment__organisation=organisation)
        .order_by("element__position", "element__standard_id", "assessment__year")
        .values_list("element__ref", "assessment__year", "sampled", "rating")
    )
    for ref, year, sampled, rating in results:
        cells = rows.setdefault(ref, [Cell()] * len(years))
        cells[column[year]] = Cell(sampled=sampled, rating=rating)
    return years, rows
