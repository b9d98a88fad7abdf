"""Accepting an invitation at /invitations/<token>/: each path, and every way a link dies."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from organisations import services
from organisations.models import Invitation, Membership, Role, hash_token
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-token-value"
NEW_PASSWORD = "lantern-orchard-velvet-42"


@pytest.fixture
def invitation(org, org_admin):
    return InvitationFactory(
        organisation=org,
        email="invitee@example.test",
        role=Role.ASSESSOR,
        token=TOKEN,
        invited_by=org_admin,
    )


@pytest.fixture
def invitee(db):
    """An existing account for the invited address."""
    return UserFactory(email="invitee@example.test")


def link(token=TOKEN):
    return reverse("invitations:accept", args=[token])


def dashboard(org):
    return reverse("org:dashboard", args=[org.slug])


def register(client, **data):
    data = {
        "full_name": "Ivy Invitee",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **data,
    }
    return client.post(link(), data)


def test_the_link_is_at_invitations_token():
    assert link("abc") == "/invitations/abc/"


def test_only_the_hash_of_the_token_is_stored(
    org, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(org, "someone@example.test", "assessor", acting_user=org_admin)
    token = mailoutbox[0].body.split("/invitations/")[1].split("/")[0]
    assert len(token) >= 40
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert stored["token_hash"] == hash_token(token)
    assert token not in [str(value) for value in stored.values()]
    assert services.find_invitation(token) == invitation


# --- no account yet: a form that creates one -----------------------------------------------


def test_new_person_sees_the_registration_form(client, invitation):
    response = client.get(link())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Join Acme Care" in page
    assert "invitee@example.test" in page
    assert "as an assessor" in page
    for field in ["full_name", "password1", "password2"]:
        assert f'name="{field}"' in page
    assert 'for="id_full_name"' in page  # a real <label>


def test_new_person_creates_an_account_and_joins(client, org, invitation):
    response = register(client)
    assert response.status_code == 302
    assert response["Location"] == dashboard(org)

    user = User.objects.get(email="invitee@example.test")
    assert user.full_name == "Ivy Invitee"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user, organisation=org).role == Role.ASSESSOR
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    # Signed in: the dashboard opens.
    assert int(client.session[SESSION_KEY]) == user.pk
    assert client.get(dashboard(org)).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password2": "something-else-entirely"}, "password2", "The two passwords differ."),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        (
            {"password1": "invitee-example", "password2": "invitee-example"},
            "password1",
            "too similar",
        ),
        ({"full_name": "   "}, "full_name", "Please give your name."),
    ],
)
def test_registration_errors_rerender_the_form(client, org, invitation, data, field, message):
    response = register(client, **data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    if data.get("full_name") is None:
        assert 'value="Ivy Invitee"' in response.content.decode()  # what was typed is kept
    assert not User.objects.filter(email="invitee@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.is_usable


def test_registration_is_one_time(client, org, invitation):
    register(client)
    client.logout()
    second = register(client, full_name="Someone Else")
    assert second.status_code == 410
    assert "This invitation link no longer works" in second.content.decode()
    assert User.objects.filter(email="invitee@example.test").count() == 1
    assert client.get(link()).status_code == 410


# --- an account exists: sign in first ------------------------------------------------------


def test_existing_account_is_sent_to_sign_in_and_back(client, org, invitation, invitee):
    response = client.get(link())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={link()}"

    # Signing in with the email brings them back to the link.
    response = client.post(
        response["Location"],
        {"username": "INVITEE@example.test", "password": PASSWORD, "next": link()},
    )
    assert response.status_code == 302
    assert response["Location"] == link()
    page = client.get(link())
    assert page.status_code == 200
    assert "Join Acme Care" in page.content.decode()


def test_existing_account_cannot_register_again(client, invitation, invitee):
    response = register(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Membership.objects.filter(user=invitee).exists()


# --- signed in as the invitee: a button to join --------------------------------------------


def test_signed_in_invitee_sees_a_join_button(client, invitation, invitee):
    client.force_login(invitee)
    response = client.get(link())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Join Acme Care" in page
    assert 'method="post"' in page
    assert not Membership.objects.filter(user=invitee).exists()  # GET changes nothing


def test_signed_in_invitee_joins(client, org, invitation, invitee):
    client.force_login(invitee)
    response = client.post(link())
    assert response.status_code == 302
    assert response["Location"] == dashboard(org)
    assert Membership.objects.get(user=invitee, organisation=org).role == Role.ASSESSOR
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee
    assert client.get(dashboard(org)).status_code == 200


def test_invited_address_matches_whatever_its_case(client, org, invitee):
    InvitationFactory(organisation=org, email="Invitee@Example.TEST", token="mixed")
    client.force_login(invitee)
    assert client.post(link("mixed")).status_code == 302
    assert Membership.objects.filter(user=invitee, organisation=org).exists()


def test_joining_is_one_time(client, org, invitation, invitee):
    client.force_login(invitee)
    client.post(link())
    Membership.objects.filter(user=invitee).delete()
    second = client.post(link())
    assert second.status_code == 410
    assert not Membership.objects.filter(user=invitee).exists()


def test_a_member_already_keeps_their_role(client, org, invitation, invitee):
    MembershipFactory(user=invitee, organisation=org, role=Role.QUALITY_LEAD)
    client.force_login(invitee)
    assert client.post(link()).status_code == 302
    assert Membership.objects.get(user=invitee, organisation=org).role == Role.QUALITY_LEAD
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


# --- signed in as someone else -------------------------------------------------------------


def test_wrong_user_is_told_and_offered_sign_out(client, org, invitation, outsider):
    client.force_login(outsider)
    response = client.get(link())
    assert response.status_code == 200
    page = response.content.decode()
    assert "This invitation is for someone else" in page
    assert "invitee@example.test" in page
    assert outsider.email in page
    assert f'action="{reverse("logout")}"' in page
    assert f'name="next" value="{link()}"' in page

    response = client.post(link())
    assert response.status_code == 403
    assert not Membership.objects.filter(user=outsider, organisation=org).exists()
    invitation.refresh_from_db()
    assert invitation.is_usable

    # Signing out comes back to the link.
    response = client.post(reverse("logout"), {"next": link()})
    assert response.status_code == 302
    assert response["Location"] == link()


def test_services_refuse_the_wrong_user(invitation, outsider):
    with pytest.raises(services.WrongInvitee):
        services.accept_invitation(invitation, acting_user=outsider)


# --- links that no longer work -------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"expires_at": timezone.now() - timedelta(seconds=1)},
        {"revoked_at": timezone.now()},
        {"accepted_at": timezone.now()},
    ],
    ids=["expired", "revoked", "used"],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_dead_links_say_so(client, org, invitation, invitee, change, signed_in):
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    if signed_in:
        client.force_login(invitee)
    for method in ["get", "post"]:
        response = getattr(client, method)(
            link(), {"full_name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert response.status_code == 410, method
        assert "This invitation link no longer works" in response.content.decode()
    assert not Membership.objects.filter(user=invitee).exists()


def test_unknown_token_is_404(client, db):
    response = client.get(link("no-such-token"))
    assert response.status_code == 404
    assert "This invitation link no longer works" in response.content.decode()


def test_expiry_is_checked_when_the_form_is_sent(client, org, invitation):
    assert client.get(link()).status_code == 200
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert register(client).status_code == 410
    assert not User.objects.filter(email="invitee@example.test").exists()


def test_services_refuse_a_used_invitation(invitation, invitee):
    services.accept_invitation(invitation, acting_user=invitee)
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(invitation, acting_user=invitee)
    with pytest.raises(services.InvitationUnusable):
        services.register_and_accept(invitation, "Ivy", NEW_PASSWORD)
