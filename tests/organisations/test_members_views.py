"""The members page of an organisation: /o/<org>/members/ and its POST endpoints.

Three standing users, as in healthchecks: the admin (may do everything here), a member with
each other role (403 everywhere), and an outsider, a member of another organisation (404
everywhere, even with real ids of this organisation).
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Invitation, Membership, Role, hash_token
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

OTHER_ROLES = [Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY]


@pytest.fixture
def colleague(org):
    """A quality lead of ``org`` whose role the admin changes or who is removed."""
    return MembershipFactory(
        organisation=org,
        role=Role.QUALITY_LEAD,
        user=UserFactory(email="colleague@example.test", full_name="Cora Colleague"),
    )


@pytest.fixture
def invitation(org, org_admin):
    return InvitationFactory(
        organisation=org, email="pending@example.test", role=Role.ASSESSOR, invited_by=org_admin
    )


def members_url(org):
    return reverse("org:members", args=[org.slug])


def role_url(membership):
    return reverse("org:member-role", args=[membership.organisation.slug, membership.pk])


def remove_url(membership):
    return reverse("org:member-remove", args=[membership.organisation.slug, membership.pk])


def revoke_url(invitation):
    return reverse("org:invitation-revoke", args=[invitation.organisation.slug, invitation.pk])


def every_members_url(org, colleague, invitation):
    """(method, url, data) for the page and each of its endpoints, with real ids."""
    return [
        ("get", members_url(org), {}),
        ("post", members_url(org), {"email": "new@example.test", "role": "assessor"}),
        ("get", role_url(colleague), {}),
        ("post", role_url(colleague), {"role": "admin"}),
        ("get", remove_url(colleague), {}),
        ("post", remove_url(colleague), {}),
        ("post", revoke_url(invitation), {}),
    ]


def link_path(mail) -> str:
    """The path of the invitation link in an email."""
    return re.search(r"https?://\S+?(/invitations/\S+/)", mail.body).group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who may ---------------------------------------------------------------------------------


def test_admin_sees_members_and_pending_invitations(client, org, org_admin, colleague, invitation):
    client.force_login(org_admin)
    response = client.get(members_url(org))
    assert response.status_code == 200
    page = response.content.decode()
    assert "colleague@example.test" in page
    assert "Cora Colleague" in page
    assert org_admin.email in page
    assert "Quality lead" in page
    assert "Cora Colleague · joined <time" in page
    # The pending invitation: email, role, invited by, expiry.
    assert "pending@example.test" in page
    assert "as an assessor" in page
    assert f"Invited by {org_admin.email} · expires <time" in page
    assert (
        invitation.expires_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d")
        in page
    )  # in the <time datetime="…"> attribute
    assert revoke_url(invitation) in page
    assert remove_url(colleague) in page
    assert role_url(colleague) in page
    assert 'id="id_email"' in page and 'name="role"' in page
    # No inline script or style: the CSP forbids them.
    assert "style=" not in page
    assert "<script>" not in page


def test_used_revoked_and_expired_invitations_are_not_listed(client, org, org_admin):
    InvitationFactory(organisation=org, email="used@example.test", accepted_at=timezone.now())
    InvitationFactory(organisation=org, email="revoked@example.test", revoked_at=timezone.now())
    InvitationFactory(
        organisation=org,
        email="expired@example.test",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(org_admin)
    page = client.get(members_url(org)).content.decode()
    assert "No invitations are waiting" in page
    for email in ["used@", "revoked@", "expired@"]:
        assert email not in page


def test_members_page_query_count_is_constant(client, org, org_admin, django_assert_num_queries):
    for _ in range(5):
        MembershipFactory(organisation=org)
        InvitationFactory(organisation=org)
    client.force_login(org_admin)
    client.get(members_url(org))  # the first visit also saves the last organisation seen
    # 1 session, 2 user, 3 membership + organisation (TenantMiddleware),
    # 4 members with their users, 5 pending invitations with who invited them.
    with django_assert_num_queries(5):
        response = client.get(members_url(org))
    assert response.status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_403_everywhere(client, org, member_of, colleague, invitation, role):
    client.force_login(member_of(org, role))
    for method, url, data in every_members_url(org, colleague, invitation):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    # Nothing changed.
    colleague.refresh_from_db()
    assert colleague.role == Role.QUALITY_LEAD
    invitation.refresh_from_db()
    assert invitation.is_usable
    assert not Invitation.objects.filter(email="new@example.test").exists()


def test_other_roles_see_no_members_link(client, org, member_of):
    client.force_login(member_of(org, Role.QUALITY_LEAD))
    page = client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    assert members_url(org) not in page


def test_admin_sees_members_link(client, org, org_admin):
    client.force_login(org_admin)
    page = client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    assert members_url(org) in page


def test_outsider_gets_404_everywhere(client, org, outsider, colleague, invitation):
    client.force_login(outsider)
    for method, url, data in every_members_url(org, colleague, invitation):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert Membership.objects.filter(pk=colleague.pk, role=Role.QUALITY_LEAD).exists()
    assert Invitation.objects.get(pk=invitation.pk).is_usable


def test_admin_of_one_org_gets_404_for_ids_of_another(client, org, org_admin, other_org):
    """Looked up through the organisation: another tenant's ids are simply not found."""
    theirs = MembershipFactory(organisation=other_org, role=Role.QUALITY_LEAD)
    their_invitation = InvitationFactory(organisation=other_org)
    client.force_login(org_admin)
    for method, name, pk in [
        ("get", "org:member-role", theirs.pk),
        ("post", "org:member-role", theirs.pk),
        ("get", "org:member-remove", theirs.pk),
        ("post", "org:member-remove", theirs.pk),
        ("post", "org:invitation-revoke", their_invitation.pk),
    ]:
        url = reverse(name, args=[org.slug, pk])
        response = getattr(client, method)(url, {"role": "admin"})
        assert response.status_code == 404, (method, url)
    theirs.refresh_from_db()
    assert theirs.role == Role.QUALITY_LEAD
    their_invitation.refresh_from_db()
    assert their_invitation.is_usable


