"""After sign-in: one organisation goes straight in; several offer a choice; none explains."""

import pytest
from django.urls import reverse

from organisations.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_of_one_organisation_goes_straight_in(client, org, lead):
    client.force_login(lead)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("org:dashboard", args=[org.slug])


def test_a_member_of_several_picks_one(client, org, other_org, member_of):
    # (An assessor's home lists what waits in each organisation: tests/dashboard.)
    lead = member_of(org, Role.QUALITY_LEAD)
    from organisations.models import Membership

    Membership.objects.create(user=lead, organisation=other_org, role=Role.GOVERNING_BODY)
    client.force_login(lead)
    body = client.get(reverse("home")).content.decode()
    assert "Choose an organisation" in body
    assert reverse("org:dashboard", args=[org.slug]) in body
    assert reverse("org:dashboard", args=[other_org.slug]) in body


def test_a_user_without_organisation_is_told_what_to_do(client):
    client.force_login(UserFactory())
    body = client.get(reverse("home")).content.decode()
    assert "not a member of any organisation" in body


def test_sign_in_with_email_address(client, org, lead):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login"), {"username": lead.email.upper(), "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("org:dashboard", args=[org.slug])


def test_health_check(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
