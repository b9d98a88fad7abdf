"""Daily action reminders (one email per owner), and what the actions app answers others:
the dashboard's counts and the pre-finalise check's refs, through assessments.linked_actions."""

from datetime import date, timedelta

import pytest
from django.conf import settings

from actions import queries
from actions.reminders import send_action_reminders
from actions.year_actions import YearActions
from assessments import linked_actions
from cse_portal.celery import app
from organisations.models import Role
from standards.models import Element
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


def element(year, ref):
    return Element.objects.get(standard=year.standard, ref=ref)


def test_each_owner_gets_one_email_listing_their_actions(y2018, member_of, mailoutbox, org):
    lead = member_of(org, Role.QUALITY_LEAD)
    admin = member_of(org, Role.ADMIN)
    pc = element(y2018, "2.1.4")
    ActionFactory(
        raised_in=y2018,
        element=pc,
        owner=lead,
        description="Late\nand multi-line",
        due_date=TODAY - timedelta(days=2),
    )
    ActionFactory(
        raised_in=y2018,
        element=pc,
        owner=lead,
        description="Soon",
        due_date=TODAY + timedelta(days=settings.ACTION_REMINDER_WINDOW_DAYS),
    )
    ActionFactory(
        raised_in=y2018,
        element=pc,
        owner=lead,
        description="Far off",
        due_date=TODAY + timedelta(days=settings.ACTION_REMINDER_WINDOW_DAYS + 1),
    )
    ActionFactory(
        raised_in=y2018,
        element=pc,
        owner=lead,
        description="Done already",
        status="done",
        due_date=TODAY - timedelta(days=5),
    )
    ActionFactory(
        raised_in=y2018,
        element=pc,
        owner=admin,
        description="Admin's",
        status="in_progress",
        due_date=TODAY,
    )
    ActionFactory(raised_in=y2018, element=pc, owner=None, due_date=TODAY)  # fmt: skip

    assert send_action_reminders(TODAY) == 2

    by_recipient = {m.to[0]: m for m in mailoutbox}
    mail = by_recipient[lead.email]
    assert mail.subject == "CSE Portal: 2 improvement actions due (1 overdue)"
    assert "Late and multi-line" in mail.body and "OVERDUE" in mail.body
    assert "Soon" in mail.body and "2.1.4" in mail.body
    assert "Far off" not in mail.body and "Done already" not in mail.body
    assert f"/o/{org.slug}/actions/" in mail.body
    assert "Admin's" in by_recipient[admin.email].body


def test_an_owner_who_left_is_not_emailed(y2018, member_of, mailoutbox, org):
    leaver = member_of(org, Role.QUALITY_LEAD)
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"), owner=leaver, due_date=TODAY)
    leaver.memberships.all().delete()
    assert send_action_reminders(TODAY) == 0
    assert mailoutbox == []


def test_the_reminder_runs_daily_on_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["action-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] == "actions.send_action_reminders"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {7}


def test_open_and_overdue_for_the_dashboard(y2018, org, other_org):
    pc = element(y2018, "2.1.4")
    ActionFactory(raised_in=y2018, element=pc, due_date=TODAY - timedelta(days=1))
    ActionFactory(raised_in=y2018, element=pc, status="in_progress", due_date=TODAY)
    ActionFactory(raised_in=y2018, element=pc, status="done", due_date=TODAY - timedelta(days=9))
    ActionFactory(element=pc, raised_in__organisation=other_org, due_date=TODAY - timedelta(days=1))
    assert queries.open_and_overdue(org, TODAY) == queries.ActionCounts(unfinished=2, overdue=1)


def test_refs_with_actions_for_the_pre_finalise_check(y2018, y2017, org):
    """An action in hand: raised in the year (any status), or earlier and not yet verified."""
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"), status="verified")
    ActionFactory(raised_in=y2017, element=element(y2017, "4.1.2"), status="in_progress")
    ActionFactory(raised_in=y2017, element=element(y2017, "5.3.2"), status="verified")
    assert queries.refs_with_actions(y2018) == {"2.1.4", "4.1.2"}
    assert queries.refs_with_actions(y2017) == {"4.1.2", "5.3.2"}
    # Assessments asks through its interface, answered by the actions app.
    assert isinstance(linked_actions.provider(), YearActions)
    assert linked_actions.provider().refs_with_actions(y2018) == {"2.1.4", "4.1.2"}
    assert linked_actions.provider().unfinished_counts(y2018) == {"4.1.2": 1}


def test_the_interface_answers_nothing_without_the_app(y2018):
    none = linked_actions.NoActions()
    assert none.refs_with_actions(y2018) == set() and none.unfinished_counts(y2018) == {}