def test_anonymous_is_sent_to_sign_in(client, org, colleague, invitation):
    for method, url, data in every_members_url(org, colleague, invitation):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert Membership.objects.filter(pk=colleague.pk).exists()


def test_revoke_needs_post(client, org, org_admin, invitation):
    client.force_login(org_admin)
    assert client.get(revoke_url(invitation)).status_code == 405
    invitation.refresh_from_db()
    assert invitation.is_usable


# --- inviting --------------------------------------------------------------------------------


def test_invite_sends_a_working_one_time_link(
    client, org, org_admin, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://portal.example.org"  # for commands: a request names its host
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            members_url(org), {"email": "  New.Person@Example.TEST ", "role": "assessor"}
        )
    assert response.status_code == 302
    assert response["Location"] == members_url(org)

    invitation = Invitation.objects.get(organisation=org)
    assert invitation.email == "new.person@example.test"
    assert invitation.role == Role.ASSESSOR
    assert invitation.invited_by == org_admin
    assert invitation.is_usable

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new.person@example.test"]
    assert org.name in mail.subject
    link = next(line for line in mail.body.splitlines() if line.startswith("http://testserver/"))
    path = link.removeprefix("http://testserver")
    token = path.removeprefix("/invitations/").rstrip("/")
    # Only the hash of the token is stored.
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Create account and join" in page.content.decode()

    followed = client.get(members_url(org))  # signed out: to sign in, not to the members page
    assert followed.status_code == 302


def test_invite_message_and_listing(client, transactional_db, org, org_admin):
    """Committed for real (no test transaction around the request), the email goes before the
    page answers, and the page says it was sent."""
    client.force_login(org_admin)
    response = client.post(
        members_url(org), {"email": "lead@example.test", "role": "quality_lead"}, follow=True
    )
    assert "Invitation sent to lead@example.test as a quality lead." in messages_of(response)
    assert "lead@example.test" in response.content.decode()


def test_no_email_is_sent_before_commit(client, org, org_admin, mailoutbox):
    client.force_login(org_admin)
    client.post(members_url(org), {"email": "new@example.test", "role": "assessor"})
    assert mailoutbox == []  # queued with transaction.on_commit; this test never commits


