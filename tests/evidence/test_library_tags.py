"""The library's filter form and summary line are drawn in Python
(evidence.templatetags.library_tags): the same markup, whitespace too, as the template blocks
they replaced, in every state of the form (unbound, bound, each field in error, text that
needs escaping, with and without years) and of the summary (no item, one, one page, several,
filtered, a year shown open or finalised with links to re-confirm or none, every year)."""

from types import SimpleNamespace

import pytest
from django.core.paginator import Paginator
from django.template import engines

from evidence.forms import LibraryFilterForm
from evidence.queries import LibraryYear, MemberName

# The blocks of templates/evidence/list.html that library_filters and library_summary replaced.
FORM_BLOCK = """{% load assessment_tags navigation_tags %}<form method="get" action="{% org_url 'org:evidence-list' organisation.slug %}" class="evidence-filters row g-2 align-items-end mb-3" role="search" aria-label="Filter the evidence" novalidate>
  <div class="col-12 col-md-4 col-lg-3 col-xl-2">
    <label class="form-label small mb-1" for="{{ form.q.id_for_label }}">{{ form.q.label }}</label>
    <input type="search" name="q" id="{{ form.q.id_for_label }}" value="{{ form.q.value|default:'' }}" maxlength="200" class="form-control form-control-sm" placeholder="Title or description">
  </div>
  <div class="col-6 col-md-2 col-lg-1">
    <label class="form-label small mb-1" for="{{ form.element.id_for_label }}">{{ form.element.label }}</label>
    <input type="text" name="element" id="{{ form.element.id_for_label }}" value="{{ form.element.value|default:'' }}" maxlength="20" inputmode="decimal" placeholder="e.g. 1.1.1"
           class="form-control form-control-sm{% if form.element.errors %} is-invalid{% endif %}"{% if form.element.errors %} aria-describedby="element-error"{% endif %}>
    {% if form.element.errors %}<div class="invalid-feedback" id="element-error">{{ form.element.errors.0 }}</div>{% endif %}
  </div>
  <div class="col-6 col-md-2">
    <label class="form-label small mb-1" for="{{ form.kind.id_for_label }}">{{ form.kind.label }}</label>
    <select name="kind" id="{{ form.kind.id_for_label }}" class="form-select form-select-sm{% if form.kind.errors %} is-invalid{% endif %}">
      {% select_options form.fields.kind.choices filters.kind %}
    </select>
    {% if form.kind.errors %}<div class="invalid-feedback">Choose one of the kinds listed.</div>{% endif %}
  </div>
  <div class="col-12 col-md-4 col-lg-2">
    <label class="form-label small mb-1" for="{{ form.owner.id_for_label }}">{{ form.owner.label }}</label>
    <select name="owner" id="{{ form.owner.id_for_label }}" class="form-select form-select-sm{% if form.owner.errors %} is-invalid{% endif %}">
      {% select_options form.fields.owner.choices filters.owner_id|stringformat:'s' %}
    </select>
    {% if form.owner.errors %}<div class="invalid-feedback">Choose one of the members listed.</div>{% endif %}
  </div>
  {% if years %}
  <div class="col-6 col-md-2 col-lg-auto">
    <label class="form-label small mb-1" for="{{ form.year.id_for_label }}">{{ form.year.label }}</label>
    <select name="year" id="{{ form.year.id_for_label }}" class="form-select form-select-sm{% if form.year.errors %} is-invalid{% endif %}"{% if form.year.errors %} aria-describedby="year-error"{% endif %}>
      {% select_options form.fields.year.choices filters.year|default:"all"|stringformat:'s' %}
    </select>
    {% if form.year.errors %}<div class="invalid-feedback" id="year-error">{{ form.year.errors.0 }}</div>{% endif %}
  </div>
  {% endif %}
  <div class="col-auto">
    <div class="form-check mb-1">
      <input class="form-check-input" type="checkbox" name="overdue" value="on" id="{{ form.overdue.id_for_label }}"{% if filters.overdue %} checked{% endif %}>
      <label class="form-check-label small" for="{{ form.overdue.id_for_label }}">{{ form.overdue.label }}</label>
    </div>
  </div>
  <div class="col-auto d-flex gap-2">
    <button type="submit" class="btn btn-sm btn-outline-primary">Filter</button>
    {% if filters.active or filters.year != current_year %}<a class="btn btn-sm btn-link" href="{% org_url 'org:evidence-list' organisation.slug %}">Clear filters</a>{% endif %}
  </div>
</form>"""  # noqa: E501
SUMMARY_BLOCK = """<div class="d-flex flex-wrap align-items-center justify-content-between gap-2 mb-3">
<p class="small text-muted mb-0" aria-live="polite">
  {% if page.paginator.count %}
  {% if page.paginator.num_pages > 1 %}Items {{ page.start_index }}–{{ page.end_index }} of {{ page.paginator.count }}{% else %}{{ page.paginator.count }} item{{ page.paginator.count|pluralize }}{% endif %}{% if filters.active %} matching the filters{% endif %}{% if shown_year %}, with the elements they support in {{ shown_year.year }}{% if shown_year.is_finalised %} (finalised){% endif %}{% elif years %}, with the elements they support in every year{% endif %}.
  {% endif %}
</p>
{% if org_can.edit_evidence and shown_year.may_reconfirm %}
<a class="btn btn-sm btn-outline-primary" href="{% url 'org:evidence-reconfirm' organisation.slug shown_year.year %}">Re-confirm the {{ shown_year.to_reconfirm }} carried-forward link{{ shown_year.to_reconfirm|pluralize }} of {{ shown_year.year }}</a>
{% endif %}
</div>"""  # noqa: E501

