"""The standard's element page links to the same element in the organisation's current year
(the organisation the user last worked in, its latest year), for its members only, with no
query more than the page makes without it."""

import pytest
from django.urls import reverse

from organisations.middleware import LAST_ORG_SESSION_KEY
from organisations.models import Role
from standards.models import Standard
from tests.factories import AssessmentFactory, StandardFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK_TEXT = "1.1.1 in Acme Care’s 2018 assessment"


def element_url(ref="1.1.1"):
    return reverse("standard:element", args=[ref])


def year_element_url(org, year=2018, ref="1.1.1"):
    return reverse("org:element", args=[org.slug, year, ref])


@pytest.fixture
def years(org, cse_standard):
    """Acme Care's 2017 and 2018, on the current standard."""
    return [
        AssessmentFactory(organisation=org, standard=cse_standard, year=year)
        for year in (2017, 2018)
    ]


def worked_in(client, user, org):
    """Signed in as ``user``, who last worked in ``org``: its dashboard sets the session."""
    client.force_login(user)
    assert client.get(reverse("org:dashboard", args=[org.slug])).status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_a_member_sees_the_element_in_the_current_year(client, org, years, member_of, role):
    worked_in(client, member_of(org, role), org)
    body = client.get(element_url()).content.decode()
    assert LINK_TEXT in body
    assert f'href="{year_element_url(org)}"' in body


def test_a_sub_element_links_to_itself_in_the_year(client, org, years, lead):
    worked_in(client, lead, org)
    body = client.get(element_url("1.3.3.1")).content.decode()
    assert f'href="{year_element_url(org, ref="1.3.3.1")}"' in body


def test_no_link_for_someone_outside_any_organisation(client, years, cse_standard):
    client.force_login(UserFactory())
    body = client.get(element_url()).content.decode()
    assert "assessment</a>" not in body and "/o/acme/" not in body


def test_no_link_once_no_longer_a_member(client, org, years, lead):
    worked_in(client, lead, org)
    lead.memberships.all().delete()
    body = client.get(element_url()).content.decode()
    assert "/o/acme/" not in body
    assert LINK_TEXT not in body


def test_no_link_into_another_organisation_named_in_the_session(
    client, org, years, outsider, cse_standard
):
    """A session naming an organisation the user is not in (forged, or left) links nowhere."""
    client.force_login(outsider)
    session = client.session
    session[LAST_ORG_SESSION_KEY] = org.slug
    session.save()
    body = client.get(element_url()).content.decode()
    assert "/o/acme/" not in body


def test_no_link_before_the_first_year(client, org, lead, cse_standard):
    worked_in(client, lead, org)
    body = client.get(element_url()).content.decode()
    assert "assessment</a>" not in body


def test_no_link_into_a_year_on_another_version_of_the_standard(client, org, lead, cse_standard):
    """A year on an older standard may not have this element: no link that could 404."""
    old = StandardFactory(slug="cse-2013", version="2013")
    AssessmentFactory(organisation=org, standard=old, year=2018)
    assert Standard.objects.current() == cse_standard
    worked_in(client, lead, org)
    body = client.get(element_url()).content.decode()
    assert "assessment</a>" not in body


def test_the_link_costs_no_query(client, org, years, lead, django_assert_num_queries):
    worked_in(client, lead, org)
    # session, user, current standard, the element (with its sub-criterion, criterion and
    # parent), its sub-elements, the navigation's membership (with its organisation, the
    # organisation count and the latest year)
    with django_assert_num_queries(6):
        body = client.get(element_url()).content.decode()
    assert LINK_TEXT in body
