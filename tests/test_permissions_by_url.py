"""Permissions by URL: every URL pattern, requested as each role, as an outsider and signed out.

The URLs come from the resolver (tests/urlwalk.py), so a page added later is walked without
touching this file. For a tenant URL (under /o/<org_slug>/) the expected answer is read from
the view's declared action (``organisations.decorators.declared_action``: ``@require``'s, or
a class-based view's ``action_required``) and the role table
(``organisations.permissions.PERMISSIONS``), never from a table written here:

- a member whose role allows the action: neither 403 nor 404 (200, a redirect that is not the
  sign-in page, 400 or 405 as the view decides; never 500);
- a member whose role forbids it: 403 saying so (``ROLE_REFUSED``), whatever the method;
- a member of another organisation: 404;
- signed out: a redirect to the sign-in page (the API: 401, asking for a token).

Each URL is requested with GET, then with POST (an empty body): the POST's action is the
view's action for POST (``@require(Action.VIEW, post=Action.RATE)`` declares another one), and
a role refused is refused whatever the method (``@require`` is the outermost decorator). The
organisation's year is in the assessor's review, so no allowed request is refused for the
year's state. A tenant view that declares no action fails here with its URL named. URLs
outside the tenant are listed in OUTSIDE with what they answer; a URL that is neither fails.

The organisation is built once for the module; each test runs in its own transaction, rolled
back, so a POST that changes something changes it for that test only.
"""

from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import include, path, reverse

from accounts.tokens import create_token
from api.permissions import IsMember
from assessments.models import Assessment, ElementResult, Rating
from organisations.decorators import ROLE_REFUSED, declared_action, require
from organisations.models import Role
from organisations.permissions import Action, role_can
from standards.models import Element, Standard
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    BoardReportFactory,
    EvidenceLinkFactory,
    EvidencePackFactory,
    EvidenceVersionFactory,
    FileEvidenceFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
)
from tests.urlwalk import Route, fill, routes

pytestmark = pytest.mark.django_db

ROUTES = routes()
TENANT = [route for route in ROUTES if route.is_tenant]

MEMBERS = {
    "admin": Role.ADMIN,
    "quality lead": Role.QUALITY_LEAD,
    "assessor": Role.ASSESSOR,
    "governing body": Role.GOVERNING_BODY,
}
OUTSIDER = "outsider"  # an admin of another organisation
SIGNED_OUT = "signed out"
ACTORS = [*MEMBERS, OUTSIDER, SIGNED_OUT]
WHERE = "the `world` fixture of tests/test_permissions_by_url.py"

# ---------------------------------------------------------------------------------------------
# URLs outside the tenant. Each answer: an HTTP status, or SIGN_IN (a redirect to the sign-in
# page, with ``next``). A POST-only URL is requested with POST (an empty body).

SIGN_IN = "sign-in"


@dataclass(frozen=True)
class Outside:
    what: str
    signed_out: int | str
    signed_in: int | str  # an assessor of an organisation
    method: str = "get"


OUTSIDE: dict[str, Outside] = {
    "home": Outside("the landing page (an assessor: what waits where)", SIGN_IN, 200),
    "healthz": Outside("the health check, for the load balancer", 200, 200),
    "login": Outside("sign in", 200, 200),
    "logout": Outside("sign out (POST)", 302, 302, method="post"),
    "password_change": Outside("change one's password", SIGN_IN, 200),
    "password_change_done": Outside("password changed", SIGN_IN, 200),
    "password_reset": Outside("ask for a reset link", 200, 200),
    "password_reset_done": Outside("reset link sent", 200, 200),
    "password_reset_confirm": Outside("a reset link (this one invalid)", 200, 200),
    "password_reset_complete": Outside("password reset", 200, 200),
    "profile": Outside("one's profile and API tokens", SIGN_IN, 200),
    "token-create": Outside("make an API token (POST)", SIGN_IN, 400, method="post"),
    "token-revoke": Outside("revoke one's own API token (POST)", SIGN_IN, 302, method="post"),
    "invitations:accept": Outside("an invitation link", 200, 200),
    "standard:index": Outside("the standard, for anyone signed in", SIGN_IN, 200),
    "standard:element": Outside("an element of the standard", SIGN_IN, 200),
    "assessor-home": Outside("the assessor's organisations", SIGN_IN, 200),
    "api-schema": Outside("the API's OpenAPI schema", 401, 200),
}
# Django's admin is staff-only by Django's own checks: its index and login are requested here
# (non-staff are sent to the admin's sign-in), the rest of its URLs are Django's.
ADMIN_NAMESPACE = "admin"
ADMIN_CHECKED = {
    "admin:index": Outside("Django's admin (staff only)", 302, 302),
    "admin:login": Outside("Django's admin sign-in", 200, 200),
}


