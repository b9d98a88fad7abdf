"""A membership's end date: after its last day it lapses (no access, 404; not listed as an
organisation of the user), shown on the members page, set and cleared by an admin with a
history row, and never a way round the last-admin rule."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.middleware import find_membership
from organisations.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


def end_url(membership: Membership) -> str:
    return reverse("org:member-end-date", args=[membership.organisation.slug, membership.pk])


@pytest.fixture
def admin_membership(org, org_admin) -> Membership:
    return Membership.objects.get(user=org_admin, organisation=org)


@pytest.fixture
def colleague(org) -> Membership:
    return MembershipFactory(
        organisation=org, role=Role.ASSESSOR, user=UserFactory(email="visiting@example.test")
    )


# --- lapsing ---------------------------------------------------------------------------------


def test_the_last_day_still_opens_and_the_day_after_is_404(client, org, colleague):
    client.force_login(colleague.user)
    dashboard = reverse("org:dashboard", args=[org.slug])
    colleague.ends_on = today()
    colleague.save()
    assert client.get(dashboard).status_code == 200
    colleague.ends_on = today() - timedelta(days=1)
    colleague.save()
    assert client.get(dashboard).status_code == 404


def test_a_lapsed_membership_is_none_for_the_api_lookup_too(org, colleague):
    assert find_membership(colleague.user, org.slug) == colleague
    colleague.ends_on = today() - timedelta(days=1)
    colleague.save()
    assert find_membership(colleague.user, org.slug) is None


def test_the_membership_lookup_is_one_unordered_query(org, other_org, colleague):
    """Every tenant request asks it: one query, joining only the organisations (the model's
    ordering would join the user's row too, and sort)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MembershipFactory(user=colleague.user, organisation=other_org, role=Role.QUALITY_LEAD)
    with CaptureQueriesContext(connection) as queries:
        found = find_membership(colleague.user, org.slug)
    assert found == colleague and found.organisation_count == 2
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "ORDER BY" not in sql and "accounts_user" not in sql


def test_a_lapsed_organisation_is_not_listed_as_the_users(client, org, other_org, colleague):
    MembershipFactory(user=colleague.user, organisation=other_org, role=Role.QUALITY_LEAD)
    colleague.ends_on = today() - timedelta(days=1)
    colleague.save()
    assert [m.organisation for m in services.memberships_of(colleague.user)] == [other_org]
    client.force_login(colleague.user)
    # One current organisation left: home goes straight into it.
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("org:dashboard", args=[other_org.slug])
    # And the navigation no longer offers to switch organisation.
    page = client.get(response["Location"])
    assert page.context["nav_organisation_count"] == 1


# --- the members page -----------------------------------------------------------------------


def test_the_members_page_shows_until_and_lapsed(client, org, org_admin, colleague):
    lapsed = MembershipFactory(
        organisation=org, role=Role.QUALITY_LEAD, ends_on=today() - timedelta(days=3)
    )
    colleague.ends_on = date(2099, 3, 31)
    colleague.save()
    client.force_login(org_admin)
    body = client.get(reverse("org:members", args=[org.slug])).content.decode()
    assert 'until <time datetime="2099-03-31">31 March 2099</time>' in body
    gone = today() - timedelta(days=3)
    assert f'lapsed on <time datetime="{gone:%Y-%m-%d}">{gone.day} {gone:%B %Y}</time>' in body
    assert lapsed.user.email in body  # still listed for the admin
    assert end_url(colleague) in body


def test_an_admin_sets_and_clears_an_end_date_with_history(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.post(end_url(colleague), {"ends_on": "2099-03-31"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("org:members", args=[org.slug])
    assert "visiting@example.test has access until 31 March 2099" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.ends_on == date(2099, 3, 31)
    latest = colleague.history.latest()
    assert latest.ends_on == date(2099, 3, 31) and latest.history_user == org_admin

    response = client.post(end_url(colleague), {"ends_on": ""}, follow=True)
    assert "membership has no end date" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.ends_on is None
    assert colleague.history.latest().history_user == org_admin


def test_a_past_date_lapses_at_once_and_says_so(client, org, org_admin, colleague):
    colleague.created_at = timezone.now() - timedelta(days=30)
    colleague.save()
    client.force_login(org_admin)
    yesterday = today() - timedelta(days=1)
    response = client.post(end_url(colleague), {"ends_on": yesterday.isoformat()}, follow=True)
    assert "membership lapsed on" in response.content.decode()
    client.force_login(colleague.user)
    assert client.get(reverse("org:dashboard", args=[org.slug])).status_code == 404


@pytest.mark.parametrize("role", [Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY])
def test_only_admins_set_end_dates(client, org, member_of, colleague, role):
    client.force_login(member_of(org, role))
    assert client.get(end_url(colleague)).status_code == 403
    assert client.post(end_url(colleague), {"ends_on": "2099-01-01"}).status_code == 403
    colleague.refresh_from_db()
    assert colleague.ends_on is None


def test_a_bad_date_is_refused_and_kept(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.post(end_url(colleague), {"ends_on": "31/31/2099"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a real date, for example 2027-03-31" in body
    assert 'value="31/31/2099"' in body  # what was typed stays in the field
    colleague.refresh_from_db()
    assert colleague.ends_on is None


def test_a_last_day_before_joining_is_refused(client, org, org_admin, colleague):
    client.force_login(org_admin)
    response = client.post(end_url(colleague), {"ends_on": "2001-01-01"})
    assert "cannot be before visiting@example.test joined" in response.content.decode()
    assert 'value="2001-01-01"' in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.ends_on is None


# --- the last admin -------------------------------------------------------------------------


def test_the_last_admin_cannot_be_given_an_end_date(client, org, org_admin, admin_membership):
    client.force_login(org_admin)
    response = client.post(end_url(admin_membership), {"ends_on": "2099-01-01"})
    assert "last admin of Acme Care with no end date" in response.content.decode()
    admin_membership.refresh_from_db()
    assert admin_membership.ends_on is None


def test_an_admin_with_an_end_date_does_not_keep_the_organisation(org, admin_membership):
    """Two admins, one of them ending: the open-ended one can neither be removed, demoted nor
    given an end date of their own, or the organisation would be left without an admin."""
    ending = MembershipFactory(organisation=org, role=Role.ADMIN, ends_on=date(2099, 1, 1))
    with pytest.raises(services.LastAdminError):
        services.remove_member(admin_membership, acting_user=None)
    with pytest.raises(services.LastAdminError):
        services.change_role(admin_membership, Role.ASSESSOR, acting_user=None)
    with pytest.raises(services.LastAdminError):
        services.set_end_date(admin_membership, date(2099, 6, 1), acting_user=None)
    # The ending admin may go; so may a lapsed one: the open-ended admin stays.
    services.remove_member(ending, acting_user=None)
    admin_membership.refresh_from_db()
    assert admin_membership.ends_on is None and admin_membership.role == Role.ADMIN


def test_with_another_open_ended_admin_an_admin_may_end(org, org_admin, admin_membership):
    MembershipFactory(organisation=org, role=Role.ADMIN)
    services.set_end_date(admin_membership, date(2099, 1, 1), acting_user=org_admin)
    admin_membership.refresh_from_db()
    assert admin_membership.ends_on == date(2099, 1, 1)


def test_an_admin_ending_their_own_membership_today_is_sent_home(client, org, org_admin):
    MembershipFactory(organisation=org, role=Role.ADMIN)
    mine = Membership.objects.get(user=org_admin, organisation=org)
    client.force_login(org_admin)
    yesterday = today() - timedelta(days=1)
    mine.created_at = timezone.now() - timedelta(days=5)
    mine.save()
    response = client.post(end_url(mine), {"ends_on": yesterday.isoformat()})
    assert response["Location"] == reverse("home")


# --- inviting and adding again ---------------------------------------------------------------


def test_inviting_a_lapsed_member_says_to_clear_the_end_date(client, org, org_admin, colleague):
    colleague.ends_on = today() - timedelta(days=1)
    colleague.save()
    client.force_login(org_admin)
    response = client.post(
        reverse("org:members", args=[org.slug]),
        {"email": "visiting@example.test", "role": "assessor"},
    )
    body = response.content.decode()
    assert "membership of Acme Care lapsed on" in body
    assert "clear or move its end date" in body


def test_add_member_restores_a_lapsed_membership(org, colleague, capsys):
    colleague.ends_on = today() - timedelta(days=1)
    colleague.save()
    call_command("add_member", org.slug, "visiting@example.test", "assessor")
    colleague.refresh_from_db()
    assert colleague.ends_on is None
    assert "had lapsed" in capsys.readouterr().out
