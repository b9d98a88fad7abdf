"""What people type into organisations, invitations and the commands: one plain line, no
longer than its column, refused with a clear message (never a 500 or a traceback); invitation
emails that did not go are not reported as sent; links name the host the request came to."""

import io
import smtplib

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from organisations import services
from organisations.forms import AcceptInvitationForm, InviteForm
from organisations.models import Invitation, Organisation, Role
from tests.factories import InvitationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-velvet-42"
# A newline breaks the email's Subject header; U+202E shows the text reversed; ESC would reach
# an operator's terminal; NUL is refused by PostgreSQL.
UNSAFE = [
    "Acme\nCare",
    "Acme\rCare",
    "Acme\u202eeraC",
    "Acme\x1b[2JCare",
    "Acme\x00Care",
    "A\u2028B",
]


def email_of_length(length: int) -> str:
    domain = "@example.test"
    return "a" * (length - len(domain)) + domain


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def members_url(org) -> str:
    return reverse("org:members", args=[org.slug])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- control characters --------------------------------------------------------------------


@pytest.mark.parametrize("name", UNSAFE)
def test_create_organisation_refuses_control_characters_in_the_name(db, name):
    with pytest.raises(CommandError, match="control characters") as caught:
        run("create_organisation", "acme", name)
    assert "\x1b" not in str(caught.value) and "\x00" not in str(caught.value)
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("name", UNSAFE)
def test_the_organisation_service_refuses_control_characters(db, name):
    with pytest.raises(services.OrganisationError, match="control characters"):
        services.create_organisation("acme", name, acting_user=None)
    assert not Organisation.objects.exists()


def test_the_admin_form_of_an_organisation_refuses_control_characters(db):
    """The model field carries the rule, so the admin's form (and full_clean) refuse too."""
    organisation = Organisation(slug="acme", name="Acme\nCare")
    with pytest.raises(Exception, match="control characters"):
        organisation.full_clean()


@pytest.mark.parametrize("name", UNSAFE)
def test_add_member_refuses_control_characters_in_the_name(org, name):
    with pytest.raises(CommandError, match="control characters") as caught:
        run("add_member", "acme", "new@example.test", "admin", "--password", NEW_PASSWORD,
            "--name", name)  # fmt: skip
    assert "\x1b" not in str(caught.value)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "email", ['"a\x01b"@example.test', "a@exa\u202emple.test", "a\x1b@example.test"]
)
def test_add_member_refuses_control_characters_in_the_email(org, email):
    with pytest.raises(CommandError) as caught:
        run("add_member", "acme", email, "admin", "--password", NEW_PASSWORD)
    assert "\x1b" not in str(caught.value) and "\u202e" not in str(caught.value)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "email", ['"a\x01b"@example.test', "a@exa\u202emple.test", '"a\x7fb"@example.test']
)
def test_an_invitation_address_with_control_characters_is_a_form_error(org, email):
    form = InviteForm({"email": email, "role": "assessor"}, organisation=org)
    assert not form.is_valid()
    assert "email" in form.errors


@pytest.mark.parametrize("email", ['"a\x01b"@example.test', "a@exa\u202emple.test"])
def test_the_invite_service_refuses_control_characters(org, org_admin, email):
    with pytest.raises(services.OrganisationError):
        services.invite(org, email, "assessor", acting_user=org_admin)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", UNSAFE)
def test_a_new_account_name_with_control_characters_is_a_form_error(name):
    form = AcceptInvitationForm(
        {"full_name": name, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        email="invitee@example.test",
    )
    assert not form.is_valid()
    assert "control characters" in form.errors["full_name"][0]


@pytest.mark.parametrize("name", ["Ivy\nInvitee", "Ivy \u202eInvitee"])
def test_the_register_service_refuses_control_characters(org, name):
    invitation = InvitationFactory(organisation=org, email="invitee@example.test")
    with pytest.raises(services.OrganisationError, match="control characters"):
        services.register_and_accept(invitation, name, NEW_PASSWORD)
    assert not User.objects.filter(email="invitee@example.test").exists()


def test_the_user_model_refuses_control_characters_in_the_full_name():
    with pytest.raises(Exception, match="control characters"):
        User(email="x@example.test", full_name="X\u202eY", password="!").full_clean()


# --- an email that did not go is not reported as sent ---------------------------------------


def test_an_invitation_whose_email_fails_says_so(
    client, transactional_db, org, org_admin, mailoutbox, monkeypatch
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"new@example.test": (550, b"No such mailbox")})

    monkeypatch.setattr("organisations.services.send_mail", refuse)
    client.force_login(org_admin)
    response = client.post(
        members_url(org), {"email": "new@example.test", "role": "assessor"}, follow=True
    )
    assert response.status_code == 200
    shown = " ".join(messages_of(response))
    assert "could not be sent" in shown
    assert "Invitation sent" not in shown
    # The invitation stands (listed as pending); inviting again sends a new link.
    assert Invitation.objects.pending().filter(email="new@example.test").exists()


def test_an_invitation_that_was_sent_says_sent(
    client, transactional_db, org, org_admin, mailoutbox
):
    client.force_login(org_admin)
    response = client.post(
        members_url(org), {"email": "new@example.test", "role": "assessor"}, follow=True
    )
    assert "Invitation sent to new@example.test as an assessor." in messages_of(response)
    assert len(mailoutbox) == 1


def test_an_invitation_not_yet_committed_is_not_reported_as_sent(client, org, org_admin):
    """Inside a transaction that has not committed (as every test's is), nothing went yet."""
    client.force_login(org_admin)
    response = client.post(
        members_url(org), {"email": "new@example.test", "role": "assessor"}, follow=True
    )
    shown = " ".join(messages_of(response))
    assert "Invitation sent" not in shown
    assert "Invitation to new@example.test as an assessor saved" in shown


