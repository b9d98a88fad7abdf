"""The Annex One chart's rows, read from the element results, and the progression page built
on them: the chart with its criterion and sub-criterion headings, each year's figures and
what changed from year to year.

The figures (counts, sampled per criterion, CP gained and lost) are computed by
``assessments.outcome.compute_outcome``, the one way a year's figures are counted, over the
standard's elements (sub-elements are detail under their element and do not count twice).
What changed (ratings that fell, PCs that persist) are plain functions over the ratings.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from assessments.models import RATING_ORDER, Assessment, ElementResult
from assessments.outcome import (
    RATING_NAMES,
    CriterionInfo,
    Outcome,
    configured_thresholds,
    outcome_of_results,
)
from organisations.models import Organisation
from reports.annex_one import EMPTY, Cell
from standards.memo import per_standard
from standards.models import Element


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


# --- Year headings ---------------------------------------------------------------------------

CYCLE_STARTS = (Assessment.Kind.INITIAL, Assessment.Kind.REASSESSMENT)


@dataclass(frozen=True)
class YearColumn:
    """One year of the chart: ``label`` as the board paper heads it ("2014", "Y1 2015")."""

    year: int
    label: str
    kind: str = ""

    @property
    def kind_name(self) -> str:
        return Assessment.Kind(self.kind).label if self.kind in Assessment.Kind else ""


def year_labels(years: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Each year's heading, from ``(year, kind)`` pairs in any order.

    An initial assessment or a reassessment starts a cycle and is headed by its year alone;
    a later year by its position since that start ("Y1 2015", "Y2 2016"), counted in calendar
    years so that a missing year keeps the count right. The first year opens a cycle whatever
    its kind: there is nothing before it to count from.
    """
    labels: dict[int, str] = {}
    start: int | None = None
    for year, kind in sorted(years):
        if start is None or kind in CYCLE_STARTS:
            start = year
        labels[year] = str(year) if year == start else f"Y{year - start} {year}"
    return labels


# --- What changed ----------------------------------------------------------------------------

# Ratings from best to worst, to tell a fall (C after CP) from a rise.
RATING_RANK = {"CP": 3, "C": 2, "PC": 1, "NC": 0}


@dataclass(frozen=True)
class YearChange:
    """What changed in one year against ``previous``, the latest earlier year with ratings."""

    year: int
    label: str
    previous: int | None
    cp_gained: tuple[str, ...] = ()
    cp_lost: tuple[str, ...] = ()
    fell: tuple[tuple[str, str, str], ...] = ()  # (ref, rating before, rating now)

    @property
    def anything(self) -> bool:
        return bool(self.cp_gained or self.cp_lost or self.fell)


@dataclass(frozen=True)
class PersistentPC:
    """An element rated PC in the last year and in each year before it back to ``since``."""

    ref: str
    since: int
    years: int


def fallen(before: Mapping[str, str], now: Mapping[str, str]) -> tuple[tuple[str, str, str], ...]:
    """``(ref, before, now)`` for each ref rated lower now than before (both rated), in the
    order of ``now``."""
    return tuple(
        (ref, before[ref], rating)
        for ref, rating in now.items()
        if rating in RATING_RANK
        and before.get(ref) in RATING_RANK
        and RATING_RANK[rating] < RATING_RANK[before[ref]]
    )


def persistent_pcs(
    years: Sequence[int], ratings: Mapping[str, Sequence[str]], *, at_least: int = 2
) -> tuple[PersistentPC, ...]:
    """The refs rated PC in the last of ``years`` and in every year before it without a
    break, for at least ``at_least`` years; ``ratings[ref]`` is aligned with ``years``. A year
    without a rating breaks the run."""
    found = []
    for ref, row in ratings.items():
        run = 0
        for rating in reversed(row):
            if rating != "PC":
                break
            run += 1
        if run >= at_least:
            found.append(PersistentPC(ref, years[len(years) - run], run))
    return tuple(found)


def year_outcomes(
    years: Sequence[int],
    cells: Mapping[str, Sequence[Cell]],
    criteria: Sequence[CriterionInfo],
    criterion_of: Mapping[str, str],
) -> list[Outcome]:
    """Each year's outcome (counts, sampled per criterion, CP gained and lost against the
    latest earlier year with a rating), computed from the chart's cells: ``cells[ref]`` is
    aligned with ``years``, for the standard's elements (no sub-elements); ``criterion_of``
    gives each ref's criterion ref. No query."""
    thresholds = configured_thresholds()
    outcomes: list[Outcome] = []
    previous: tuple | None = None
    for index, _year in enumerate(years):
        results = tuple(
            (
                ref,
                criterion_of[ref],
                "",  # the title: from ``criteria``
                row[index].rating,
                row[index].sampled,
                False,
            )
            for ref, row in cells.items()
        )
        # Remembered by the rows (a pure function of them): a finalised year's outcome is
        # computed once per process, not on every request.
        outcomes.append(
            outcome_of_results(results, previous, thresholds, None, None, tuple(criteria))
        )
        if any(result[3] for result in results):
            previous = results
    return outcomes


