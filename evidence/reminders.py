"""Review reminders: each owner gets one email listing their evidence due for review."""

from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from evidence.queries import due_for_review
from organisations.models import current_q
from organisations.tenancy import all_tenants


@all_tenants("the daily reminders go to every owner in every organisation")
def send_review_reminders(today: date | None = None) -> int:
    """Email each owner one list of their items due; returns how many emails were sent.

    Items whose owner has left the organisation (or has no owner) are left to the
    organisation's dashboard, where quality leads see everything due.
    """
    today = today or timezone.localdate()
    by_owner: dict = defaultdict(list)
    for item in due_for_review(today).filter(
        current_q(today, prefix="owner__memberships__"),  # the same membership: not lapsed
        owner__isnull=False,
        owner__is_active=True,
        owner__memberships__organisation=F("organisation"),
    ):
        by_owner[item.owner].append(item)
    sent = 0
    for owner, items in by_owner.items():
        lines = [
            {
                "item": item,
                "overdue": item.review_by < today,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("org:evidence-detail", args=[item.organisation.slug, item.pk]),
            }
            for item in items
        ]
        context = {"owner": owner, "lines": lines, "today": today}
        send_mail(
            subject=f"CSE Portal: {len(items)} evidence item{'s' * (len(items) != 1)} "
            "due for review",
            message=render_to_string("email/review_reminder.txt", context),
            from_email=None,
            recipient_list=[owner.email],
        )
        sent += 1
    return sent
