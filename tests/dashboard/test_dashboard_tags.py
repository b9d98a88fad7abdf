"""The dashboard's years rows and evidence due for review are drawn in Python
(dashboard.templatetags.dashboard_tags): the same markup, whitespace too, as the template
loops they replaced, for rows of every shape (a note on carried-forward counts or none, an
owner or nobody, overdue or not) and text that needs escaping."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.template import engines

from assessments.models import RATING_ORDER
from evidence.queries import DueItem

NASTY = '<b>"Tom & Jerry\'s"</b>'

# The loop of templates/organisations/dashboard.html that dashboard_year_rows replaced.
YEAR_LOOP = """{% load assessment_tags %}{% for row in assessments %}
    <tr>
      <th scope="row"><a href="{% url 'org:year' organisation.slug row.assessment.year %}">{{ row.assessment.year }}</a></th>
      <td class="d-none d-md-table-cell">{{ row.assessment.get_kind_display }}</td>
      <td>{{ row.assessment.get_status_display }}{% if row.note %}<div class="small text-muted fst-italic carried-note">{{ row.note }}</div>{% endif %}</td>
      {% year_counts row %}
      <td class="text-end">{{ row.figures.sampled_total }}</td>
    </tr>
  {% endfor %}"""  # noqa: E501

# The loop of templates/organisations/_due_for_review.html that due_rows replaced.
DUE_LOOP = """{% for item in due_for_review %}{% with overdue=item.is_overdue %}
    <li class="list-group-item d-flex justify-content-between align-items-start gap-2">
      <div>
        <a href="{% url 'org:evidence-detail' organisation.slug item.pk %}">{{ item.title }}</a>
        <div class="small text-muted">Owner: {{ item.owner_name|default:"nobody" }}</div>
      </div>
      <span class="text-nowrap small{% if overdue %} text-danger fw-semibold{% endif %}">
        {% if overdue %}Overdue since{% else %}Review by{% endif %} {{ item.review_by|date:"j M Y" }}
      </span>
    </li>
    {% endwith %}{% endfor %}"""  # noqa: E501

ORGS = [SimpleNamespace(slug="acme"), SimpleNamespace(slug="tom-jerry")]


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def year_row(year: int, note: str, kind: str, status: str) -> SimpleNamespace:
    counts = {rating: (year * (n + 3)) % 57 for n, rating in enumerate(RATING_ORDER)}
    return SimpleNamespace(
        assessment=SimpleNamespace(
            year=year, get_kind_display=lambda: kind, get_status_display=lambda: status
        ),
        figures=SimpleNamespace(counts=counts, sampled_total=year % 23),
        note=note,
    )


@pytest.mark.parametrize("organisation", ORGS)
def test_year_rows_are_the_template_loops_markup(organisation):
    rows = [
        year_row(2025, f"Carried forward from 2024 {NASTY}", NASTY, "Self-assessment"),
        year_row(2024, "", "Annual review", "Finalised"),
        year_row(2023, "", "Reassessment", NASTY),
    ]
    context = {"organisation": organisation, "assessments": rows}
    drawn = render("{% load dashboard_tags %}{% dashboard_year_rows assessments %}", context)
    assert drawn == render(YEAR_LOOP, context)
    assert f'href="/o/{organisation.slug}/assessments/2025/"' in drawn
    assert "carried-note" in drawn and "carried-count" in drawn
    assert "<b>" not in drawn


def test_no_year_no_row():
    context = {"organisation": ORGS[0], "assessments": []}
    assert render("{% load dashboard_tags %}{% dashboard_year_rows assessments %}", context) == ""


@pytest.mark.parametrize("organisation", ORGS)
def test_due_rows_are_the_template_loops_markup(organisation):
    today = date(2026, 3, 15)
    items = [
        DueItem(7, NASTY, today - timedelta(days=400), NASTY, today),
        DueItem(12, "Due today", today, "", today),  # not overdue on its day
        DueItem(13, "Same day again", today, "Ann Owner", today),
        DueItem(99, "Next month", today + timedelta(days=30), "ann@example.com", today),
        DueItem(100, "Yesterday", today - timedelta(days=1), "", today),
    ]
    context = {"organisation": organisation, "due_for_review": items}
    drawn = render("{% load dashboard_tags %}{% due_rows due_for_review %}", context)
    assert drawn == render(DUE_LOOP, context)
    assert drawn.count("Overdue since") == 2
    assert drawn.count("Owner: nobody") == 2
    assert "Review by 15 Mar 2026" in drawn
    assert f'href="/o/{organisation.slug}/evidence/99/"' in drawn
    assert "<b>" not in drawn