def year_changes(
    columns: Sequence[YearColumn],
    cells: Mapping[str, Sequence[Cell]],
    outcomes: Sequence[Outcome],
) -> tuple[YearChange, ...]:
    """Each year after the first with a rating: CP gained and lost (from its outcome) and the
    elements whose rating fell, against the latest earlier year with a rating."""
    changes = []
    before: dict[str, str] | None = None
    previous_year: int | None = None
    for index, (column, outcome) in enumerate(zip(columns, outcomes, strict=True)):
        now = {ref: row[index].rating for ref, row in cells.items() if row[index].rating}
        if before is not None and now:
            changes.append(
                YearChange(
                    column.year,
                    column.label,
                    previous_year,
                    outcome.cp_gained,
                    outcome.cp_lost,
                    fallen(before, now),
                )
            )
        if now:
            before, previous_year = now, column.year
    return tuple(changes)


# --- The page --------------------------------------------------------------------------------


@dataclass
class ChartRow:
    """A row of the chart: ``kind`` is criterion, sub_criterion, element, sub_element or
    sampled (the criterion's "Elements sampled" row, ``counts`` one per column)."""

    kind: str
    ref: str
    text: str = ""
    guidance: Sequence[str] = ()
    cells: Sequence[Cell] = ()
    counts: Sequence[int] = ()


@dataclass
class YearFigure:
    """One year's column totals: counts by rating and elements sampled (of ``elements``)."""

    column: YearColumn
    counts: dict[str, int]
    sampled: int
    elements: int

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def count_list(self) -> list[tuple[str, int]]:
        return [(rating, self.counts[rating]) for rating in RATING_ORDER]


@dataclass
class Progression:
    """The organisation's Annex One for the chosen years, with its figures and changes.

    ``all_years`` are every year the organisation has (for the range's choices);
    ``columns`` the chosen ones. What changed is computed over every year, so the first
    chosen year is still compared with the year before it."""

    all_years: list[YearColumn]
    columns: list[YearColumn]
    rows: list[ChartRow] = field(default_factory=list)
    figures: list[YearFigure] = field(default_factory=list)
    changes: tuple[YearChange, ...] = ()
    persistent: tuple[PersistentPC, ...] = ()

    def between(self, first: int | None, last: int | None) -> "Progression":
        """The same chart for the years ``first`` to ``last`` (inclusive; None: no bound).
        What changed in the first of them is still against the year before it; the
        persistent PCs are those of the chosen years. No query."""
        if first is None and last is None:
            return self
        keep = [
            i
            for i, c in enumerate(self.columns)
            if (first is None or c.year >= first) and (last is None or c.year <= last)
        ]
        years = {self.columns[i].year for i in keep}
        rows = [
            replace(
                row,
                cells=[row.cells[i] for i in keep] if row.cells else row.cells,
                counts=[row.counts[i] for i in keep] if row.counts else row.counts,
            )
            for row in self.rows
        ]
        return Progression(
            all_years=self.all_years,
            columns=[self.columns[i] for i in keep],
            rows=rows,
            figures=[self.figures[i] for i in keep],
            changes=tuple(c for c in self.changes if c.year in years),
            persistent=persistent_pcs(
                [self.columns[i].year for i in keep],
                {row.ref: [c.rating for c in row.cells] for row in rows if row.kind == "element"},
            ),
        )

    @property
    def totals(self) -> list[tuple[str, str, list[str]]]:
        """The chart's total rows: (rating or "", heading, one figure a column)."""
        figures = self.figures
        rows = [("", "Elements sampled, all criteria", [str(f.sampled) for f in figures])]
        rows += [
            (rating, RATING_NAMES[rating], [str(f.counts[rating]) for f in figures])
            for rating in RATING_ORDER
        ]
        rows.append(
            (
                "",
                "Elements rated, of those in the standard",
                [f"{f.rated} / {f.elements}" for f in figures],
            )
        )
        return rows

    @property
    def first(self) -> int | None:
        return self.columns[0].year if self.columns else None

    @property
    def last(self) -> int | None:
        return self.columns[-1].year if self.columns else None


@dataclass(frozen=True)
class StandardRow:
    """An element or sub-element of the standard, as the chart reads it."""

    ref: str
    parent_id: int | None
    text: str
    guidance: list[str]
    sub_criterion: str
    sub_criterion_title: str
    criterion: str
    criterion_title: str