def test_an_older_organisation_name_with_a_newline_still_sends_one_line_subject(
    client, transactional_db, org_admin, mailoutbox
):
    """A name stored before the rule (or loaded by hand) must not stop every invitation."""
    org = org_admin.memberships.get().organisation
    Organisation.objects.filter(pk=org.pk).update(name="Acme\nCare")
    client.force_login(org_admin)
    response = client.post(
        members_url(org), {"email": "new@example.test", "role": "assessor"}, follow=True
    )
    assert "Invitation sent to new@example.test as an assessor." in messages_of(response)
    (mail,) = mailoutbox
    assert mail.subject == "You are invited to join Acme Care on CSE Portal"


# --- column lengths ------------------------------------------------------------------------


@pytest.mark.parametrize("length", [255, 256, 300, 320])
def test_an_over_long_invitation_address_is_a_form_error(client, org, org_admin, length):
    client.force_login(org_admin)
    email = email_of_length(length)
    response = client.post(members_url(org), {"email": email, "role": "assessor"})
    assert response.status_code == 200
    error = response.context["invite_form"].errors["email"][0]
    assert "254 characters at most" in error
    assert f'value="{email}"' in response.content.decode()  # kept as typed
    assert not Invitation.objects.exists()


def test_an_address_of_254_characters_is_invited(
    client, org, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    email = email_of_length(254)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(members_url(org), {"email": email, "role": "assessor"})
    assert response.status_code == 302
    assert Invitation.objects.get().email == email


def test_the_invite_service_refuses_an_over_long_address(org, org_admin):
    with pytest.raises(services.OrganisationError, match="254 characters at most"):
        services.invite(org, email_of_length(300), "assessor", acting_user=org_admin)


def test_create_organisation_refuses_an_over_long_name(db):
    with pytest.raises(CommandError, match="200 characters at most .it has 201."):
        run("create_organisation", "acme", "N" * 201)
    assert not Organisation.objects.exists()
    run("create_organisation", "acme", "N" * 200)
    assert Organisation.objects.get().name == "N" * 200


@pytest.mark.parametrize("length", [255, 300, 320, 400])
def test_add_member_refuses_an_over_long_email(org, length):
    with pytest.raises(CommandError, match="254 characters at most"):
        run("add_member", "acme", email_of_length(length), "admin", "--password", NEW_PASSWORD)
    assert not User.objects.exists()


def test_add_member_refuses_an_over_long_name(org):
    with pytest.raises(CommandError, match="150 characters at most"):
        run("add_member", "acme", "new@example.test", "admin", "--password", NEW_PASSWORD,
            "--name", "N" * 151)  # fmt: skip
    assert not User.objects.exists()


def test_add_member_refuses_before_asking_for_a_password(org, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    with pytest.raises(CommandError, match="254 characters at most"):
        run("add_member", "acme", email_of_length(300), "admin")


def test_the_add_member_service_refuses_over_long_values(org):
    with pytest.raises(services.OrganisationError, match="254 characters at most"):
        services.add_member(org, email_of_length(255), "admin", acting_user=None)
    with pytest.raises(services.OrganisationError, match="150 characters at most"):
        services.add_member(org, "new@example.test", "admin", acting_user=None, full_name="N" * 151)
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["full_name"])
def test_a_new_account_name_longer_than_its_column_is_a_form_error(field):
    form = AcceptInvitationForm(
        {"full_name": "N" * 151, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        email="invitee@example.test",
    )
    assert not form.is_valid()
    assert "150 characters at most" in form.errors[field][0]


def test_every_form_field_fits_its_column(org):
    """The kind, not the instance: each text field of these forms is no longer than its column."""
    columns = {
        (InviteForm, "email"): Invitation._meta.get_field("email").max_length,
        (AcceptInvitationForm, "full_name"): User._meta.get_field("full_name").max_length,
    }
    for (form_class, name), column in columns.items():
        kwargs = {"organisation": org} if form_class is InviteForm else {"email": "x@example.test"}
        field = form_class(**kwargs).fields[name]
        assert field.max_length is not None and field.max_length <= column, (form_class, name)


# --- links name the host the request came to -----------------------------------------------


def test_an_invitation_from_the_web_links_to_the_host_and_port_it_was_sent_from(
    client, org, org_admin, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            members_url(org),
            {"email": "new@example.test", "role": "assessor"},
            HTTP_HOST="localhost:8123",
        )
    (mail,) = mailoutbox
    assert "http://localhost:8123/invitations/" in mail.body
    assert ":8000" not in mail.body


def test_an_invitation_without_a_request_links_to_the_site_url(
    org, org_admin, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://portal.example.org/"
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(org, "new@example.test", Role.ASSESSOR, acting_user=org_admin)
    (mail,) = mailoutbox
    assert "https://portal.example.org/invitations/" in mail.body


# --- what the commands print ---------------------------------------------------------------


def test_command_errors_show_escape_codes_escaped(db):
    OrganisationFactory(slug="acme", name="Acme")
    with pytest.raises(CommandError) as caught:
        run("add_member", "no\x1b[31mwhere", "x@example.test", "admin", "--password", NEW_PASSWORD)
    assert "\x1b" not in str(caught.value)
    assert "\\x1b" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        run("add_member", "acme", "x@example.test", "ad\x1b[2Jmin", "--password", NEW_PASSWORD)
    assert "\x1b" not in str(caught.value)