# ---------------------------------------------------------------------------------------------
# The organisation the URLs are walked in, built once.


@dataclass
class World:
    users: dict[str, object]  # actor → user (no entry: signed out)
    values: dict[str, str]  # URL keyword → a real value of the organisation


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        standard = Standard.objects.filter(slug="cse", version="1").first()
        if standard is None:  # a transactional test flushed it
            call_command("loaddata", "cse_standard", verbosity=0)
            standard = Standard.objects.get(slug="cse", version="1")
        org = OrganisationFactory(slug="permissions-a", name="Permissions A")
        other = OrganisationFactory(slug="permissions-b", name="Permissions B")
        memberships = {
            actor: MembershipFactory(organisation=org, role=role) for actor, role in MEMBERS.items()
        }
        users = {actor: membership.user for actor, membership in memberships.items()}
        users[OUTSIDER] = MembershipFactory(organisation=other, role=Role.ADMIN).user
        lead, assessor = users["quality lead"], users["assessor"]
        # A year in the assessor's review (what most pages act on), every element with a
        # result, element 1.1.1 rated PC (an action may be raised on it).
        year = AssessmentFactory(
            organisation=org,
            standard=standard,
            year=2024,
            status=Assessment.Status.ASSESSOR_REVIEW,
        )
        elements = list(Element.objects.filter(standard=standard))
        ElementResult.objects.bulk_create(
            ElementResult(assessment=year, element=element) for element in elements
        )
        element = next(e for e in elements if e.ref == "1.1.1")
        ElementResult.objects.filter(assessment=year, element=element).update(
            rating=Rating.PARTIAL, self_rating=Rating.PARTIAL
        )
        evidence = FileEvidenceFactory(organisation=org, created_by=lead)
        version = EvidenceVersionFactory(evidence=evidence)
        link = EvidenceLinkFactory(evidence=evidence, assessment=year, element=element)
        action = ActionFactory(raised_in=year, element=element, owner=lead)
        report = BoardReportFactory(assessment=year, done=True)
        pack = EvidencePackFactory(assessment=year, done=True)
        invitation_token = "permissions-by-url-invitation"
        invitation = InvitationFactory(
            organisation=org, invited_by=users["admin"], token=invitation_token
        )
        api_token = create_token(
            assessor, name="Walk", lifetime_days=90, acting_user=assessor
        ).token
        values = {
            "org_slug": org.slug,
            "membership_pk": memberships["governing body"].pk,
            "invitation_pk": invitation.pk,
            "year": year.year,
            "ref": element.ref,
            "evidence_pk": evidence.pk,
            "version_pk": version.pk,
            "link_pk": link.pk,
            "action_pk": action.pk,
            "report_pk": report.pk,
            "pack_pk": pack.pk,
            # Outside the tenant:
            "token": invitation_token,
            "token_pk": api_token.pk,
            "uidb64": "MQ",  # with the token above: a reset link that is not valid
        }
        yield World(users=users, values={k: str(v) for k, v in values.items()})
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------
# What a tenant URL should answer.


def expected_action(route: Route, method: str) -> Action:
    """The action ``route``'s view declares for ``method``; fails, naming the URL, if none."""
    action = declared_action(route.callback, method)
    assert action is not None, (
        f"{route} ({route.route}) declares no action: decorate its view with "
        "@require(Action.…) from organisations.decorators (Action.VIEW for a page any member "
        "may see), or give its class-based view action_required."
    )
    return action


def is_sign_in(response: HttpResponse, path: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('login')}?next={path}"
    )


def check_allowed(response: HttpResponse, request: str) -> None:
    status = response.status_code
    assert status < 500 and status not in {401, 403, 404}, (
        f"{request}: {status}, but the role table allows it"
    )
    if status == 302:
        assert not response["Location"].startswith(reverse("login")), (
            f"{request}: sent to sign in, but the role table allows it"
        )


def check_refused(response: HttpResponse, request: str) -> None:
    assert response.status_code == 403, (
        f"{request}: {response.status_code}, but the role table forbids it (expected 403)"
    )
    assert ROLE_REFUSED in response.content.decode(), (
        f"{request}: 403, but not the refusal of the declared action: another check refused it"
    )


# ---------------------------------------------------------------------------------------------
# The walk.


@pytest.mark.parametrize("route", TENANT, ids=str)
def test_every_tenant_view_declares_its_action(route):
    for method in ["GET", "POST"]:
        expected_action(route, method)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", TENANT, ids=str)
