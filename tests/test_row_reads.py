"""The request's own reads written once (cse_portal.row_reads): the session, the signed-in
user and their memberships come back exactly as the ORM reads them, and refuse what Django's
own lookups refuse (an expired session, an inactive user, a lapsed membership)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import UserBackend
from cse_portal.sessions import SessionStore
from organisations.middleware import find_membership
from organisations.models import Membership, Organisation, Role
from organisations.tenancy import all_tenants
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_the_user_read_is_the_orm_s_user(lead):
    get_user_model().objects.filter(pk=lead.pk).update(
        last_login=timezone.now(), full_name="Lee Lead"
    )
    expected = get_user_model().objects.get(pk=lead.pk)
    with CaptureQueriesContext(connection) as queries:
        user = UserBackend().get_user(lead.pk)
    assert len(queries) == 1
    assert type(user) is type(expected)
    assert fields(user) == fields(expected)
    assert user._state.adding is False and user._state.db == "default"
    assert user.get_session_auth_hash() == expected.get_session_auth_hash()


def test_no_user_for_an_inactive_unknown_or_malformed_id(lead):
    backend = UserBackend()
    assert backend.get_user(lead.pk + 1000) is None
    assert backend.get_user("not-a-number") is None
    get_user_model().objects.filter(pk=lead.pk).update(is_active=False)
    assert backend.get_user(lead.pk) is None
    assert backend.get_user(str(lead.pk)) is None


def test_the_session_read_is_the_stored_session(lead):
    store = SessionStore()
    store["_auth_user_id"] = str(lead.pk)
    store["note"] = "ünïcode ✓"
    store.create()
    with CaptureQueriesContext(connection) as queries:
        loaded = SessionStore(store.session_key).load()
    assert len(queries) == 1
    assert loaded == {"_auth_user_id": str(lead.pk), "note": "ünïcode ✓"}


def test_an_expired_unknown_or_malformed_session_is_empty(lead):
    store = SessionStore()
    store["_auth_user_id"] = str(lead.pk)
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key on the next save, as Django's store does
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore("short").load() == {}  # refused as malformed before any query


def test_signing_in_through_the_form_uses_both(client, lead, org):
    lead.set_password("a-long-password-1")
    lead.save()
    response = client.post(
        "/accounts/login/", {"username": lead.email, "password": "a-long-password-1"}
    )
    assert response.status_code == 302
    assert client.get(f"/o/{org.slug}/").status_code == 200
    assert client.session["_auth_user_backend"] == "accounts.backends.UserBackend"


def test_the_membership_read_is_the_orm_s(lead, org):
    elsewhere = OrganisationFactory(name="Elsewhere")
    MembershipFactory(user=lead, organisation=elsewhere, role=Role.GOVERNING_BODY)
    with all_tenants("the test compares with the ORM"):
        expected = Membership.objects.select_related("organisation").get(
            user=lead, organisation=org
        )
    with CaptureQueriesContext(connection) as queries:
        membership = find_membership(lead, org.slug)
    assert len(queries) == 1
    assert fields(membership) == fields(expected)
    assert fields(membership.organisation) == fields(expected.organisation)
    assert type(membership.organisation) is Organisation
    assert membership.organisation_count == 2
    assert find_membership(lead, "no-such-organisation") is None


def test_a_lapsed_membership_is_none_and_not_counted(lead, org):
    elsewhere = OrganisationFactory(name="Elsewhere")
    lapsed = MembershipFactory(
        user=lead,
        organisation=elsewhere,
        role=Role.GOVERNING_BODY,
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    assert find_membership(lead, elsewhere.slug) is None
    assert find_membership(lead, org.slug).organisation_count == 1
    Membership.objects.filter(pk=lapsed.pk).update(ends_on=timezone.localdate())
    assert (
        find_membership(lead, elsewhere.slug).role == Role.GOVERNING_BODY
    )  # its last day: current
    assert find_membership(lead, org.slug).organisation_count == 2


def test_another_user_s_memberships_are_not_read(lead, org):
    other = UserFactory(email="someone@example.test")
    assert find_membership(other, org.slug) is None
