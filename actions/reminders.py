"""Action reminders: each owner gets one email listing their unfinished improvement actions
due within ACTION_REMINDER_WINDOW_DAYS or overdue (the same kind as evidence reviews)."""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from actions.queries import due_for_reminder
from organisations.models import current_q
from organisations.tenancy import all_tenants


def _one_line(text: str, limit: int = 140) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


@all_tenants("the daily reminders go to every owner in every organisation")
def send_action_reminders(today: date | None = None) -> int:
    """Email each owner one list of their actions due; returns how many emails were sent.

    Actions whose owner has left the organisation (or who is inactive) are left to the
    organisation's actions list, where quality leads see everything overdue.
    """
    today = today or timezone.localdate()
    by_owner: dict = defaultdict(list)
    for action in due_for_reminder(today).filter(
        current_q(today, prefix="owner__memberships__"),  # the same membership: not lapsed
        owner__is_active=True,
        owner__memberships__organisation=F("organisation"),
    ):
        by_owner[action.owner].append(action)
    site = settings.SITE_URL.rstrip("/")
    sent = 0
    for owner, actions in by_owner.items():
        lines = [
            {
                "action": action,
                "summary": _one_line(action.description),
                "overdue": action.due_date < today,
                "url": site
                + reverse("org:action-detail", args=[action.organisation.slug, action.pk]),
            }
            for action in actions
        ]
        overdue = sum(line["overdue"] for line in lines)
        subject = f"CSE Portal: {len(actions)} improvement action{'s' * (len(actions) != 1)} due"
        if overdue:
            subject += f" ({overdue} overdue)"
        send_mail(
            subject=subject,
            message=render_to_string(
                "actions/email/reminder.txt",
                {"owner": owner, "lines": lines, "today": today},
            ),
            from_email=None,
            recipient_list=[owner.email],
        )
        sent += 1
    return sent