ORGS = [SimpleNamespace(slug="acme"), SimpleNamespace(slug="tom-jerry")]
MEMBERS = [
    MemberName(3, "Ann <b>Owner</b>", "ann@example.com"),
    MemberName(7, "", "bob&co@example.com"),
]
YEARS = [2019, 2018]


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("organisation", ORGS)
@pytest.mark.parametrize("years", [YEARS, []])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"q": '<b>policy</b> & "more"', "kind": "file", "owner": "7", "overdue": "on"},
        {"element": "1.1.1", "year": "2018"},
        {"year": "all"},
        {"element": "zz<b>", "kind": "bad", "owner": "999", "year": "1999"},
        {"owner": "abc", "year": "٢٠١٩", "overdue": "yes"},
        {"year": "2019"},  # the current year, chosen: the default view
    ],
)
def test_the_filter_form_is_the_templates_markup(organisation, years, data):
    form = LibraryFilterForm(data, members=MEMBERS, years=years)
    filters = form.filters()
    context = {
        "organisation": organisation,
        "form": form,
        "filters": filters,
        "years": years,
        "current_year": form.current_year,
    }
    tag = "{% load library_tags %}{% library_filters form filters years current_year %}"
    drawn = render(tag, context)
    assert drawn == render(FORM_BLOCK, context)
    assert f'action="/o/{organisation.slug}/evidence/"' in drawn
    assert "<b>" not in drawn
    if data and data.get("kind") == "bad":
        assert drawn.count("is-invalid") == 4 - (not years)


def page_of(count: int, number: int = 1):
    return Paginator(list(range(count)), 25).get_page(number)


@pytest.mark.parametrize("organisation", ORGS)
@pytest.mark.parametrize(("count", "number"), [(0, 1), (1, 1), (7, 1), (25, 1), (80, 2), (80, 4)])
@pytest.mark.parametrize("active", [False, True])
@pytest.mark.parametrize(
    "shown_year",
    [
        None,
        LibraryYear(2019, False, None),
        LibraryYear(2019, False, 0),
        LibraryYear(2019, False, 1),
        LibraryYear(2019, False, 3600),
        LibraryYear(2018, True, 0),
    ],
)
@pytest.mark.parametrize(("years", "edit"), [(YEARS, True), (YEARS, False), ([], True)])
def test_the_summary_is_the_templates_markup(
    organisation, count, number, active, shown_year, years, edit
):
    context = {
        "organisation": organisation,
        "page": page_of(count, number),
        "filters": SimpleNamespace(active=active),
        "shown_year": shown_year,
        "years": years,
        "org_can": {"edit_evidence": edit},
    }
    tag = "{% load library_tags %}{% library_summary page filters shown_year years %}"
    drawn = render(tag, context)
    assert drawn == render(SUMMARY_BLOCK, context)
    if edit and shown_year is not None and shown_year.may_reconfirm:
        url = f"/o/{organisation.slug}/evidence/reconfirm/{shown_year.year}/"
        assert f'href="{url}"' in drawn
