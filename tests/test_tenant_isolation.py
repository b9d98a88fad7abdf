"""Tenant isolation: every URL under /o/<org_slug>/, walked with another tenant's real ids.

The walk finds the patterns itself (organisations.tenant_urls and anything included below
it), so a page added by a later issue is covered without touching this file — unless its URL
has a keyword this file has never seen: then the test fails and asks for a line in KWARGS.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from organisations.models import Membership, Role
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    BoardReportFactory,
    ElementFactory,
    ElementResultFactory,
    EvidenceLinkFactory,
    EvidencePackFactory,
    EvidenceVersionFactory,
    FileEvidenceFactory,
    InvitationFactory,
    MembershipFactory,
)
from tests.urlwalk import Route, routes
from tests.urlwalk import fill as fill_route

# On PostgreSQL the walk runs as the app's kind of role (tests/conftest.py, as_app_role), so
# row-level security holds every request too (docs/security.md, "Tenancy").
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("as_app_role")]


@dataclass
class OrgA:
    """The organisation whose URLs are walked, and some of its rows."""

    organisation: object
    governing_body: object
    membership: Membership
    invitation: object
    assessment: object
    evidence: object = None  # a file item with an earlier version
    version: object = None
    link: object = None  # an evidence link to element 1.1.1 of the assessment
    action: object = None  # an improvement action on element 1.1.1 of the assessment
    report: object = None  # a finished board report of the assessment
    pack: object = None  # a finished evidence pack of the assessment


# Keyword → a real value from organisation A. A new kind of keyword needs a line here: name
# it after what it identifies (membership_pk, evidence_pk, …) and build a real row of org A.
KWARGS: dict[str, Callable[[OrgA], object]] = {
    "org_slug": lambda a: a.organisation.slug,
    "membership_pk": lambda a: a.membership.pk,
    "invitation_pk": lambda a: a.invitation.pk,
    "year": lambda a: a.assessment.year,
    "evidence_pk": lambda a: a.evidence.pk,
    "version_pk": lambda a: a.version.pk,
    "ref": lambda a: a.link.element.ref,
    "link_pk": lambda a: a.link.pk,
    "action_pk": lambda a: a.action.pk,
    "report_pk": lambda a: a.report.pk,
    "pack_pk": lambda a: a.pack.pk,
}


TENANT_URLS = [route for route in routes() if route.is_tenant]


def fill(url: Route, a: OrgA) -> str:
    """The route with each <converter:kwarg> replaced by org A's real value (tests/urlwalk.py
    checks that the path resolves to the route's own view)."""
    values = {keyword: KWARGS[keyword](a) for keyword in url.keywords if keyword in KWARGS}
    return fill_route(
        url,
        values,
        where="KWARGS of tests/test_tenant_isolation.py (with a builder of a real value from "
        "org A, so that the walk can prove that org B's members get 404 for it)",
    )


@pytest.fixture
def a(org, settings, tmp_path) -> OrgA:
    settings.MEDIA_ROOT = tmp_path  # evidence files
    admin = MembershipFactory(organisation=org, role=Role.ADMIN)
    governing_body = MembershipFactory(organisation=org, role=Role.GOVERNING_BODY).user
    evidence = FileEvidenceFactory(organisation=org, created_by=admin.user)
    orga = OrgA(
        organisation=org,
        governing_body=governing_body,
        membership=admin,
        invitation=InvitationFactory(organisation=org, invited_by=admin.user),
        assessment=AssessmentFactory(organisation=org, year=2024),
        evidence=evidence,
        version=EvidenceVersionFactory(evidence=evidence),
    )
    # Element 1.1.1 of the year's standard, its result, and an evidence link to it.
    element = ElementFactory(
        sub_criterion__criterion__standard=orga.assessment.standard, ref="1.1.1"
    )
    ElementResultFactory(assessment=orga.assessment, element=element)
    orga.link = EvidenceLinkFactory(
        evidence__organisation=org, assessment=orga.assessment, element=element
    )
    orga.action = ActionFactory(raised_in=orga.assessment, element=element)
    orga.report = BoardReportFactory(assessment=orga.assessment, done=True)
    orga.pack = EvidencePackFactory(assessment=orga.assessment, done=True)
    return orga


