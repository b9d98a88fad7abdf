"""The progression page's year choices, totals, charts' figures and changes are written in
Python (reports.templatetags.progression_tags): the same markup, whitespace too, as the
template loops they replaced (and the chart's body as it was before the standard's parts of
it were kept), for every shape (a year chosen or none, swatches or none, a
change against an earlier year or none, lists empty or not) and text that needs escaping."""

import pytest
from django.template import engines
from django.utils.html import escape
from django.utils.safestring import mark_safe

from reports.annex_one import Cell
from reports.progression import ChartRow, YearChange, YearColumn
from reports.templatetags.progression_tags import _cell

NASTY = '<b>"Tom & Jerry\'s"</b>'

OPTIONS = (
    '{% for column in columns %}<option value="{{ column.year }}"'
    "{% if column.year == chosen %} selected{% endif %}>{{ column.label }}</option>{% endfor %}"
)
TOTALS = """{% for rating, heading, values in totals %}
          <tr class="total-row"><th scope="row" class="ref" colspan="2">{% if rating %}<span class="annex-swatch cell-{{ rating|lower }}" aria-hidden="true">{{ rating }}</span> {% endif %}{{ heading }}</th>{% for value in values %}<td class="count">{{ value }}</td>{% endfor %}</tr>
          {% endfor %}"""  # noqa: E501
FIGURES = (
    '{% for label, values in rows %}<tr><th scope="row">{{ label }}</th>'
    "{% for v in values %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}"
)
CHANGES = """{% load progression_tags %}{% for change in changes reversed %}
<h3 class="h6">{{ change.label }}{% if change.previous %} <span class="fw-normal text-muted">against {{ change.previous }}</span>{% endif %}</h3>
<ul class="small">
  <li>Compliance Plus gained: {% if change.cp_gained %}{{ change.cp_gained|join:", " }}{% else %}none{% endif %}</li>
  <li>Compliance Plus lost: {% if change.cp_lost %}{{ change.cp_lost|join:", " }}{% else %}none{% endif %}</li>
  <li>Ratings that fell: {% if change.fell %}{{ change.fell|fell_list }}{% else %}none{% endif %}</li>
</ul>
{% endfor %}"""  # noqa: E501


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def tagged(expression: str, **context) -> str:
    return render("{% load progression_tags %}{{ " + expression + " }}", **context)


COLUMNS = [
    YearColumn(2016, "2016", "initial"),
    YearColumn(2017, f"Y1 {NASTY}", "annual_review"),
    YearColumn(2018, "Y2 2018", "annual_review"),
]


@pytest.mark.parametrize("chosen", [None, 2016, 2018, 1999])
def test_year_options(chosen):
    drawn = tagged("columns|year_options:chosen", columns=COLUMNS, chosen=chosen)
    assert drawn == render(OPTIONS, columns=COLUMNS, chosen=chosen)
    assert drawn.count(" selected") == (chosen in {2016, 2018})
    assert "<b>" not in drawn


def test_total_rows():
    totals = [
        ("", "Elements sampled, all criteria", ["19", "0", "7"]),
        ("CP", "Compliance Plus", ["14", "13", "12"]),
        ("NC", NASTY, [NASTY, "1", "0"]),
    ]
    drawn = tagged("totals|total_rows", totals=totals)
    assert drawn == render(TOTALS, totals=totals)
    assert 'cell-cp" aria-hidden="true">CP</span> Compliance Plus' in drawn
    assert "<b>" not in drawn
    assert tagged("totals|total_rows", totals=[]) == ""


def test_figure_rows():
    rows = (("2016", (14, 40, 2, 1)), (NASTY, (0,)), ("2018", ()))
    drawn = tagged("rows|figure_rows", rows=rows)
    assert drawn == render(FIGURES, rows=rows)
    assert '<tr><th scope="row">2016</th><td>14</td><td>40</td>' in drawn
    assert "<b>" not in drawn


def test_change_list():
    changes = (
        YearChange(2017, "Y1 2017", 2016, ("1.1.1", "2.1.4"), (), (("3.1.1", "C", "NC"),)),
        YearChange(2018, NASTY, None),
        YearChange(2019, "2019", 2017, (), (NASTY,), ((NASTY, "CP", "C"), ("1.2.1", "C", "PC"))),
    )
    drawn = tagged("changes|change_list", changes=changes)
    assert drawn == render(CHANGES, changes=changes)
    assert drawn.index("2019") < drawn.index("Y1 2017")  # latest first
    assert "against 2016" in drawn and "none" in drawn
    assert "<b>" not in drawn


# --- the chart's body: the standard's parts written once per process --------------------------


def previous_annex_body(rows, columns) -> str:
    """annex_body as it was before its headings and element heads were kept: every row
    written in full, every cell by _cell."""
    span = len(columns) + 2
    out = []
    for row in rows:
        ref, text = escape(row.ref), escape(row.text)
        if row.kind == "criterion":
            out.append(
                f'<tr class="criterion-row"><th scope="rowgroup" colspan="{span}" '
                f'id="criterion-{ref}"><span class="sticky-label">Criterion {ref} {text}'
                "</span></th></tr>"
            )
        elif row.kind == "sub_criterion":
            out.append(
                f'<tr class="sub-criterion-row"><th scope="rowgroup" colspan="{span}">'
                f'<span class="sticky-label">{ref} {text}</span></th></tr>'
            )
        elif row.kind == "sampled":
            counts = "".join(f'<td class="count">{int(n)}</td>' for n in row.counts)
            out.append(
                '<tr class="sampled-row"><th scope="row" class="ref" colspan="2">Elements '
                f'sampled<span class="visually-hidden">, criterion {ref}</span></th>{counts}</tr>'
            )
        else:
            css = "sub-element-row" if row.kind == "sub_element" else "element-row"
            guidance = ""
            if row.guidance:
                items = "".join(f"<li>{escape(item)}</li>" for item in row.guidance)
                guidance = (
                    '<details class="guidance"><summary>Guidance<span class="visually-hidden">'
                    f" for {ref}</span></summary><ul>{items}</ul></details>"
                )
            cells = "".join(_cell(cell.sampled, cell.rating) for cell in row.cells)
            out.append(
                f'<tr class="{css}"><th scope="row" class="ref">{ref}</th>'
                f'<td class="element-text">{text}{guidance}</td>{cells}</tr>'
            )
    return "\n".join(out)


