"""Template filters of the progression page."""

from collections.abc import Sequence
from functools import lru_cache

from django import template
from django.utils.safestring import SafeString, mark_safe

from assessments.outcome import RATING_NAMES
from assessments.templatetags.assessment_tags import escape, select_options
from reports.charts import Chart
from reports.progression import ChartRow, PersistentPC, YearChange, YearColumn

register = template.Library()


@register.filter
def rating_name(rating: str) -> str:
    """``"CP"`` → ``"Compliance Plus"``; "" for no rating."""
    return RATING_NAMES.get(rating, "")


@lru_cache(maxsize=64)
def _cell(sampled: bool, rating: str) -> str:
    """A year cell as a ``<td>``: the rating's class, its letters (with the X when the
    element was sampled) for the eye, and the words for a screen reader."""
    if not rating and not sampled:
        return '<td class="annex-cell"><span class="visually-hidden">none</span></td>'
    mark = '<span class="annex-x">X</span> ' if sampled else ""
    spoken = ("sampled, " if sampled else "") + (RATING_NAMES.get(rating) or "not rated")
    css = f" cell-{rating.lower()}" if rating in RATING_NAMES else ""
    return (
        f'<td class="annex-cell{css}"><span aria-hidden="true">{mark}{escape(rating)}</span>'
        f'<span class="visually-hidden">{escape(spoken)}</span></td>'
    )


@register.filter
def annex_body(rows: Sequence[ChartRow], columns: Sequence[object]) -> SafeString:
    """The chart's body rows: criterion and sub-criterion headings, element and sub-element
    rows (ref, text, guidance folded in a ``<details>``, the year cells) and each criterion's
    "Elements sampled" row. Written here rather than with template tags: the Django template
    of a ten-year chart's hundred rows took most of the page's time (bench/bench_progression).
    A row's headings, text and guidance are the standard's, each written once per process
    (``_heading``, ``_element_head``); a chart's cells are of ten kinds, each written once a
    drawing."""
    span = len(columns) + 2
    cell_html: dict[int, str] = {}  # by the id of the Cell: ten kinds, one instance each
    out = []
    for row in rows:
        if row.kind == "sampled":
            counts = "".join(f'<td class="count">{int(n)}</td>' for n in row.counts)
            out.append(
                '<tr class="sampled-row"><th scope="row" class="ref" colspan="2">Elements '
                f'sampled<span class="visually-hidden">, criterion {escape(row.ref)}</span></th>'
                f"{counts}</tr>"
            )
        elif row.kind in ("criterion", "sub_criterion"):
            out.append(_heading(row.kind, row.ref, row.text, span))
        else:
            cells = []
            for cell in row.cells:
                html = cell_html.get(id(cell))
                if html is None:
                    html = cell_html[id(cell)] = _cell(cell.sampled, cell.rating)
                cells.append(html)
            head = _element_head(row.kind, row.ref, row.text, tuple(row.guidance))
            out.append(f"{head}{''.join(cells)}</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


@lru_cache(maxsize=1024)
def _heading(kind: str, ref: str, text: str, span: int) -> str:
    """A criterion's or sub-criterion's heading row (the standard's text, escaped)."""
    ref, text = escape(ref), escape(text)
    if kind == "criterion":
        return (
            f'<tr class="criterion-row"><th scope="rowgroup" colspan="{span}" '
            f'id="criterion-{ref}"><span class="sticky-label">Criterion {ref} {text}'
            "</span></th></tr>"
        )
    return (
        f'<tr class="sub-criterion-row"><th scope="rowgroup" colspan="{span}">'
        f'<span class="sticky-label">{ref} {text}</span></th></tr>'
    )


@lru_cache(maxsize=4096)
def _element_head(kind: str, ref: str, text: str, guidance: tuple[str, ...]) -> str:
    """An element's or sub-element's row up to its year cells: its ref, text and guidance
    (the standard's, escaped)."""
    ref, text = escape(ref), escape(text)
    css = "sub-element-row" if kind == "sub_element" else "element-row"
    folded = ""
    if guidance:
        items = "".join(f"<li>{escape(item)}</li>" for item in guidance)
        folded = (
            '<details class="guidance"><summary>Guidance<span class="visually-hidden">'
            f" for {ref}</span></summary><ul>{items}</ul></details>"
        )
    return (
        f'<tr class="{css}"><th scope="row" class="ref">{ref}</th>'
        f'<td class="element-text">{text}{folded}</td>'
    )


@register.filter
def fell_list(fell: Sequence[tuple[str, str, str]]) -> str:
    """The ratings that fell in a year, as the page lists them: ``2.1.4 (C to PC), 4.1.2 (CP
    to C)`` (autoescaped as text; "" for none). A filter rather than a template loop: a
    ten-year page lists a hundred and more."""
    return ", ".join(f"{ref} ({before} to {now})" for ref, before, now in fell)


# --- the rest of the page's tables and lists -------------------------------------------------
#
# As template loops the year choices, the chart's totals, the charts' figures as tables and
# what changed each year took a third of the page's drawing; written here with the same
# markup, whitespace too (tests/reports/test_progression_tags.py renders both and compares).


@register.filter
def year_options(columns: Sequence[YearColumn], selected: int | None) -> SafeString:
    """The range's ``<option>``s: each year's label, ``selected`` marked."""
    return select_options([(column.year, column.label) for column in columns], selected)


@register.filter
def total_rows(totals: Sequence[tuple[str, str, Sequence[object]]]) -> SafeString:
    """The chart's total rows (``Progression.totals``): a swatch and heading, one count a
    year."""
    out = []
    for rating, heading, values in totals:
        swatch = (
            f'<span class="annex-swatch cell-{escape(rating.lower())}" aria-hidden="true">'
            f"{escape(rating)}</span> "
            if rating
            else ""
        )
        counts = "".join(f'<td class="count">{escape(value)}</td>' for value in values)
        out.append(
            '\n          <tr class="total-row"><th scope="row" class="ref" colspan="2">'
            f"{swatch}{escape(heading)}</th>{counts}</tr>\n          "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.filter
def figure_rows(rows: Sequence[tuple[str, Sequence[object]]]) -> SafeString:
    """A chart's figures as the body rows of its table: the year's label, then its figures."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<tr><th scope="row">{escape(label)}</th>'
            + "".join(f"<td>{escape(value)}</td>" for value in values)
            + "</tr>"
            for label, values in rows
        )
    )


def _listed(refs: Sequence[str]) -> str:
    return escape(", ".join(refs)) if refs else "none"


@register.filter
def change_list(changes: Sequence[YearChange]) -> SafeString:
    """What changed each year, latest first: the Compliance Plus gained and lost and the
    ratings that fell, "none" for each without."""
    out = []
    for change in reversed(changes):
        against = (
            f' <span class="fw-normal text-muted">against {escape(change.previous)}</span>'
            if change.previous
            else ""
        )
        fell = escape(fell_list(change.fell)) if change.fell else "none"
        out.append(
            f'\n<h3 class="h6">{escape(change.label)}{against}</h3>\n<ul class="small">\n'
            f"  <li>Compliance Plus gained: {_listed(change.cp_gained)}</li>\n"
            f"  <li>Compliance Plus lost: {_listed(change.cp_lost)}</li>\n"
            f"  <li>Ratings that fell: {fell}</li>\n</ul>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


# --- the chart's headings, the legend, the charts' figures, the persistent PCs ---------------


@register.filter
def year_headings(columns: Sequence[YearColumn]) -> SafeString:
    """The chart's year headings: each year's label, and its kind for a screen reader
    unless it is an annual review."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<th scope="col" class="year">{escape(column.label)}'
            + (
                f'<span class="visually-hidden"> ({escape(column.kind_name)})</span>'
                if column.kind != "annual_review"
                else ""
            )
            + "</th>"
            for column in columns
        )
    )


