"""Who reaches the API: members signed in by their session or a personal token; non-members
get 404 (by session and by token, for an organisation that exists or not), nobody signed in
401, and an expired, revoked or malformed token 401 with a reason. Read-only: any method but
GET, HEAD and OPTIONS is 405."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import ApiToken
from organisations.models import Role
from tests.api.conftest import expire
from tests.factories import EvidenceFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/o/acme/api/years/",
    "/o/acme/api/years/2018/",
    "/o/acme/api/evidence/",
    "/o/acme/api/actions/",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_member_signed_in_by_the_session_reads(client, seeded, lead, path):
    client.force_login(lead)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "BEARER"])
def test_a_member_signed_in_by_a_token_reads(seeded, lead, token_client, keyword):
    client = token_client(lead, keyword)
    for path in ENDPOINTS:
        response = client.get(path)
        assert response.status_code == 200, path
    assert "sessionid" not in client.cookies  # a token request starts no session


def test_nobody_signed_in_gets_401_asking_for_a_token(client, seeded):
    for path in ENDPOINTS:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Token"
        assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("how", ["session", "token"])
def test_a_member_of_another_organisation_gets_404(client, seeded, outsider, token_client, how):
    if how == "session":
        client.force_login(outsider)
    else:
        client = token_client(outsider)
    for path in [*ENDPOINTS, "/o/no-such-org/api/years/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        # The same answer whether or not the organisation exists.
        assert response.json() == {"detail": "No such organisation."}, path


def test_an_expired_token_is_refused_with_401(seeded, lead, token_for):
    secret = token_for(lead)
    expire(secret)
    response = Client().get(ENDPOINTS[0], headers={"Authorization": f"Token {secret}"})
    assert response.status_code == 401
    assert "expired on" in response.json()["detail"]
    assert "make a new one on your profile page" in response.json()["detail"]


def test_a_revoked_token_is_refused_with_401(seeded, lead, token_for):
    secret = token_for(lead)
    client = Client(headers={"Authorization": f"Token {secret}"})
    assert client.get(ENDPOINTS[0]).status_code == 200
    tokens.revoke_token(ApiToken.objects.get(), acting_user=lead)
    response = client.get(ENDPOINTS[0])
    assert response.status_code == 401
    assert "was revoked on" in response.json()["detail"]


def test_a_refused_token_is_not_rescued_by_the_session(client, seeded, lead, token_for):
    """A request that sends a token is judged by it, even from a signed-in browser."""
    secret = token_for(lead)
    expire(secret)
    client.force_login(lead)
    response = client.get(ENDPOINTS[0], headers={"Authorization": f"Token {secret}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token cse_not-a-real-token",
        "Bearer ghp_0123456789",
        "Token cse_\u00e9\u00e9",
        "Token " + "cse_" + "x" * 5000,
    ],
)
def test_a_malformed_token_header_is_a_401_that_says_why(seeded, header):
    client = Client(headers={"Authorization": header.encode("utf-8").decode("latin-1")})
    response = client.get(ENDPOINTS[0])
    assert response.status_code == 401
    assert response.json()["detail"]


def test_another_kind_of_authorization_header_falls_back_to_the_session(client, seeded, lead):
    client.force_login(lead)
    response = client.get(ENDPOINTS[0], headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_years_and_evidence_details(seeded, member_of, token_client, role):
    client = token_client(member_of(seeded, role))
    for path in ENDPOINTS:
        assert client.get(path).status_code == 200, (role, path)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("how", ["session", "token"])
def test_the_api_is_read_only(client, seeded, org_admin, token_client, method, how):
    if how == "session":
        client.force_login(org_admin)
    else:
        client = token_client(org_admin)
    for path in ENDPOINTS:
        response = getattr(client, method)(path, {"year": 2030}, content_type="application/json")
        assert response.status_code == 405, (method, path)
        assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_write_by_an_outsider_is_404_not_405(client, seeded, outsider):
    """The organisation is resolved before the method is looked at: nothing is confirmed."""
    client.force_login(outsider)
    assert client.post(ENDPOINTS[0]).status_code == 404


def test_a_session_write_without_the_csrf_token_is_refused(seeded, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    assert client.post(ENDPOINTS[0]).status_code == 403


def test_head_and_options_answer(client, seeded, lead):
    client.force_login(lead)
    assert client.head(ENDPOINTS[0]).status_code == 200
    assert client.options(ENDPOINTS[0]).status_code == 200


def test_the_request_knows_its_organisation_and_membership_under_a_token(
    seeded, lead, token_client
):
    """IsMember sets request.organisation and request.membership after the token's
    authentication, as the middleware does for a session's tenant page."""
    response = token_client(lead).get(ENDPOINTS[0])
    assert response.wsgi_request.organisation == seeded
    assert response.wsgi_request.membership.user == lead


@pytest.mark.parametrize("how", ["session", "token"])
def test_a_lapsed_membership_reads_nothing(client, seeded, token_client, how):
    """A membership whose last day has passed gives no access: 404, as for outsiders."""
    membership = MembershipFactory(
        organisation=seeded, role=Role.ASSESSOR, ends_on=timezone.localdate() - timedelta(days=1)
    )
    if how == "session":
        client.force_login(membership.user)
    else:
        client = token_client(membership.user)
    for path in ENDPOINTS:
        assert client.get(path).status_code == 404, path
    membership.ends_on = timezone.localdate()  # the last day itself still counts
    membership.save()
    assert client.get(ENDPOINTS[0]).status_code == 200


def test_an_outsiders_token_finds_no_item_of_the_organisation(seeded, outsider, token_client):
    item = EvidenceFactory(organisation=seeded)
    client = token_client(outsider)
    assert client.get(f"/o/acme/api/evidence/{item.pk}/").status_code == 404
    # Nor through the outsider's own organisation.
    assert client.get(f"/o/elsewhere/api/evidence/{item.pk}/").status_code == 404