def test_the_walk_finds_the_tenant_urls():
    names = {url.name for url in TENANT_URLS}
    assert {"org:dashboard", "org:members", "org:member-role", "org:member-remove"} <= names
    assert reverse("org:dashboard", args=["acme"]) == "/o/acme/"


def test_the_walk_fails_loudly_on_an_unknown_keyword(a):
    fake = Route("o/<slug:org_slug>/things/<int:thing_pk>/", "org:thing", TENANT_URLS[0].callback)
    with pytest.raises(AssertionError, match="URL keyword 'thing_pk'.*KWARGS of tests/"):
        fill(fake, a)


@pytest.mark.parametrize("url", TENANT_URLS, ids=str)
@pytest.mark.parametrize("role", list(Role))
def test_members_of_another_org_get_404(client, a, other_org, url, role):
    """Any member of org B, whatever their role, finds nothing of org A: 404, never 403."""
    outsider = MembershipFactory(organisation=other_org, role=role).user
    client.force_login(outsider)
    path = fill(url, a)
    for method in ["get", "post"]:
        response = getattr(client, method)(path, {"role": "admin", "email": "x@example.test"})
        assert response.status_code == 404, f"{method.upper()} {path} as {role} of B"
    # Nothing of org A changed.
    a.membership.refresh_from_db()
    assert a.membership.role == Role.ADMIN
    a.invitation.refresh_from_db()
    assert a.invitation.is_usable
    assert Membership.objects.filter(organisation=a.organisation).count() == 2
    a.evidence.refresh_from_db()  # still there, unchanged
    assert a.evidence.versions.get() == a.version
    a.link.refresh_from_db()  # not unlinked
    a.action.refresh_from_db()  # not moved on
    assert a.action.status == "open"
    a.report.refresh_from_db()  # not queued again
    assert a.report.status == "done"
    a.pack.refresh_from_db()  # not queued again
    assert a.pack.status == "done"
    assert a.link.note == "Supports this element."


@pytest.mark.parametrize("url", TENANT_URLS, ids=str)
def test_members_of_the_org_never_get_404(client, a, url):
    """With org A's own ids, its least-privileged member is allowed, refused or 405'd: the
    ids are real, so a 404 here would mean the walk above proves nothing for this URL."""
    client.force_login(a.governing_body)
    path = fill(url, a)
    response = client.get(path)
    assert response.status_code in {200, 403, 405}, f"GET {path}: {response.status_code}"


@pytest.mark.parametrize("url", TENANT_URLS, ids=str)
def test_a_lapsed_member_gets_404(client, a, url):
    """A membership whose last day has passed is none: its admin, who could do everything
    here the day before, now finds nothing of org A (404 to GET and POST), and nothing
    changes."""
    from datetime import timedelta

    from django.utils import timezone

    lapsed = MembershipFactory(
        organisation=a.organisation,
        role=Role.ADMIN,
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(lapsed.user)
    path = fill(url, a)
    for method in ["get", "post"]:
        response = getattr(client, method)(path, {"role": "admin", "email": "x@example.test"})
        assert response.status_code == 404, f"{method.upper()} {path} as a lapsed admin"
    a.membership.refresh_from_db()
    assert a.membership.role == Role.ADMIN and a.membership.ends_on is None
    assert a.invitation.__class__.objects.get(pk=a.invitation.pk).is_usable
    a.link.refresh_from_db()
    assert a.link.note == "Supports this element."


def test_the_governing_body_opens_the_dashboard(client, a):
    client.force_login(a.governing_body)
    assert client.get(reverse("org:dashboard", args=[a.organisation.slug])).status_code == 200


@pytest.mark.parametrize("url", TENANT_URLS, ids=str)
def test_anonymous_is_sent_to_sign_in(client, a, url):
    """Pages redirect to the sign-in page; the API (its views resolve their own tenant, after
    a token has signed the request in) answers 401 and asks for a token."""
    path = fill(url, a)
    api = getattr(url.callback, "resolves_tenant", False)
    for method in ["get", "post"]:
        response = getattr(client, method)(path)
        if api:
            assert response.status_code == 401, f"{method.upper()} {path}"
            assert response["WWW-Authenticate"] == "Token"
            continue
        assert response.status_code == 302, f"{method.upper()} {path}"
        assert response["Location"] == f"{reverse('login')}?next={path}"
