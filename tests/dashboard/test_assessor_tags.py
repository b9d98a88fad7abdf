"""The assessor's home's organisations drawn in Python (dashboard.templatetags.assessor_tags)
are the same bytes as the template loop they replaced, in every state of an organisation's
year: each kind in each status, a visit unset, of one day or several, PC/NC to re-check with
some re-rated or none, one element to rate or several, nothing sampled yet, no year at all,
a name with markup."""

from datetime import date

import pytest
from django.template import engines, loader

from assessments.models import Assessment, ElementResult
from dashboard.queries import assessor_overview
from organisations.models import Role
from tests.dashboard.test_assessor_home import assessed_org, elements, inspector  # noqa: F401
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

Kind = Assessment.Kind
Status = Assessment.Status

# templates/dashboard/_assessor_overview.html before its organisations were drawn in Python.
OLD = engines["django"].from_string(
    """{# The organisations an assessor assesses and what waits there (dashboard.queries.assessor_overview). #}
<ul class="list-unstyled assessor-overview" aria-labelledby="{{ heading_id }}">
  {% for entry in overview %}
  {% with org=entry.organisation a=entry.assessment %}
  <li class="card mb-3">
    <div class="card-body">
      <div class="row g-3">
        <div class="col-12 col-md-5">
          <h3 class="h5 mb-1"><a href="{% url 'org:dashboard' org.slug %}">{{ org.name }}</a></h3>
          {% if a %}
          <dl class="row small mb-0">
            <dt class="col-5 col-sm-4 fw-normal text-muted">Current year</dt>
            <dd class="col-7 col-sm-8 mb-0"><a href="{% url 'org:year' org.slug a.year %}">{{ a.year }}</a> · {{ a.get_kind_display }}</dd>
            <dt class="col-5 col-sm-4 fw-normal text-muted">Status</dt>
            <dd class="col-7 col-sm-8 mb-0">{{ a.get_status_display }}</dd>
            <dt class="col-5 col-sm-4 fw-normal text-muted">Visit</dt>
            <dd class="col-7 col-sm-8 mb-0">{% if a.visit_date %}<time datetime="{{ a.visit_date|date:'Y-m-d' }}">{{ a.visit_date|date:"j F Y" }}</time>{% if a.visit_end_date and a.visit_end_date != a.visit_date %} to <time datetime="{{ a.visit_end_date|date:'Y-m-d' }}">{{ a.visit_end_date|date:"j F Y" }}</time>{% endif %}{% else %}Not set yet{% endif %}</dd>
          </dl>
          {% else %}
          <p class="small mb-0">No assessment year opened yet.</p>
          {% endif %}
        </div>
        <div class="col-12 col-md-7">
          <h4 class="h6 mb-2">Waiting for you</h4>
          {% if entry.waiting %}
          <ul class="mb-0 ps-3">
            {% if entry.submitted %}
            <li><a href="{% url 'org:year' org.slug a.year %}">Self-assessment submitted</a>: the review is yours to start.</li>
            {% endif %}
            {% if entry.to_rate %}
            <li><a href="{% url 'org:year' org.slug a.year %}">{{ entry.to_rate }} element{{ entry.to_rate|pluralize }} to rate</a>
              (of {{ entry.must_rate }} {% if a.kind == "annual_review" %}sampled{% else %}in this {{ a.get_kind_display|lower }}{% endif %})</li>
            {% endif %}
            {% if entry.recheck.waiting %}
            <li>{{ entry.recheck.waiting }} element{{ entry.recheck.waiting|pluralize }} rated Partial or Non-Compliance in {{ entry.recheck.year }} to re-check{% if entry.recheck.done %} ({{ entry.recheck.done }} of {{ entry.recheck.total }} re-rated){% endif %}</li>
            {% endif %}
          </ul>
          {% elif entry.finalised %}
          <p class="mb-0 text-muted">Nothing: {{ a.year }} is finalised.</p>
          {% elif entry.with_organisation %}
          <p class="mb-0 text-muted">Nothing yet: the year is with the organisation ({{ a.get_status_display|lower }}).{% if entry.to_rate %} Then {{ entry.to_rate }} element{{ entry.to_rate|pluralize }} to rate.{% endif %}</p>
          {% elif a and entry.must_rate == 0 and a.kind == "annual_review" %}
          <p class="mb-0 text-muted">No elements sampled yet: choose this visit's sample in the year's grid.</p>
          {% elif a %}
          <p class="mb-0">Every element to rate is rated: <a href="{% url 'org:year' org.slug a.year %}">review {{ a.year }} and finalise it</a>.</p>
          {% else %}
          <p class="mb-0 text-muted">Nothing until the organisation opens its first year.</p>
          {% endif %}
        </div>
      </div>
    </div>
  </li>
  {% endwith %}
  {% endfor %}
</ul>
"""  # noqa: E501
)


def both(user) -> tuple[str, str]:
    context = {"overview": assessor_overview(user), "heading_id": "assessed-heading"}
    new = loader.get_template("dashboard/_assessor_overview.html").render(context)
    return new, OLD.render(context)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_in_every_status(inspector, elements, kind):  # noqa: F811
    for status in Status:
        assessed_org(inspector, elements, f"<b>{kind} {status}</b> & co", kind=kind, status=status)
    new, old = both(inspector)
    assert new == old
    assert new.count('<li class="card mb-3">') == len(Status)
    assert "<b>" not in new


def test_visits_rechecks_counts_and_no_year(inspector, elements):  # noqa: F811
    standard, tops, _sub = elements
    one_day = assessed_org(inspector, elements, "One day")
    Assessment.objects.filter(organisation=one_day, year=2024).update(
        visit_end_date=date(2024, 5, 14)
    )
    two_days = assessed_org(inspector, elements, "Two days")
    Assessment.objects.filter(organisation=two_days, year=2024).update(
        visit_end_date=date(2024, 5, 16)
    )
    unset = assessed_org(inspector, elements, "Unset", kind=Kind.INITIAL)
    Assessment.objects.filter(organisation=unset, year=2024).update(visit_date=None)
    # Nothing re-rated yet, several to rate.
    none_done = assessed_org(inspector, elements, "None done", kind=Kind.REASSESSMENT)
    ElementResult.objects.filter(assessment__organisation=none_done, assessment__year=2024).update(
        carried_forward=True
    )
    # Nothing sampled at an annual review.
    unsampled = assessed_org(inspector, elements, "Unsampled")
    ElementResult.objects.filter(assessment__organisation=unsampled).update(sampled=False)
    ElementResult.objects.filter(assessment__organisation=unsampled, assessment__year=2023).update(
        rating="C"
    )
    # Every element rated: finalise.
    rated = assessed_org(inspector, elements, "Rated", kind=Kind.INITIAL)
    ElementResult.objects.filter(assessment__organisation=rated, assessment__year=2024).update(
        carried_forward=False
    )
    MembershipFactory(
        user=inspector, role=Role.ASSESSOR, organisation=OrganisationFactory(name="No year")
    )
    new, old = both(inspector)
    assert new == old
    for words in (
        "to <time",
        "Not set yet",
        "re-rated)",
        "No elements sampled yet",
        "and finalise it",
        "Nothing until the organisation opens its first year.",
        "1 element to rate",
        "elements to rate",
    ):
        assert words in new, words
    assert new.count("to <time") == 1
