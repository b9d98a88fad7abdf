"""Celery tasks of the reports app: one thin task a kind of job, each handing its id and its
work to ``run_job``, and the sweep that sends jobs whose message never reached the broker. The
rules of the jobs are in reports.jobs."""

import contextlib
import logging
import time
from collections.abc import Callable

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from organisations.tenancy import all_tenants, tenant
from reports import jobs
from reports.models import BoardReport, EvidencePack, ReportJob

logger = logging.getLogger(__name__)

# Faults that pass: the database restarting, a lost connection, a full disk freed again.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
# A delivery that meets another's fresh claim looks again this often (seconds) until the claim
# is stale or the job finished.
BUSY_POLL = 10

# What every job task shares. The outcome is in the job's row, so no result is stored: sending
# the task then never waits on the result store (with Redis results, a task whose result is
# kept subscribes to it before it is sent, and a Redis that cannot be reached held the request
# for 20 seconds and then raised RuntimeError).
JOB_TASK = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": TRANSIENT,
    "max_retries": jobs.MAX_ATTEMPTS + 1,  # the attempts counted in the database stop it first
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
}


# After a database fault the job's own bookkeeping (putting the claim back, failing it) is
# tried on a fresh connection, this many times this many seconds apart: a restarting database
# is back within that, and the retry can then claim the job at once instead of waiting for
# the claim to go stale (minutes).
BOOKKEEPING_TRIES = 10
BOOKKEEPING_WAIT = 3


def reconnect() -> None:
    """Drop the connection that failed (it may be broken): the next query opens a new one. A
    connection inside a transaction (a test's) is the transaction's, and is kept."""
    if connection.in_atomic_block:
        return
    with contextlib.suppress(DatabaseError):
        connection.close()


def on_fresh_connection(fn: Callable, *args):
    """``fn(*args)`` on a new database connection, tried again while the database is away
    (the last fault is raised)."""
    for attempt in range(BOOKKEEPING_TRIES):
        reconnect()
        try:
            return fn(*args)
        except (OperationalError, InterfaceError):
            if attempt == BOOKKEEPING_TRIES - 1:
                raise
            logger.warning("The database is not answering yet; trying again")
            time.sleep(BOOKKEEPING_WAIT)
    return None


def busy_retries() -> int:
    """Enough looks to outlast a claim, and the attempts' retries besides."""
    return int(jobs.stale_after().total_seconds() // BUSY_POLL) + 2 * jobs.MAX_ATTEMPTS + 2


def run_job(task, model: type[ReportJob], job_id: int, work: Callable[[ReportJob], None]) -> str:
    """Claim job ``job_id`` of ``model`` and do ``work`` on it once, however often this
    message is delivered; transient faults retry with backoff, others fail the job with the
    reason the list shows. It runs as the job's organisation (tenancy.tenant), read first by
    the job's id alone."""
    with all_tenants("a job's task knows only its id until its row names the organisation"):
        organisation_id = (
            model.objects.filter(pk=job_id).values_list("organisation_id", flat=True).first()
        )
    if organisation_id is None:  # the job was deleted with its year: nothing to claim
        return jobs.Outcome.NOTHING.value
    with tenant(organisation_id):
        return _run_claimed(task, model, job_id, work)


def _run_claimed(
    task, model: type[ReportJob], job_id: int, work: Callable[[ReportJob], None]
) -> str:
    claimed = jobs.claim(model, job_id)
    if claimed.outcome is jobs.Outcome.BUSY:
        # Another delivery holds a fresh claim; if its worker was lost, the claim goes stale
        # and this delivery takes the job over then (a finished job is left alone).
        raise task.retry(countdown=min(claimed.retry_in, BUSY_POLL), max_retries=busy_retries())
    if claimed.outcome is not jobs.Outcome.CLAIMED:
        return claimed.outcome.value
    job = claimed.job
    try:
        work(job)
    except TRANSIENT as exc:
        logger.warning("%s %s: transient fault, retrying: %s", model.__name__, job_id, exc)
        error = jobs.describe_error(exc, job)
        if task.request.retries >= (task.max_retries or 0):  # no retry left: fail it now
            on_fresh_connection(jobs.fail, job, error)
            return "failed"
        if on_fresh_connection(jobs.release, job, error):
            raise
        return "failed"
    except SoftTimeLimitExceeded:
        jobs.fail(
            job,
            f"The {job.noun} took too long to make and was stopped. Try again; if it fails "
            "again, tell the site's administrators.",
        )
        return "failed"
    except Exception as exc:  # a fault in the data or the drawing: retrying will not help
        logger.exception("%s %s failed", model.__name__, job_id)
        jobs.fail(job, jobs.describe_error(exc, job))
        return "failed"
    return "done"


@shared_task(name="reports.render_board_report", **JOB_TASK)
def render_board_report(self, report_id: int) -> str:
    """Render board report ``report_id`` once, however often this message is delivered."""
    return run_job(self, BoardReport, report_id, jobs.render)


@shared_task(name="reports.build_evidence_pack", **JOB_TASK)
def build_evidence_pack(self, pack_id: int) -> str:
    """Build evidence pack ``pack_id`` once, however often this message is delivered."""
    from reports import evidence_pack

    return run_job(self, EvidencePack, pack_id, evidence_pack.build)


@shared_task(name="reports.send_unsent_jobs", ignore_result=True)
def send_unsent_jobs() -> int:
    """Celery beat, every minute: send the jobs asked for while the broker was away."""
    return jobs.send_unsent()