def test_annex_body_is_what_it_was():
    cp, x_c, none, odd = Cell(False, "CP"), Cell(True, "C"), Cell(), Cell(True, NASTY)
    rows = [
        ChartRow("criterion", "1", f"Customer insight {NASTY}"),
        ChartRow("sub_criterion", "1.1", "Customer identification"),
        ChartRow("element", "1.1.1", NASTY, [f"Guide {NASTY}", "Second"], [cp, x_c, none]),
        ChartRow("sub_element", "1.1.1.1", "Sub", (), [none, Cell(False, "C"), odd]),
        ChartRow("element", "1.1.2", "Plain", (), [cp, cp, cp]),
        ChartRow("sampled", f"1{NASTY}", "Elements sampled", counts=[3, 0, 7]),
    ]
    for columns in (COLUMNS, COLUMNS[:2], COLUMNS):  # the same rows again: kept parts reused
        drawn = tagged("rows|annex_body:columns", rows=rows, columns=columns)
        assert drawn == previous_annex_body(rows, columns)
        assert f'colspan="{len(columns) + 2}"' in drawn
        assert "<b>" not in drawn


# --- the year headings, the legend, the charts' figures and the persistent PCs ----------------

HEADINGS = (
    '{% for column in columns %}<th scope="col" class="year">{{ column.label }}'
    '{% if column.kind != "annual_review" %}<span class="visually-hidden"> '
    "({{ column.kind_name }})</span>{% endif %}</th>{% endfor %}"
)
LEGEND = (
    '{% load progression_tags %}{% for rating in rating_order %}<li><span class="annex-swatch '
    'cell-{{ rating|lower }}" aria-hidden="true">{{ rating }}</span> {{ rating|rating_name }}'
    "</li>{% endfor %}"
)
FIGURE = """{% load progression_tags %}{% for chart in charts_list %}
    <figure class="progression-chart">
      {{ chart.svg }}
      <figcaption class="small text-muted">{{ chart.description }}</figcaption>
      <details class="chart-figures">
        <summary>{{ chart.title }} as a table</summary>
        <table class="table table-sm small mb-0">
          <caption class="visually-hidden">{{ chart.title }}</caption>
          <thead><tr>{% for heading in chart.headings %}<th scope="col">{{ heading }}</th>{% endfor %}</tr></thead>
          <tbody>{{ chart.rows|figure_rows }}</tbody>
        </table>
      </details>
    </figure>
    {% endfor %}"""  # noqa: E501
PERSISTENT = (
    "{% for pc in persistent %}<li><strong>{{ pc.ref }}</strong>: Partial Compliance every "
    "year since {{ pc.since }} ({{ pc.years }} years)</li>{% endfor %}"
)


def test_year_headings():
    columns = [*COLUMNS, YearColumn(2019, "2019", "reassessment"), YearColumn(2020, "2020")]
    drawn = tagged("columns|year_headings", columns=columns)
    assert drawn == render(HEADINGS, columns=columns)
    assert drawn.count("visually-hidden") == 3  # initial, reassessment, no kind
    assert "<b>" not in drawn
    assert tagged("columns|year_headings", columns=[]) == ""


def test_legend_items():
    from assessments.models import RATING_ORDER

    for ratings in (RATING_ORDER, ["CP", NASTY], []):
        drawn = tagged("rating_order|legend_items", rating_order=ratings)
        assert drawn == render(LEGEND, rating_order=ratings)
    assert "Compliance Plus</li>" in tagged("r|legend_items", r=RATING_ORDER)


def test_chart_figures():
    from reports.charts import Chart, progression_charts

    charts = progression_charts(
        [("2016", {"CP": 3, "C": 40}), (NASTY, {"PC": 2, "NC": 1}), ("Y2 2018", {})]
    )
    odd = Chart(NASTY, NASTY, mark_safe("<svg></svg>"), (NASTY, "CP"), ((NASTY, (1,)),))
    for charts_list in ((charts.ratings, charts.compliance_plus), (odd,), (), (odd, odd)):
        drawn = tagged("charts_list|chart_figures", charts_list=charts_list)
        assert drawn == render(FIGURE, charts_list=charts_list)
    assert "<b>" not in tagged("c|chart_figures", c=(odd,)).replace("<svg></svg>", "")


def test_persistent_list():
    from reports.progression import PersistentPC

    persistent = (PersistentPC("1.1.1", 2016, 3), PersistentPC(NASTY, 2017, 2))
    for items in (persistent, ()):
        drawn = tagged("persistent|persistent_list", persistent=items)
        assert drawn == render(PERSISTENT, persistent=items)
    assert "<b>" not in tagged("p|persistent_list", p=persistent)