@pytest.mark.parametrize("typed", ["colleague@example.test", "Colleague@Example.Test"])
def test_inviting_a_member_is_a_form_error(
    client, org, org_admin, colleague, mailoutbox, django_capture_on_commit_callbacks, typed
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(members_url(org), {"email": typed, "role": "admin"})
    assert response.status_code == 200
    form = response.context["invite_form"]
    assert "already a member" in form.errors["email"][0]
    page = response.content.decode()
    assert "colleague@example.test is already a member of Acme Care" in page
    assert f'value="{typed}"' in page  # what was typed is kept
    assert not Invitation.objects.exists()
    assert mailoutbox == []
    colleague.refresh_from_db()
    assert colleague.role == Role.QUALITY_LEAD


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not an email", "role": "assessor"}, "email"),
        ({"email": "", "role": "assessor"}, "email"),
        ({"email": "ok@example.test", "role": ""}, "role"),
        ({"email": "ok@example.test", "role": "owner"}, "role"),
        ({}, "email"),
    ],
)
def test_bad_invite_input_rerenders_the_form(client, org, org_admin, data, field):
    client.force_login(org_admin)
    response = client.post(members_url(org), data)
    assert response.status_code == 200
    assert field in response.context["invite_form"].errors
    assert "The invitation was not sent" in response.content.decode()
    if data.get("email"):
        assert f'value="{data["email"]}"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_reinviting_replaces_the_pending_invitation(
    client, org, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(members_url(org), {"email": "twice@example.test", "role": "assessor"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            members_url(org), {"email": "TWICE@example.test", "role": "quality_lead"}, follow=True
        )
    assert any("replaces the earlier invitation" in m for m in messages_of(response))
    assert len(mailoutbox) == 2
    first, second = (link_path(mail) for mail in mailoutbox)

    pending = Invitation.objects.pending().filter(organisation=org)
    assert pending.count() == 1
    assert pending.get().role == Role.QUALITY_LEAD
    assert Invitation.objects.filter(organisation=org).count() == 2

    client.logout()
    assert client.get(first).status_code == 410  # the old link stops working
    assert client.get(second).status_code == 200


def test_inviting_someone_of_another_org_is_fine(
    client, org, org_admin, outsider, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(members_url(org), {"email": outsider.email, "role": "assessor"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1


# --- changing roles --------------------------------------------------------------------------


def test_admin_changes_a_role(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.post(role_url(colleague), {"role": "assessor"}, follow=True)
    assert response.redirect_chain[-1][0] == members_url(org)
    colleague.refresh_from_db()
    assert colleague.role == Role.ASSESSOR
    assert "colleague@example.test is now an assessor." in messages_of(response)


def test_role_form_page(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.get(role_url(colleague))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Change the role of colleague@example.test" in page
    assert '<option value="quality_lead" selected>' in page


@pytest.mark.parametrize("data", [{"role": "owner"}, {}])
def test_bad_role_rerenders_the_form(client, org, org_admin, colleague, data):
    client.force_login(org_admin)
    response = client.post(role_url(colleague), data)
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert "Please choose one of the roles listed." in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.role == Role.QUALITY_LEAD


def test_last_admin_cannot_be_demoted(client, org, org_admin):
    client.force_login(org_admin)
    mine = Membership.objects.get(user=org_admin, organisation=org)
    response = client.post(role_url(mine), {"role": "quality_lead"}, follow=True)
    assert response.redirect_chain[-1][0] == members_url(org)
    [message] = messages_of(response)
    assert "last admin of Acme Care" in message
    mine.refresh_from_db()
    assert mine.role == Role.ADMIN


def test_an_admin_may_step_down_when_another_admin_remains(client, org, org_admin, member_of):
    member_of(org, Role.ADMIN)
    client.force_login(org_admin)
    mine = Membership.objects.get(user=org_admin, organisation=org)
    response = client.post(role_url(mine), {"role": "quality_lead"})
    # No longer allowed on the members page: off to the dashboard.
    assert response["Location"] == reverse("org:dashboard", args=[org.slug])
    mine.refresh_from_db()
    assert mine.role == Role.QUALITY_LEAD
    assert client.get(members_url(org)).status_code == 403


def test_demoting_one_of_two_admins_then_the_last(client, org, org_admin, member_of):
    other = member_of(org, Role.ADMIN)
    theirs = Membership.objects.get(user=other, organisation=org)
    mine = Membership.objects.get(user=org_admin, organisation=org)
    client.force_login(org_admin)
    client.post(role_url(theirs), {"role": "assessor"})
    theirs.refresh_from_db()
    assert theirs.role == Role.ASSESSOR
    client.post(role_url(mine), {"role": "assessor"})
    mine.refresh_from_db()
    assert mine.role == Role.ADMIN


# --- removing --------------------------------------------------------------------------------


def test_remove_asks_for_confirmation_first(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.get(remove_url(colleague))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Remove colleague@example.test?" in page
    assert 'method="post"' in page
    assert Membership.objects.filter(pk=colleague.pk).exists()


def test_admin_removes_a_member(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.post(remove_url(colleague), follow=True)
    assert response.redirect_chain[-1][0] == members_url(org)
    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert colleague.user.__class__.objects.filter(pk=colleague.user_id).exists()  # account stays
    assert "colleague@example.test was removed from Acme Care." in messages_of(response)
    # The removed member can no longer open the organisation.
    client.force_login(colleague.user)
    assert client.get(reverse("org:dashboard", args=[org.slug])).status_code == 404


def test_last_admin_cannot_be_removed(client, org, org_admin):
    client.force_login(org_admin)
    mine = Membership.objects.get(user=org_admin, organisation=org)
    response = client.post(remove_url(mine), follow=True)
    assert response.redirect_chain[-1][0] == members_url(org)
    [message] = messages_of(response)
    assert "last admin of Acme Care" in message
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_an_admin_may_leave_when_another_admin_remains(client, org, org_admin, member_of):
    member_of(org, Role.ADMIN)
    client.force_login(org_admin)
    mine = Membership.objects.get(user=org_admin, organisation=org)
    response = client.post(remove_url(mine))
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=mine.pk).exists()


# --- revoking --------------------------------------------------------------------------------


def test_admin_revokes_an_invitation(client, org, org_admin):
    invitation = InvitationFactory(organisation=org, token="revoke-me")
    client.force_login(org_admin)
    response = client.post(revoke_url(invitation), follow=True)
    assert response.redirect_chain[-1][0] == members_url(org)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert any("was revoked" in m for m in messages_of(response))
    assert "No invitations are waiting" in response.content.decode()
    client.logout()
    assert client.get(reverse("invitations:accept", args=["revoke-me"])).status_code == 410


def test_revoking_a_used_invitation_says_so(client, org, org_admin):
    invitation = InvitationFactory(organisation=org, accepted_at=timezone.now())
    client.force_login(org_admin)
    response = client.post(revoke_url(invitation), follow=True)
    assert any("already used, revoked or expired" in m for m in messages_of(response))
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
