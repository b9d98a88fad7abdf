"""The dashboard: years with their figures, and evidence due for review for those who edit it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Role
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_items(org):
    today = timezone.localdate()
    return [
        EvidenceFactory(
            organisation=org, title="Complaints policy", review_by=today - timedelta(3)
        ),
        EvidenceFactory(organisation=org, title="Survey results", review_by=today + timedelta(30)),
        EvidenceFactory(organisation=org, title="Next year", review_by=today + timedelta(31)),
    ]


@pytest.mark.parametrize("role", [Role.QUALITY_LEAD, Role.ADMIN])
def test_editors_see_evidence_due_within_30_days(client, org, member_of, due_items, role):
    client.force_login(member_of(org, role))
    body = client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    assert "Evidence due for review in the next 30 days" in body
    assert "Complaints policy" in body and "Overdue since" in body
    assert "Survey results" in body
    assert "Next year" not in body


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.GOVERNING_BODY])
def test_others_do_not_get_the_review_list(client, org, member_of, due_items, role):
    client.force_login(member_of(org, role))
    body = client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    assert "Evidence due for review" not in body


def test_another_organisations_evidence_never_shows(client, org, other_org, lead, due_items):
    EvidenceFactory(organisation=other_org, title="Elsewhere policy",
                    review_by=timezone.localdate())  # fmt: skip
    client.force_login(lead)
    body = client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    assert "Elsewhere policy" not in body


def test_a_forbidden_action_explains_itself(client, org, member_of):
    board = member_of(org, Role.GOVERNING_BODY)
    client.force_login(board)
    response = client.get(reverse("org:evidence-add", args=[org.slug]))
    assert response.status_code == 403
    assert b"You can't do that here" in response.content
    assert b"In Acme Care you are a member of the governing body." in response.content
