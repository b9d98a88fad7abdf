"""Celery tasks of the evidence app."""

from celery import shared_task

from evidence.reminders import send_review_reminders


@shared_task(name="evidence.send_review_reminders")
def send_review_reminders_task() -> int:
    """Daily (Celery beat): one email per owner listing their evidence due for review."""
    return send_review_reminders()
