"""The dashboard's years rows and evidence due for review are drawn in Python
(dashboard.templatetags.dashboard_tags): the same markup, whitespace too, as the template
loops they replaced, for rows of every shape (a note on carried-forward counts or none, an
owner or nobody, overdue or not) and text that needs escaping."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.template import engines

from assessments.models import RATING_ORDER, Assessment
from dashboard.queries import Readiness
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


def assessment_of(year: int, kind: str, status: str) -> Assessment:
    """An unsaved year of that kind and status (a value none of the choices shown as it is)."""
    return Assessment(year=year, kind=kind, status=status)


def year_row(year: int, note: str, kind: str, status: str) -> SimpleNamespace:
    counts = {rating: (year * (n + 3)) % 57 for n, rating in enumerate(RATING_ORDER)}
    return SimpleNamespace(
        assessment=assessment_of(year, kind, status),
        figures=SimpleNamespace(counts=counts, sampled_total=year % 23),
        note=note,
    )


@pytest.mark.parametrize("organisation", ORGS)
def test_year_rows_are_the_template_loops_markup(organisation):
    rows = [
        year_row(2025, f"Carried forward from 2024 {NASTY}", NASTY, "self_assessment"),
        year_row(2024, "", "annual_review", "finalised"),
        year_row(2023, "", "reassessment", NASTY),
        year_row(2022, "", "initial", "assessor_review"),
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


# The blocks of templates/organisations/dashboard.html that current_year_card and
# readiness_card replaced.
CURRENT_BLOCK = """{% load assessment_tags %}<section class="col-12 col-lg-5" aria-labelledby="current-heading">
    <div class="card h-100"><div class="card-body">
      <h2 class="h5" id="current-heading">Current year: <a href="{% page_url 'org:year' organisation.slug current.assessment.year %}">{{ current.assessment.year }}</a></h2>
      <p class="mb-2">{{ current.assessment.get_kind_display }} · <strong>{{ current.assessment.get_status_display }}</strong></p>
      <ul class="list-inline mb-1 dashboard-counts" aria-label="Ratings in {{ current.assessment.year }}">
        {% for value, n in current.figures.counts.items %}
        <li class="list-inline-item me-3">{% rating_badge value %} {{ n }}</li>
        {% endfor %}
        <li class="list-inline-item">Sampled {{ current.figures.sampled_total }}</li>
      </ul>
      {% if current.note %}<p class="small text-muted fst-italic mb-0">{{ current.note }}</p>{% endif %}
      {% if current.outcome %}<p class="small mb-0">{{ current.outcome.label }}</p>{% endif %}
    </div></div>
  </section>"""  # noqa: E501
READINESS_BLOCK = """{% load assessment_tags %}<section class="col-12 col-lg-7" aria-labelledby="visit-heading">
    <div class="card h-100"><div class="card-body">
      <h2 class="h5" id="visit-heading">{% if readiness.days_to_visit < 0 %}This year's visit{% else %}Next visit{% endif %}</h2>
      <p class="mb-2">{% if readiness.visit_date %}<time datetime="{{ readiness.visit_date|date:'Y-m-d' }}">{{ readiness.visit_date|date:"l j F Y" }}</time>{% with days=readiness.days_to_visit %}{% if days > 1 %}, in {{ days }} days{% elif days == 1 %}, tomorrow{% elif days == 0 %}, today{% else %} (passed: the year is still open){% endif %}{% endwith %}{% else %}No visit date set yet{% if org_can.open_year %}: <a href="{% page_url 'org:year-details' organisation.slug readiness.assessment.year %}">set it in the year's details</a>{% endif %}.{% endif %}</p>
      <p class="h4 mb-2" id="readiness-figure">{{ readiness.percent }}% ready</p>
      <dl class="readiness mb-0">
        <div class="readiness-row">
          <dt>Self-rated</dt>
          <dd>{{ readiness.self_rated }} of {{ readiness.elements }} elements
            <progress class="readiness-bar" max="{{ readiness.elements }}" value="{{ readiness.self_rated }}" aria-label="Self-rated: {{ readiness.self_rated }} of {{ readiness.elements }}"></progress></dd>
        </div>
        <div class="readiness-row">
          <dt>Evidenced</dt>
          <dd>{{ readiness.evidenced }} of {{ readiness.elements }} elements, with evidence linked or re-confirmed this year
            <progress class="readiness-bar" max="{{ readiness.elements }}" value="{{ readiness.evidenced }}" aria-label="Evidenced: {{ readiness.evidenced }} of {{ readiness.elements }}"></progress></dd>
        </div>
        <div class="readiness-row">
          <dt>Partial or Non-Compliance</dt>
          <dd>{% if not readiness.pc_nc %}No element is rated PC or NC.{% elif readiness.pc_nc_with_actions is not None %}{{ readiness.pc_nc_with_actions }} of {{ readiness.pc_nc }} with an improvement action in hand
            {% if readiness.pc_nc %}<progress class="readiness-bar" max="{{ readiness.pc_nc }}" value="{{ readiness.pc_nc_with_actions }}" aria-label="With an action in hand: {{ readiness.pc_nc_with_actions }} of {{ readiness.pc_nc }}"></progress>{% endif %}
            {% else %}{{ readiness.pc_nc }} element{{ readiness.pc_nc|pluralize }} rated PC or NC{% endif %}</dd>
        </div>
      </dl>
    </div></div>
  </section>"""  # noqa: E501


def current_year(note: str, outcome: str | None, kind: str = "annual_review") -> SimpleNamespace:
    assessment = assessment_of(2025, kind, "assessor_review")
    counts = {"CP": 12, "C": 40, "PC": 4, "NC": 1}
    return SimpleNamespace(
        assessment=assessment,
        figures=SimpleNamespace(counts=counts, sampled_total=21),
        note=note,
        outcome=SimpleNamespace(label=outcome) if outcome else None,
    )


@pytest.mark.parametrize("organisation", ORGS)
@pytest.mark.parametrize(
    ("note", "outcome", "kind"),
    [
        ("", None, "annual_review"),
        (f"40 assessed so far; 9 carried forward from 2024 {NASTY}", None, NASTY),
        ("", f"Certification recommended {NASTY}", "reassessment"),
        ("", None, "initial"),
    ],
)
def test_the_current_year_card_is_the_templates_markup(organisation, note, outcome, kind):
    context = {"organisation": organisation, "current": current_year(note, outcome, kind)}
    drawn = render("{% load dashboard_tags %}{% current_year_card current %}", context)
    assert drawn == render(CURRENT_BLOCK, context)
    assert f'href="/o/{organisation.slug}/assessments/2025/"' in drawn
    assert "Sampled 21" in drawn and "<b>" not in drawn


def readiness_of(days: int | None, pc_nc: int, with_actions: int | None) -> Readiness:
    today = date(2026, 3, 15)
    assessment = SimpleNamespace(
        year=2026, visit_date=None if days is None else today + timedelta(days=days)
    )
    return Readiness(
        assessment,
        elements=57,
        self_rated=40,
        evidenced=1,
        pc_nc_refs=frozenset(f"1.1.{n}" for n in range(pc_nc)),
        pc_nc_with_actions=with_actions,
        today=today,
    )


@pytest.mark.parametrize("organisation", ORGS)
@pytest.mark.parametrize("days", [None, -30, -1, 0, 1, 2, 400])
@pytest.mark.parametrize(("pc_nc", "with_actions"), [(0, 0), (3, 2), (1, 0), (1, None), (4, None)])
@pytest.mark.parametrize("open_year", [True, False])
def test_the_readiness_card_is_the_templates_markup(
    organisation, days, pc_nc, with_actions, open_year
):
    context = {
        "organisation": organisation,
        "readiness": readiness_of(days, pc_nc, with_actions),
        "org_can": {"open_year": open_year},
    }
    drawn = render("{% load dashboard_tags %}{% readiness_card readiness %}", context)
    assert drawn == render(READINESS_BLOCK, context)
    if days is None and open_year:
        assert f'href="/o/{organisation.slug}/assessments/2026/details/"' in drawn