def _standard(standard_id: int) -> tuple[tuple[StandardRow, ...], dict[int, str]]:
    """The standard's elements and sub-elements in its order, and their refs by id (one
    query)."""
    rows, refs = [], {}
    for element_id, *values in (
        Element.objects.filter(standard_id=standard_id)
        .order_by("position")
        .values_list(
            "id",
            "ref",
            "parent_id",
            "text",
            "guidance",
            "sub_criterion__ref",
            "sub_criterion__title",
            "sub_criterion__criterion__ref",
            "sub_criterion__criterion__title",
        )
    ):
        refs[element_id] = values[0]
        rows.append(StandardRow(*values))
    return tuple(rows), refs


def progression(organisation: Organisation) -> Progression:
    """The progression page's content for every year of the organisation (narrow it with
    ``Progression.between``). One query whatever the number of years: the years with every
    result (by element id, without joining the elements; a year without a result comes once,
    without one); the elements of the standards the years are on (the latest year's shown,
    earlier versions' matched by ref) are read once per process (standards.memo)."""
    read = (
        Assessment.objects.for_org(organisation)
        .order_by()
        .values_list(
            "id",
            "year",
            "kind",
            "standard_id",
            "results__element_id",
            "results__sampled",
            "results__rating",
        )
    )
    rows_read = list(read)
    years_read: dict[int, tuple[int, int, str, int]] = {}
    for pk, year, kind, standard_id, *_result in rows_read:
        if pk not in years_read:
            years_read[pk] = (pk, year, kind, standard_id)
    assessments = sorted(years_read.values(), key=lambda a: a[1])
    labels = year_labels([(year, kind) for _pk, year, kind, _ in assessments])
    columns = [YearColumn(year, labels[year], kind) for _pk, year, kind, _ in assessments]
    if not assessments:
        return Progression(all_years=[], columns=[])
    years = [c.year for c in columns]
    column = {year: index for index, year in enumerate(years)}
    standard = assessments[-1][3]
    elements, latest_refs = per_standard("progression.standard", standard, _standard)
    refs: dict[int, str] = {}  # element id -> ref
    # Earlier years on another version of the standard: their refs too.
    for standard_id in {standard_id for *_rest, standard_id in assessments} - {standard}:
        refs.update(per_standard("progression.standard", standard_id, _standard)[1])
    refs.update(latest_refs)
    cells: dict[str, list[Cell]] = {e.ref: [EMPTY] * len(years) for e in elements}
    # By ids: a result of an element of another version of the standard (an earlier year's)
    # is matched by its ref, as the chart shows it.
    column_of = {pk: column[year] for pk, year, _kind, _standard in assessments}
    kinds: dict[tuple[bool, str], Cell] = {}  # ten kinds of cell: one instance each
    for assessment_id, _year, _kind, _standard_id, element_id, sampled, rating in rows_read:
        row = cells.get(refs.get(element_id, ""))  # None: a year without a result
        if row is not None:
            key = (sampled, rating)
            cell = kinds.get(key)
            if cell is None:
                cell = kinds[key] = Cell(sampled=sampled, rating=rating)
            row[column_of[assessment_id]] = cell

    top = [e for e in elements if e.parent_id is None]
    criteria: dict[str, CriterionInfo] = {}
    for e in top:
        criteria.setdefault(e.criterion, CriterionInfo(e.criterion, e.criterion_title))
    criterion_of = {e.ref: e.criterion for e in top}
    top_cells = {e.ref: cells[e.ref] for e in top}
    outcomes = year_outcomes(years, top_cells, list(criteria.values()), criterion_of)
    return Progression(
        all_years=columns,
        columns=columns,
        rows=_chart_rows(elements, cells, outcomes),
        figures=[
            YearFigure(c, o.counts, o.sampled, o.elements)
            for c, o in zip(columns, outcomes, strict=True)
        ],
        changes=year_changes(columns, top_cells, outcomes),
        persistent=persistent_pcs(
            years, {ref: [cell.rating for cell in row] for ref, row in top_cells.items()}
        ),
    )


def _chart_rows(
    elements: list["StandardRow"], cells: dict[str, list[Cell]], outcomes: list[Outcome]
) -> list[ChartRow]:
    rows: list[ChartRow] = []
    criterion = sub_criterion = None
    for element in elements:
        if element.criterion != criterion:
            if criterion is not None:
                rows.append(_sampled_row(criterion, outcomes))
            criterion = element.criterion
            rows.append(ChartRow("criterion", criterion, element.criterion_title))
        if element.sub_criterion != sub_criterion:
            sub_criterion = element.sub_criterion
            rows.append(ChartRow("sub_criterion", sub_criterion, element.sub_criterion_title))
        rows.append(
            ChartRow(
                "sub_element" if element.parent_id else "element",
                element.ref,
                element.text,
                element.guidance or (),
                cells[element.ref],
            )
        )
    if criterion is not None:
        rows.append(_sampled_row(criterion, outcomes))
    return rows


def _sampled_row(criterion: str, outcomes: list[Outcome]) -> ChartRow:
    return ChartRow(
        "sampled",
        criterion,
        "Elements sampled",
        counts=[o.sampled_by_criterion.get(criterion, 0) for o in outcomes],
    )
