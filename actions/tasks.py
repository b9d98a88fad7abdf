"""Celery tasks of the actions app."""

from celery import shared_task

from actions.reminders import send_action_reminders


@shared_task(name="actions.send_action_reminders")
def send_action_reminders_task() -> int:
    """Daily (Celery beat): one email per owner listing their actions due or overdue."""
    return send_action_reminders()
