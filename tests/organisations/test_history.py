"""Membership and invitation changes write history rows naming who made them, like every
other change; and every organisation and account service takes ``acting_user`` by keyword."""

import inspect

import pytest
from django.urls import reverse

from accounts import services as account_services
from organisations import services
from organisations.models import Invitation, Membership, Role
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-velvet-42"


def last(model, pk):
    """The newest history row of ``model`` row ``pk``: (type, the user it names)."""
    row = model.history.filter(id=pk).order_by("-history_id").first()
    return row.history_type, row.history_user


@pytest.fixture
def colleague(org):
    return MembershipFactory(organisation=org, role=Role.QUALITY_LEAD)


def test_adding_a_member_is_recorded_with_who_added_them(org, org_admin):
    added = services.add_member(org, "new@example.test", "assessor", acting_user=org_admin)
    assert last(Membership, added.membership.pk) == ("+", org_admin)
    services.add_member(org, "new@example.test", "admin", acting_user=None)  # a command
    row = Membership.history.filter(id=added.membership.pk).first()
    assert (row.history_type, row.role, row.history_user) == ("~", "admin", None)


def test_changing_a_role_and_removing_are_recorded(org, org_admin, colleague):
    services.change_role(colleague, "assessor", acting_user=org_admin)
    row = Membership.history.filter(id=colleague.pk).first()
    assert (row.history_type, row.role, row.history_user) == ("~", "assessor", org_admin)
    services.remove_member(colleague, acting_user=org_admin)
    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert last(Membership, colleague.pk) == ("-", org_admin)


def test_unchanged_role_writes_no_history(org, org_admin, colleague):
    before = Membership.history.count()
    services.change_role(colleague, colleague.role, acting_user=org_admin)
    assert Membership.history.count() == before


def test_inviting_again_and_revoking_are_recorded(org, org_admin):
    first = services.invite(org, "someone@example.test", "assessor", acting_user=org_admin)
    assert last(Invitation, first.pk) == ("+", org_admin)
    second = services.invite(org, "someone@example.test", "admin", acting_user=org_admin)
    assert second.replaced == 1
    row = Invitation.history.filter(id=first.pk).first()
    assert (row.history_type, row.history_user) == ("~", org_admin)
    assert row.revoked_at is not None
    assert services.revoke_invitation(second, acting_user=org_admin) is True
    assert last(Invitation, second.pk) == ("~", org_admin)
    # Revoking again changes nothing and writes nothing.
    before = Invitation.history.count()
    assert services.revoke_invitation(second, acting_user=org_admin) is False
    assert Invitation.history.count() == before


def test_the_history_keeps_no_token_hash():
    fields = {field.name for field in Invitation.history.model._meta.get_fields()}
    assert "token_hash" not in fields
    assert "email" in fields


def test_accepting_is_recorded_as_done_by_the_invitee(org, org_admin):
    invitation = InvitationFactory(organisation=org, email="ivy@example.test", invited_by=org_admin)
    invitee = UserFactory(email="ivy@example.test")
    membership = services.accept_invitation(invitation, acting_user=invitee)
    assert last(Membership, membership.pk) == ("+", invitee)
    assert last(Invitation, invitation.pk) == ("~", invitee)


def test_registering_is_recorded_as_done_by_the_new_account(org, org_admin):
    invitation = InvitationFactory(organisation=org, email="ivy@example.test", invited_by=org_admin)
    user = services.register_and_accept(invitation, "Ivy", NEW_PASSWORD)
    membership = Membership.objects.get(user=user, organisation=org)
    assert last(Membership, membership.pk) == ("+", user)
    assert last(Invitation, invitation.pk) == ("~", user)


def test_the_members_page_records_the_admin(client, org, org_admin, colleague):
    client.force_login(org_admin)
    url = reverse("org:member-role", args=[org.slug, colleague.pk])
    client.post(url, {"role": "governing_body"})
    assert last(Membership, colleague.pk) == ("~", org_admin)
    client.post(reverse("org:member-remove", args=[org.slug, colleague.pk]))
    assert last(Membership, colleague.pk) == ("-", org_admin)


# The actions of the two service modules of this area, each with ``acting_user`` by keyword.
# register_and_accept has none (a visitor with no account yet does it; the history names the
# account it creates), nor does the password reset rate limit (anyone may ask, signed out).
ACTIONS = [
    services.create_organisation,
    services.add_member,
    services.change_role,
    services.remove_member,
    services.invite,
    services.revoke_invitation,
    services.accept_invitation,
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda f: f.__name__)
def test_every_action_takes_acting_user_by_keyword_with_no_default(action):
    parameter = inspect.signature(action).parameters["acting_user"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is inspect.Parameter.empty  # who did it is always said


@pytest.mark.parametrize("module", [services, account_services], ids=lambda m: m.__name__)
def test_no_service_takes_acting_user_by_position(module):
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ != module.__name__ or name.startswith("_"):
            continue
        parameter = inspect.signature(function).parameters.get("acting_user")
        if parameter is not None:
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
