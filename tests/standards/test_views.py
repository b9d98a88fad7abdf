"""Browsing the standard: any signed-in user; search over element text; no 500 on bad input."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


def test_anonymous_is_sent_to_sign_in(client, cse_standard):
    response = client.get(reverse("standard:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_whole_standard_in_a_constant_number_of_queries(
    client, user, cse_standard, django_assert_num_queries
):
    client.force_login(user)
    # session, user, current standard, elements, criteria, sub-criteria
    with django_assert_num_queries(6):
        response = client.get(reverse("standard:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Criterion 1: Customer Insight" in body
    assert "4.2 Achieved Delivery and Outcomes" in body
    assert body.count('id="element-') == 72
    assert "A profile of the organisation" in body  # guidance, on demand


def test_search_keeps_only_matching_elements(client, user, cse_standard):
    client.force_login(user)
    response = client.get(reverse("standard:index"), {"q": "complaints procedure"})
    body = response.content.decode()
    assert 'id="element-4.3.2"' in body
    assert 'id="element-4.3.5"' in body
    assert 'id="element-1.1.1"' not in body
    assert "Criterion 1:" not in body
    assert "2 elements match" in body


def test_search_by_ref_prefix(client, user, cse_standard):
    client.force_login(user)
    body = client.get(reverse("standard:index"), {"q": "5.3.2"}).content.decode()
    assert body.count('id="element-') == 4  # 5.3.2 and its three sub-elements


@pytest.mark.parametrize("query", ["zzzz-nothing", "x" * 5000, "<script>", "%", "' OR 1=1 --"])
def test_odd_searches_are_answered_plainly(client, user, cse_standard, query):
    client.force_login(user)
    response = client.get(reverse("standard:index"), {"q": query})
    assert response.status_code == 200
    assert b"<script>" not in response.content.split(b"</head>")[1]


def test_element_page(client, user, cse_standard):
    client.force_login(user)
    body = client.get(reverse("standard:element", args=["1.3.3"])).content.decode()
    assert "1.3.3.1" in body and "1.3.3.2" in body
    sub = client.get(reverse("standard:element", args=["1.3.3.1"]))
    assert sub.status_code == 200
    assert "sub-element of" in sub.content.decode()


def test_unknown_element_is_404(client, user, cse_standard):
    client.force_login(user)
    assert client.get(reverse("standard:element", args=["9.9.9"])).status_code == 404


def test_without_the_standard_loaded_the_page_says_how_to_load_it(client, user, no_standard):
    client.force_login(user)
    response = client.get(reverse("standard:index"))
    assert response.status_code == 200
    assert b"loaddata cse_standard" in response.content
    assert client.get(reverse("standard:element", args=["1.1.1"])).status_code == 404


def test_the_standard_links_back_to_the_organisation_last_worked_in(
    client, org, lead, cse_standard
):
    client.force_login(lead)
    assert client.get(reverse("org:dashboard", args=[org.slug])).status_code == 200
    body = client.get(reverse("standard:index")).content.decode()
    assert f'href="{reverse("org:dashboard", args=[org.slug])}"' in body


def test_no_link_back_to_an_organisation_the_user_has_left(client, org, lead, cse_standard):
    client.force_login(lead)
    client.get(reverse("org:dashboard", args=[org.slug]))
    lead.memberships.all().delete()
    body = client.get(reverse("standard:index")).content.decode()
    assert f'href="{reverse("org:dashboard", args=[org.slug])}"' not in body


# --- the browser is robust by itself, whatever middleware stands in front of it -------------


@pytest.fixture
def bare_views(settings):
    """Without the project's generic 400 for NUL bytes: the views must hold on their own."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "MalformedInput" not in m]


@pytest.mark.parametrize(
    "query",
    ["a\x00b", "\x00", "complaints\x1b[2J", "compl\u202eaints", "a\u2028b", "\x00" * 300],
)
def test_a_search_with_control_characters_is_answered_with_a_message(
    client, user, cse_standard, bare_views, query
):
    client.force_login(user)
    response = client.get(reverse("standard:index"), {"q": query})
    assert response.status_code == 200
    body = response.content.decode()
    assert "\x00" not in body and "\x1b" not in body and "\u202e" not in body
    assert "invisible control characters" in body
    assert "were left out of the search" in body


def test_a_search_with_a_nul_byte_searches_the_rest(client, user, cse_standard, bare_views):
    client.force_login(user)
    body = client.get("/standard/?q=compl%00aints").content.decode()
    assert 'value="complaints"' in body
    assert "invisible control characters" in body
    assert 'id="element-' in body  # the search still ran, on what was left


def test_an_over_long_search_says_it_was_shortened(client, user, cse_standard, bare_views):
    client.force_login(user)
    body = client.get(reverse("standard:index"), {"q": "complaints " + "x" * 500}).content.decode()
    assert "Only the first 200 characters" in body


@pytest.mark.parametrize(
    "path",
    [
        "/standard/%00/",
        "/standard/1.1.1%00/",
        "/standard/%1B%5B2J/",
        "/standard/%E2%80%AE1.1.1/",
        "/standard/" + "1" * 13 + "/",
        "/standard/" + "9" * 5000 + "/",
        "/standard/%FF%FE/",
        "/standard/..%2F..%2Fetc/",
        "/standard/1.1.1%20/",
    ],
)
def test_odd_refs_are_not_found(client, user, cse_standard, bare_views, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/standard/?q=a%00b", "/standard/%00/"])
def test_nul_bytes_are_never_a_500_with_every_middleware(client, user, cse_standard, path):
    client.force_login(user)
    assert client.get(path).status_code in (200, 400, 404)
