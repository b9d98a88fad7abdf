"""The navigation's organisation links are drawn in Python (dashboard.templatetags
.navigation_tags.organisation_nav): the same markup, whitespace too, as the template block
it replaced, for every section, both optional links and none, and outside any organisation;
and ``org_url`` gives what ``{% url %}`` gives."""

import itertools
from types import SimpleNamespace

import pytest
from django.template import engines
from django.urls import set_script_prefix

from dashboard.context_processors import NAV_SECTIONS

# The block of templates/base.html that organisation_nav replaced.
BLOCK = """{% with org=nav_organisation %}
        {% if org %}
        <li class="nav-item"><a class="nav-link" href="{% url 'org:dashboard' org.slug %}"{% if nav_section == "dashboard" %} aria-current="page"{% endif %}>{{ org.name }}</a></li>
        <li class="nav-item"><a class="nav-link" href="{% url 'org:assessment-list' org.slug %}"{% if nav_section == "assessments" %} aria-current="page"{% endif %}>Assessments</a></li>
        <li class="nav-item"><a class="nav-link" href="{% url 'org:evidence-list' org.slug %}"{% if nav_section == "evidence" %} aria-current="page"{% endif %}>Evidence</a></li>
        <li class="nav-item"><a class="nav-link" href="{% url 'org:action-list' org.slug %}"{% if nav_section == "actions" %} aria-current="page"{% endif %}>Actions</a></li>
        <li class="nav-item"><a class="nav-link" href="{% url 'org:progression' org.slug %}"{% if nav_section == "progression" %} aria-current="page"{% endif %}>Progression</a></li>
        {% if nav_can.manage_members %}
        <li class="nav-item"><a class="nav-link" href="{% url 'org:members' org.slug %}"{% if nav_section == "members" %} aria-current="page"{% endif %}>Members</a></li>
        {% endif %}
        {% if nav_can.view_audit_log %}<li class="nav-item"><a class="nav-link" href="{% url 'org:audit-log' org.slug %}"{% if nav_section == "audit" %} aria-current="page"{% endif %}>Audit log</a></li>{% endif %}
        {% endif %}
        {% endwith %}"""  # noqa: E501

SECTIONS = sorted({"", "standard", "evidence", "actions", "progression", "assessments"} | set(NAV_SECTIONS.values()))  # fmt: skip  # noqa: E501
ORGS = [
    None,
    SimpleNamespace(slug="acme", name="Acme"),
    SimpleNamespace(slug="tom-jerry", name='<b>"Tom & Jerry\'s"</b>'),
]


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("org", "section", "members", "audit"),
    list(itertools.product(ORGS, SECTIONS, [False, True], [False, True])),
)
def test_the_links_are_the_template_blocks_markup(org, section, members, audit):
    context = {
        "nav_organisation": org,
        "nav_section": section,
        "nav_can": {"manage_members": members, "view_audit_log": audit},
    }
    drawn = render("{% load navigation_tags %}{% organisation_nav %}", context)
    assert drawn == render(BLOCK, context)
    if org is not None:
        assert drawn.count('aria-current="page"') == (
            section in {"dashboard", "assessments", "evidence", "actions", "progression"}
            or (section == "members" and members)
            or (section == "audit" and audit)
        )
        assert "<b>" not in drawn


def test_no_permissions_given_shows_neither_optional_link():
    drawn = render(
        "{% load navigation_tags %}{% organisation_nav %}",
        {"nav_organisation": ORGS[1], "nav_section": "members"},
    )
    assert "Members" not in drawn and "Audit log" not in drawn
    assert 'href="/o/acme/evidence/"' in drawn


@pytest.mark.parametrize(
    "name",
    ["org:dashboard", "org:action-list", "org:evidence-list", "org:progression-export-csv"],
)
@pytest.mark.parametrize("prefix", ["/", "/portal/"])
def test_org_url_is_the_url_tags(name, prefix):
    """``{% org_url name slug %}`` gives what ``{% url name slug %}`` gives, under any script
    prefix (each reversed once per organisation and prefix)."""
    context = {"organisation": SimpleNamespace(slug="tom-jerry")}
    try:
        set_script_prefix(prefix)
        for _ in range(2):
            drawn = render(
                "{% load navigation_tags %}{% org_url '" + name + "' organisation.slug %}",
                context,
            )
            assert drawn == render("{% url '" + name + "' organisation.slug %}", context)
            assert drawn.startswith(f"{prefix}o/tom-jerry/")
    finally:
        set_script_prefix("/")
