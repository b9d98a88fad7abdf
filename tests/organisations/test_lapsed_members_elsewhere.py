"""A lapsed membership gives no access anywhere: its person gets no reminders, cannot be made
the owner of evidence or an action, is not offered as an owner, and has no role for the
actions' rules."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from actions import services as action_services
from actions.reminders import send_action_reminders
from evidence import queries as evidence_queries
from evidence import services as evidence_services
from evidence.reminders import send_review_reminders
from organisations.models import Membership, Role
from tests.factories import ActionFactory, AssessmentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed(org, member_of):
    user = member_of(org, Role.QUALITY_LEAD)
    Membership.objects.filter(user=user, organisation=org).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    return user


def test_no_evidence_reminder_for_a_lapsed_owner(org, lapsed):
    EvidenceFactory(
        organisation=org, owner=lapsed, review_by=timezone.localdate() + timedelta(days=3)
    )
    assert send_review_reminders() == 0
    assert mail.outbox == []


def test_no_action_reminder_for_a_lapsed_owner(org, lapsed):
    ActionFactory(
        raised_in=AssessmentFactory(organisation=org),
        owner=lapsed,
        due_date=timezone.localdate() - timedelta(days=1),
    )
    assert send_action_reminders() == 0
    assert mail.outbox == []


def test_a_lapsed_member_cannot_own_new_evidence(org, lead, lapsed):
    with pytest.raises(ValidationError):
        evidence_services.add_note(org, "Minutes", acting_user=lead, title="Note", owner=lapsed)


def test_a_lapsed_member_is_not_offered_as_owner(org, lead, lapsed):
    people = evidence_queries.members(org)
    assert lead in people and lapsed not in people


def test_a_lapsed_member_has_no_role_for_the_actions_rules(org, lapsed):
    assert action_services.role_of(org.pk, lapsed) == ""
