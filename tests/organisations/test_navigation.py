"""The main navigation is the same on every page (inside an organisation and on the standard's
pages), marks the current section, and offers "Switch organisation" only to someone who has
more than one."""

import pytest
from django.urls import reverse

from organisations.models import Role
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def nav(client, path: str) -> str:
    body = client.get(path).content.decode()
    return body[body.index('<nav class="navbar') : body.index("</nav>")]


def test_the_standard_keeps_the_organisation_sections(client, org, lead, cse_standard):
    client.force_login(lead)
    client.get(reverse("org:dashboard", args=[org.slug]))
    for path in (reverse("standard:index"), reverse("standard:element", args=["1.1.1"])):
        html = nav(client, path)
        assert f'href="{reverse("org:assessment-list", args=[org.slug])}"' in html
        assert f'href="{reverse("org:evidence-list", args=[org.slug])}"' in html
        assert 'href="/standard/" aria-current="page"' in html


@pytest.mark.parametrize(
    "name, args, current",
    [
        ("org:dashboard", [], "org:dashboard"),
        ("org:assessment-list", [], "org:assessment-list"),
        ("org:evidence-list", [], "org:evidence-list"),
        ("org:evidence-add", [], "org:evidence-list"),
        ("org:members", [], "org:members"),
        ("org:progression", [], "org:progression"),
        ("org:progression-import", [], "org:progression"),
        ("org:board-reports", [], "org:progression"),
        ("org:board-report-new", [], "org:progression"),
        ("org:action-list", [], "org:action-list"),
    ],
)
def test_the_current_section_is_marked(client, org, org_admin, name, args, current):
    client.force_login(org_admin)
    html = nav(client, reverse(name, args=[org.slug, *args]))
    assert f'href="{reverse(current, args=[org.slug])}" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1


def test_members_link_only_for_admins(client, org, lead, org_admin):
    members = reverse("org:members", args=[org.slug])
    client.force_login(lead)
    assert members not in nav(client, reverse("org:dashboard", args=[org.slug]))
    client.force_login(org_admin)
    assert members in nav(client, reverse("org:dashboard", args=[org.slug]))
    assert members in nav(client, reverse("standard:index"))


def test_switch_organisation_only_with_two_or_more(client, org, lead):
    client.force_login(lead)
    dashboard = reverse("org:dashboard", args=[org.slug])
    assert "Switch organisation" not in nav(client, dashboard)
    MembershipFactory(user=lead, organisation=OrganisationFactory(), role=Role.ASSESSOR)
    assert "Switch organisation" in nav(client, dashboard)
    assert "Switch organisation" in nav(client, reverse("standard:index"))