@register.filter
def legend_items(ratings: Sequence[str]) -> SafeString:
    """The legend's items: each rating's swatch and name."""
    return _legend_items(tuple(ratings))


@lru_cache(maxsize=16)
def _legend_items(ratings: tuple[str, ...]) -> SafeString:
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<li><span class="annex-swatch cell-{escape(rating.lower())}" aria-hidden="true">'
            f"{escape(rating)}</span> {escape(rating_name(rating))}</li>"
            for rating in ratings
        )
    )


@register.filter
def chart_figures(charts: Sequence[Chart]) -> SafeString:
    """Each chart in its ``<figure>``: the SVG, its description, and its figures as a table
    folded in a ``<details>``. A chart is a function of its figures (reports.charts keeps
    it), and so is its drawing: written once per chart."""
    return mark_safe("".join(_figure(chart) for chart in charts))  # noqa: S308 - escaped


@lru_cache(maxsize=256)
def _figure(chart: Chart) -> str:
    headings = "".join(f'<th scope="col">{escape(heading)}</th>' for heading in chart.headings)
    return (
        '\n    <figure class="progression-chart">\n'
        f"      {escape(chart.svg)}\n"
        f'      <figcaption class="small text-muted">{escape(chart.description)}</figcaption>\n'
        '      <details class="chart-figures">\n'
        f"        <summary>{escape(chart.title)} as a table</summary>\n"
        '        <table class="table table-sm small mb-0">\n'
        f'          <caption class="visually-hidden">{escape(chart.title)}</caption>\n'
        f"          <thead><tr>{headings}</tr></thead>\n"
        f"          <tbody>{figure_rows(chart.rows)}</tbody>\n"
        "        </table>\n      </details>\n    </figure>\n    "
    )


@register.filter
def persistent_list(persistent: Sequence[PersistentPC]) -> SafeString:
    """The elements rated Partial Compliance year after year, as the list's items."""
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f"<li><strong>{escape(pc.ref)}</strong>: Partial Compliance every year since "
            f"{escape(pc.since)} ({escape(pc.years)} years)</li>"
            for pc in persistent
        )
    )
