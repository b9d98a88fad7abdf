"""Daily review reminders: one email per owner listing their items due within 30 days."""

import inspect
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cse_portal.celery import app
from evidence import queries, reminders
from evidence.models import Evidence
from evidence.queries import due_for_review
from evidence.reminders import send_review_reminders
from organisations.models import Role
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


def test_each_owner_gets_one_email_listing_their_items(org, member_of, mailoutbox):
    lead = member_of(org, Role.QUALITY_LEAD)
    admin = member_of(org, Role.ADMIN)
    EvidenceFactory(
        organisation=org, owner=lead, title="Complaints policy", review_by=TODAY - timedelta(days=2)
    )
    EvidenceFactory(
        organisation=org, owner=lead, title="Survey 2026", review_by=TODAY + timedelta(days=30)
    )
    EvidenceFactory(
        organisation=org, owner=lead, title="Far off", review_by=TODAY + timedelta(days=31)
    )
    EvidenceFactory(
        organisation=org, owner=admin, title="Privacy notice", review_by=TODAY + timedelta(days=1)
    )
    EvidenceFactory(organisation=org, owner=admin, title="No date", review_by=None)
    # fmt: skip

    assert send_review_reminders(TODAY) == 2

    by_recipient = {m.to[0]: m for m in mailoutbox}
    lead_mail = by_recipient[lead.email].body
    assert "Complaints policy" in lead_mail and "OVERDUE" in lead_mail
    assert "Survey 2026" in lead_mail
    assert "Far off" not in lead_mail
    assert f"/o/{org.slug}/evidence/" in lead_mail
    assert "2 evidence items due" in by_recipient[lead.email].subject
    assert "Privacy notice" in by_recipient[admin.email].body


def test_an_owner_who_left_the_organisation_is_not_emailed(org, member_of, mailoutbox):
    leaver = member_of(org, Role.QUALITY_LEAD)
    EvidenceFactory(organisation=org, owner=leaver, review_by=TODAY)
    leaver.memberships.all().delete()
    assert send_review_reminders(TODAY) == 0
    assert mailoutbox == []
    assert due_for_review(TODAY).count() == 1  # still on the dashboard


def test_nothing_due_sends_nothing(org, mailoutbox):
    assert send_review_reminders(TODAY) == 0
    assert mailoutbox == []


def test_the_reminder_runs_daily_on_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["evidence-review-reminders"]
    app.loader.import_default_modules()  # what a worker does on start: autodiscovery
    assert entry["task"] == "evidence.send_review_reminders"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {7}


def test_one_due_for_review_query_for_the_reminders_and_the_dashboard():
    """The reminder emails and the dashboard's list answer "what is due" with one function."""
    from dashboard import views as dashboard

    assert reminders.due_for_review is queries.due_for_review
    # The dashboard reads the first of them as values (queries.due_items), through the same
    # rule: the items due by the same last date (review_until, due_by).
    assert dashboard.due_items is queries.due_items
    assert "due_by(review_until(" in inspect.getsource(queries.due_for_review)
    assert "review_until(today)" in inspect.getsource(queries.due_items)
    assert "due_by(until)" in inspect.getsource(queries._due_items_query)
    assert not hasattr(Evidence.objects, "due_for_review")  # no second way on the model


def test_the_dashboards_due_items_are_those_due_for_review(org, lead):
    """What the dashboard lists is due_for_review's answer, in its order, with the owner's
    name (or nobody's) and whether it is overdue."""
    today = timezone.localdate()
    EvidenceFactory(organisation=org, title="B later", review_by=today + timedelta(days=3))
    EvidenceFactory(organisation=org, title="A overdue", review_by=today - timedelta(days=1))
    EvidenceFactory(organisation=org, title="Unowned", review_by=today, owner=None)
    EvidenceFactory(organisation=org, title="Far", review_by=today + timedelta(days=400))
    expected = list(due_for_review().filter(organisation=org))
    items = queries.due_items(org, 10)
    assert [(i.pk, i.title, i.review_by, i.is_overdue) for i in items] == [
        (e.pk, e.title, e.review_by, e.is_overdue) for e in expected
    ]
    assert [i.owner_name for i in items] == [
        e.owner.get_full_name() if e.owner else "" for e in expected
    ]
    assert [i.title for i in queries.due_items(org, 2)] == ["A overdue", "Unowned"]


def test_the_window_is_the_setting(org, settings):
    settings.EVIDENCE_REVIEW_WINDOW_DAYS = 5
    EvidenceFactory(organisation=org, title="Soon", review_by=TODAY + timedelta(days=5))
    EvidenceFactory(organisation=org, title="Later", review_by=TODAY + timedelta(days=6))
    assert [item.title for item in due_for_review(TODAY)] == ["Soon"]
