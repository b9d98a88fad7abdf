"""The years tables' count cells are drawn in Python (assessment_tags.year_counts): the
same markup, whitespace too, as the include they replaced (its text below), for counts of the
year's own and counts carried forward from the year before."""

from types import SimpleNamespace

import pytest
from django.template import engines

from assessments.figures import YearFigures

# templates/assessments/_year_counts.html, which year_counts replaced.
INCLUDE = """{% comment %}
A year's CP, C, PC and NC counts as four cells of a years table.
{% endcomment %}
{% if row.note %}
<td class="text-end carried-count">{{ row.figures.counts.CP }}<span class="visually-hidden"> carried forward</span></td>
<td class="text-end carried-count">{{ row.figures.counts.C }}<span class="visually-hidden"> carried forward</span></td>
<td class="text-end carried-count">{{ row.figures.counts.PC }}<span class="visually-hidden"> carried forward</span></td>
<td class="text-end carried-count">{{ row.figures.counts.NC }}<span class="visually-hidden"> carried forward</span></td>
{% else %}
<td class="text-end">{{ row.figures.counts.CP }}</td>
<td class="text-end">{{ row.figures.counts.C }}</td>
<td class="text-end">{{ row.figures.counts.PC }}</td>
<td class="text-end">{{ row.figures.counts.NC }}</td>
{% endif %}
"""  # noqa: E501


def render(source: str, row) -> str:
    return engines["django"].from_string(source).render({"row": row})


@pytest.mark.parametrize("note", ["", "Counts carried forward from 2017, not yet assessed."])
@pytest.mark.parametrize("counts", [(0, 0, 0, 0), (14, 1040, 3, 0)])
def test_the_cells_are_the_includes_markup(note, counts):
    figures = YearFigures(year=2018)
    figures.counts.update(zip(["CP", "C", "PC", "NC"], counts, strict=True))
    row = SimpleNamespace(note=note, figures=figures)
    drawn = render("{% load assessment_tags %}{% year_counts row %}", row)
    assert drawn == render(INCLUDE, row)
    assert drawn.count("carried forward") == (4 if note else 0)
    assert f">{counts[1]}<" in drawn