def test_tenant_url(client, world, route, actor):
    path = fill(route, world.values, where=WHERE)
    if actor != SIGNED_OUT:
        client.force_login(world.users[actor])
    for method in ["GET", "POST"]:  # POST with an empty body
        response = client.generic(method, path)
        request = f"{method} {path} as {actor}"
        if actor == SIGNED_OUT:
            if getattr(route.callback, "resolves_tenant", False):  # the API: a token, please
                assert response.status_code == 401, f"{request}: {response.status_code}"
            else:
                assert is_sign_in(response, path), f"{request}: {response.status_code}"
        elif actor == OUTSIDER:
            assert response.status_code == 404, f"{request}: {response.status_code}"
        else:
            action = expected_action(route, method)
            if role_can(MEMBERS[actor], action):
                check_allowed(response, f"{request} ({action})")
            else:
                check_refused(response, f"{request} ({action})")


# ---------------------------------------------------------------------------------------------
# URLs outside the tenant.


def outside(route: Route) -> Outside | None:
    return OUTSIDE.get(route.name) or ADMIN_CHECKED.get(route.name)


NON_TENANT = [route for route in ROUTES if not route.is_tenant]


@pytest.mark.parametrize("route", NON_TENANT, ids=str)
def test_every_url_is_tenant_or_listed(route):
    assert outside(route) is not None or route.namespace == ADMIN_NAMESPACE, (
        f"{route} ({route.route}) is neither under /o/<org_slug>/ nor listed in OUTSIDE in "
        "tests/test_permissions_by_url.py: put a page of an organisation under "
        "organisations/tenant_urls.py, or list this one with what it answers signed out and "
        "signed in."
    )


def test_every_listed_url_exists():
    names = {route.name for route in NON_TENANT}
    assert set(OUTSIDE) | set(ADMIN_CHECKED) <= names


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "signed in"])
@pytest.mark.parametrize("route", [r for r in NON_TENANT if outside(r)], ids=str)
def test_outside_url(client, world, route, signed_in):
    expected = outside(route)
    if signed_in:
        client.force_login(world.users["assessor"])
    path = fill(route, world.values, where=WHERE)
    response = getattr(client, expected.method)(path)
    answer = expected.signed_in if signed_in else expected.signed_out
    request = f"{expected.method.upper()} {path} {'signed in' if signed_in else 'signed out'}"
    if answer == SIGN_IN:
        assert is_sign_in(response, path), f"{request}: {response.status_code}"
    else:
        assert response.status_code == answer, request


# ---------------------------------------------------------------------------------------------
# The walk fails for a view that forgets its action, and the middleware closes it meanwhile.


def undeclared(request: HttpRequest, org_slug: str) -> HttpResponse:
    return HttpResponse("open to every role")


@require(Action.VIEW, post=Action.RATE)
def read_all_rate_some(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("o/<slug:org_slug>/undeclared/", undeclared, name="undeclared"),
    path("o/<slug:org_slug>/read-rate/", read_all_rate_some, name="read-rate"),
    path("", include("cse_portal.urls")),
]


def test_the_walk_fails_for_a_view_with_no_declared_action():
    route = Route("o/<slug:org_slug>/undeclared/", "org:undeclared", undeclared)
    with pytest.raises(AssertionError, match=r"org:undeclared .*declares no action"):
        expected_action(route, "GET")


def test_declared_actions_are_read_through_decorators_and_classes():
    assert declared_action(read_all_rate_some, "GET") == Action.VIEW
    assert declared_action(read_all_rate_some, "HEAD") == Action.VIEW
    assert declared_action(read_all_rate_some, "POST") == Action.RATE
    [api_years] = [r for r in TENANT if r.name == "org:api-years"]
    assert declared_action(api_years.callback, "GET") == Action.VIEW
    [confirm] = [r for r in TENANT if r.name == "org:progression-import-confirm"]
    assert declared_action(confirm.callback, "POST") == Action.IMPORT_ANNEX_ONE


@pytest.mark.urls(__name__)
def test_the_middleware_refuses_a_tenant_view_with_no_declared_action(client, world, caplog):
    client.force_login(world.users["admin"])
    response = client.get("/o/permissions-a/undeclared/")
    assert response.status_code == 403
    assert b"open to every role" not in response.content
    assert "declares no action" in caplog.text
    # Outsiders still find nothing there.
    client.force_login(world.users[OUTSIDER])
    assert client.get("/o/permissions-a/undeclared/").status_code == 404


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("actor", list(MEMBERS))
def test_a_post_action_is_checked_for_post(client, world, actor):
    client.force_login(world.users[actor])
    assert client.get("/o/permissions-a/read-rate/").status_code == 200
    expected = 200 if role_can(MEMBERS[actor], Action.RATE) else 403
    for method in ["POST", "PUT", "DELETE"]:  # whatever is not a read
        assert client.generic(method, "/o/permissions-a/read-rate/").status_code == expected


def test_the_api_refuses_a_role_in_the_same_words():
    assert IsMember.message == ROLE_REFUSED
