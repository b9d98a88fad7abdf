"""manage.py create_organisation and add_member, and the services behind them."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from organisations import services
from organisations.models import Membership, Organisation, Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-velvet-42"


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- create_organisation -------------------------------------------------------------------


def test_create_organisation():
    out = run("create_organisation", "acme", "Acme Care Ltd")
    organisation = Organisation.objects.get(slug="acme")
    assert organisation.name == "Acme Care Ltd"
    assert "Created organisation 'Acme Care Ltd' at /o/acme/." in out
    assert "add_member acme" in out


def test_create_organisation_refuses_an_existing_slug(org):
    with pytest.raises(CommandError, match="'acme' already exists"):
        run("create_organisation", "acme", "Another Acme")
    assert Organisation.objects.get(slug="acme").name == "Acme Care"


@pytest.mark.parametrize("slug", ["Not a slug", "acme/care", "café!", "", "x" * 61])
def test_create_organisation_refuses_an_invalid_slug(db, slug):
    with pytest.raises(CommandError, match="slug|too long"):
        run("create_organisation", slug, "Whatever")
    assert not Organisation.objects.exists()


def test_create_organisation_needs_a_name(db):
    with pytest.raises(CommandError, match="needs a name"):
        run("create_organisation", "acme", "  ")


# --- add_member ----------------------------------------------------------------------------


def test_add_member_creates_the_user(org):
    out = run(
        "add_member", "acme", "New.Admin@Example.test", "admin",
        "--password", NEW_PASSWORD, "--name", "Nia Admin",
    )  # fmt: skip
    user = User.objects.get(email="new.admin@example.test")
    assert user.check_password(NEW_PASSWORD)
    assert user.full_name == "Nia Admin"
    assert Membership.objects.get(user=user, organisation=org).role == Role.ADMIN
    assert "Created the account new.admin@example.test." in out
    assert "Added new.admin@example.test to Acme Care as an admin." in out


@pytest.mark.parametrize(
    ("spelling", "role"),
    [
        ("admin", Role.ADMIN),
        ("Admin", Role.ADMIN),
        ("quality_lead", Role.QUALITY_LEAD),
        ("quality lead", Role.QUALITY_LEAD),
        ("quality-lead", Role.QUALITY_LEAD),
        ("Quality Lead", Role.QUALITY_LEAD),
        ("assessor", Role.ASSESSOR),
        ("ASSESSOR", Role.ASSESSOR),
        ("governing_body", Role.GOVERNING_BODY),
        ("governing body", Role.GOVERNING_BODY),
        ("Governing-Body", Role.GOVERNING_BODY),
    ],
)
def test_add_member_role_spellings(org, spelling, role):
    run("add_member", "acme", "someone@example.test", spelling, "--password", NEW_PASSWORD)
    assert Membership.objects.get(user__email="someone@example.test").role == role


@pytest.mark.parametrize("spelling", ["owner", "quality", "", "assessors"])
def test_add_member_refuses_an_unknown_role(org, spelling):
    with pytest.raises(CommandError, match="Unknown role .* Use one of: admin, quality_lead"):
        run("add_member", "acme", "someone@example.test", spelling, "--password", NEW_PASSWORD)
    assert not User.objects.filter(email="someone@example.test").exists()


def test_add_member_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="No organisation with the slug 'nowhere'"):
        run("add_member", "nowhere", "someone@example.test", "admin", "--password", NEW_PASSWORD)
    assert not User.objects.exists()


def test_add_member_refuses_an_invalid_email(org):
    with pytest.raises(CommandError, match="not a valid email address"):
        run("add_member", "acme", "not-an-email", "admin", "--password", NEW_PASSWORD)


def test_add_member_refuses_a_weak_password(org):
    with pytest.raises(CommandError, match="Password refused: .*too common"):
        run("add_member", "acme", "someone@example.test", "admin", "--password", "password")
    assert not User.objects.exists()


def test_add_member_existing_user_joins_with_password_unchanged(org, other_org):
    user = UserFactory(email="known@example.test")
    out = run("add_member", "acme", "KNOWN@example.test", "assessor", "--password", NEW_PASSWORD)
    assert "already has an account: its password is unchanged" in out
    assert "Created the account" not in out
    assert "Added known@example.test to Acme Care as an assessor." in out
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Membership.objects.get(user=user, organisation=org).role == Role.ASSESSOR


def test_add_member_existing_user_needs_no_password(org):
    user = UserFactory(email="known@example.test")
    run("add_member", "acme", "known@example.test", "assessor", stdin=io.StringIO())
    assert Membership.objects.filter(user=user, organisation=org).exists()


def test_add_member_updates_the_role_of_a_member(org):
    membership = MembershipFactory(organisation=org, role=Role.ASSESSOR)
    out = run("add_member", "acme", membership.user.email, "quality lead")
    membership.refresh_from_db()
    assert membership.role == Role.QUALITY_LEAD
    assert "was already a member of Acme Care: role changed from assessor to quality lead" in out
    assert Membership.objects.filter(organisation=org).count() == 1


def test_add_member_same_role_changes_nothing(org):
    membership = MembershipFactory(organisation=org, role=Role.ASSESSOR)
    out = run("add_member", "acme", membership.user.email, "assessor")
    assert "is already an assessor in Acme Care: nothing to change" in out


def test_add_member_will_not_demote_the_last_admin(org, org_admin):
    with pytest.raises(CommandError, match="last admin of Acme Care"):
        run("add_member", "acme", org_admin.email, "assessor")
    assert Membership.objects.get(user=org_admin).role == Role.ADMIN


def test_add_member_without_password_and_no_terminal_fails(org):
    with pytest.raises(CommandError, match="pass --password"):
        run("add_member", "acme", "someone@example.test", "admin", stdin=io.StringIO())
    assert not User.objects.exists()


def test_add_member_prompts_for_the_password_twice_on_a_terminal(org, monkeypatch):
    prompts = []

    def fake_getpass(prompt="Password: "):
        prompts.append(prompt)
        return NEW_PASSWORD

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    run("add_member", "acme", "someone@example.test", "admin", stdin=Terminal())
    assert len(prompts) == 2
    assert User.objects.get(email="someone@example.test").check_password(NEW_PASSWORD)


def test_add_member_prompted_passwords_must_match(org, monkeypatch):
    answers = iter([NEW_PASSWORD, NEW_PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        run("add_member", "acme", "someone@example.test", "admin", stdin=Terminal())
    assert not User.objects.exists()


def test_add_member_uses_the_real_stdin_by_default(org, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())  # not a terminal
    with pytest.raises(CommandError, match="pass --password"):
        run("add_member", "acme", "someone@example.test", "admin")


# --- the services setup scripts reuse ------------------------------------------------------


def test_services_without_password_give_an_unusable_one(org):
    result = services.add_member(org, "script@example.test", "assessor", acting_user=None)
    assert result.user_created and result.membership_created
    assert result.previous_role is None
    assert not result.membership.user.has_usable_password()


def test_services_create_organisation_and_add_member_together(db):
    organisation = services.create_organisation("demo", "Demo Trust", acting_user=None)
    result = services.add_member(
        organisation, "lead@example.test", "Quality lead", acting_user=None, password=NEW_PASSWORD
    )
    assert result.membership.role == Role.QUALITY_LEAD
    again = services.add_member(organisation, "LEAD@example.test", "admin", acting_user=None)
    assert not again.user_created and not again.membership_created
    assert again.previous_role == Role.QUALITY_LEAD
    assert again.membership.role == Role.ADMIN
    assert User.objects.get().check_password(NEW_PASSWORD)


def test_parse_role_error_lists_the_values():
    with pytest.raises(services.OrganisationError) as excinfo:
        services.parse_role("boss")
    assert str(excinfo.value) == (
        "Unknown role 'boss'. Use one of: admin, quality_lead, assessor, governing_body."
    )
