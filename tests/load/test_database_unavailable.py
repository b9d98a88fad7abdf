"""A database that cannot be reached is answered with a clear 503 page (Retry-After), never
a 500 or a traceback, wherever the fault is met: a view, a middleware, the session. The
real restart of a PostgreSQL server is in tests/load/test_faults.py."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from cse_portal.views import database_unavailable

pytestmark = pytest.mark.django_db

DOWN = OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


@pytest.fixture
def client_of(org):
    """A client signed in as ``user`` that answers errors as production does (no raise)."""

    def make(user) -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    return make


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "cannot reach its database" in text
    assert "try again" in text
    assert "Traceback" not in text


def test_a_middleware_meeting_a_lost_database_answers_503(client_of, lead, org):
    client = client_of(lead)
    with mock.patch("organisations.middleware.find_membership", side_effect=DOWN):
        response = client.get(reverse("org:dashboard", args=[org.slug]))
    assert_unavailable(response)


def test_the_session_store_unreachable_answers_503(client_of, lead, org):
    client = client_of(lead)
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = client.get(reverse("org:dashboard", args=[org.slug]))
    assert_unavailable(response)


def test_a_post_meeting_a_lost_database_answers_503(client_of, lead, y2018):
    client = client_of(lead)
    url = reverse("org:self-assessment", args=[y2018.organisation.slug, 2018, "1.1.1"])
    with mock.patch("assessments.services.set_self_assessment", side_effect=DOWN):
        response = client.post(url, {"self_rating": "C", "layout": "grid"}, HTTP_HX_REQUEST="true")
    assert_unavailable(response)


def test_any_other_error_is_still_the_plain_500_page(client_of, lead, org):
    client = client_of(lead)
    with mock.patch("organisations.middleware.find_membership", side_effect=KeyError("x")):
        response = client.get(reverse("org:dashboard", args=[org.slug]))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_an_error_raised_from_a_database_fault_counts_as_one():
    try:
        try:
            raise DOWN
        except OperationalError as exc:
            raise RuntimeError("while saving") from exc
    except RuntimeError as wrapped:
        assert database_unavailable(wrapped)
    assert not database_unavailable(ValueError("no"))
    assert not database_unavailable(None)


def test_the_uploader_gets_its_answer_as_json(client_of, lead, org):
    client = client_of(lead)
    with mock.patch("evidence.services.add_uploaded_files", side_effect=DOWN):
        response = client.post(
            reverse("org:evidence-upload", args=[org.slug]),
            {"year": "", "ref": ""},
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    answer = response.json()
    assert answer["status"] == "refused"
    assert "cannot reach its database" in answer["message"]


def test_the_api_answers_json(client_of, lead, org):
    client = client_of(lead)
    with (
        mock.patch("organisations.middleware.find_membership", side_effect=DOWN),
        mock.patch("api.permissions.find_membership", side_effect=DOWN),
    ):
        response = client.get(f"/o/{org.slug}/api/years/")
    assert response.status_code == 503
    assert "cannot reach its database" in response.json()["detail"]
