"""Celery tasks of the reports app. The rules of the job are in reports.jobs."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from reports import jobs

logger = logging.getLogger(__name__)

# Faults that pass: the database restarting, a lost connection, a full disk freed again.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
# A delivery that meets another's fresh claim looks again this often (seconds) until the claim
# is stale or the job finished.
BUSY_POLL = 10


def busy_retries() -> int:
    """Enough looks to outlast a claim, and the attempts' retries besides."""
    return int(jobs.stale_after().total_seconds() // BUSY_POLL) + 2 * jobs.MAX_ATTEMPTS + 2


@shared_task(
    bind=True,
    name="reports.render_board_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    max_retries=jobs.MAX_ATTEMPTS + 1,  # the attempts counted in the database stop it first
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def render_board_report(self, report_id: int) -> str:
    """Render board report ``report_id`` once, however often this message is delivered."""
    claimed = jobs.claim(report_id)
    if claimed.outcome is jobs.Outcome.BUSY:
        # Another delivery holds a fresh claim; if its worker was lost, the claim goes stale
        # and this delivery takes the job over then (a finished job is left alone).
        raise self.retry(countdown=min(claimed.retry_in, BUSY_POLL), max_retries=busy_retries())
    if claimed.outcome is not jobs.Outcome.CLAIMED:
        return claimed.outcome.value
    report = claimed.report
    try:
        jobs.render(report)
    except TRANSIENT as exc:
        logger.warning("Board report %s: transient fault, retrying: %s", report_id, exc)
        if self.request.retries >= (self.max_retries or 0):  # no retry left: fail it now
            jobs.fail(report, jobs.describe_error(exc))
            return "failed"
        if jobs.release(report, jobs.describe_error(exc)):
            raise
        return "failed"
    except SoftTimeLimitExceeded:
        jobs.fail(
            report,
            "The report took too long to make and was stopped. Try again; if it fails again, "
            "tell the site's administrators.",
        )
        return "failed"
    except Exception as exc:  # a fault in the data or the drawing: retrying will not help
        logger.exception("Board report %s failed", report_id)
        jobs.fail(report, jobs.describe_error(exc))
        return "failed"
    return "done"
