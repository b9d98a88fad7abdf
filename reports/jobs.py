"""Report jobs (reports.models.ReportJob: the board report, the evidence pack): asking for one,
sending its task, claiming it, failing it, finishing it, re-running it. Every rule here is the
same for both kinds; each kind only says how its file is made (``render`` for the board
report, reports.evidence_pack.build for the pack).

A job runs once however often its message is delivered: the task claims the row with a
conditional update (queued → rendering, attempts + 1, started_at) and only the delivery whose
update changed a row works. Attempts are counted in the database, so a job that keeps
killing its worker is failed with a reason after ``MAX_ATTEMPTS``, not retried for ever.

A worker killed mid-job (SIGKILL) leaves the row "rendering" and its message unacknowledged
(``task_acks_late`` + ``task_reject_on_worker_lost``): the broker delivers it again, and the
new delivery may claim a row whose claim is *stale* — started longer ago than the task time
limit, so no live worker can still hold it. A delivery that finds a fresh claim (the worker
lost moments ago) asks to run again once that claim has gone stale (``claim_stale_in``). A
failed job, or one whose claim has gone stale with no delivery left, can be queued again from
the page ("Try again").

The message is sent once the request's transaction has committed (the row exists first). If
the broker cannot be reached then, the job stays queued with no ``sent_at`` and the request
answers as usual: the list says the job waits for the worker service, "Try again" sends it
again, and the sweep (``send_unsent``, every minute on Celery beat) sends every such job once
the broker is back, with queued jobs whose message has waited longer than a claim may live
(the broker lost it: a Redis restarted without its data).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from assessments.models import Assessment
from organisations.models import Organisation
from organisations.tenancy import all_tenants
from reports.models import BoardReport, EvidencePack, ReportJob

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
COVER_FIELDS = (
    "meeting",
    "meeting_date",
    "author",
    "sponsor",
    "purpose",
    "assurance",
    "recommendation",
    "risks",
    "equality_impact",
    "previously_considered_by",
)
ERROR_LENGTH = 2000
# A job asked for this long ago whose message was not sent is sent by the sweep (the request
# that made it sends it on commit, moments after).
UNSENT_GRACE = timedelta(seconds=30)
# Faults of a broker that cannot be reached (kombu raises its OperationalError for a refused
# or lost connection; a socket may raise an OSError of its own).
BROKER_ERRORS = (KombuError, OSError)
# What a page says of a job whose task could not be sent (after "The 2018 … is queued, but").
UNREACHABLE = (
    "the worker service cannot be reached just now, so it will start when the service is "
    "back; this page shows when it is ready."
)

Status = ReportJob.Status
JOB_MODELS: tuple[type[ReportJob], ...] = (BoardReport, EvidencePack)


def task_for(model: type[ReportJob]):
    """The Celery task that runs jobs of this kind (imported late: tasks import this module)."""
    from reports import tasks

    return {BoardReport: tasks.render_board_report, EvidencePack: tasks.build_evidence_pack}[model]


def stale_after() -> timedelta:
    """A claim older than this cannot be held by a live worker: the task's hard time limit
    (which kills the task) plus a margin for the clocks of two machines."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def _stale(now: datetime) -> Q:
    return Q(status=Status.RENDERING, started_at__lt=now - stale_after())


def _claimable(now: datetime) -> Q:
    return Q(status=Status.QUEUED) | _stale(now)


# -- Asking ------------------------------------------------------------------------------------


def previous_cover(organisation: Organisation) -> dict:
    """The cover sheet of the organisation's latest request, offered again (empty: none yet).
    The meeting date is not offered: the next meeting is another day."""
    latest = (
        BoardReport.objects.filter(organisation=organisation)
        .order_by("-requested_at", "-id")
        .values(*COVER_FIELDS)
        .first()
    )
    if latest is None:
        return {}
    latest.pop("meeting_date")
    return latest


def send(job: ReportJob) -> bool:
    """Hand the job's task to the broker now and note when (``job.sent_at`` too). False, with
    the job left queued and unsent, when the broker cannot be reached."""
    model = type(job)
    try:
        task_for(model).delay(job.pk)
    except BROKER_ERRORS as exc:
        logger.warning(
            "%s %s is queued but its task could not be sent (the broker cannot be reached: "
            "%s); it is sent again by the sweep or by Try again",
            model.__name__,
            job.pk,
            exc,
        )
        return False
    job.sent_at = timezone.now()
    model.objects.filter(pk=job.pk).update(sent_at=job.sent_at)
    return True


def enqueue(job: ReportJob) -> None:
    """Send the task once the transaction that made the job visible has committed."""
    transaction.on_commit(lambda: send(job))


@transaction.atomic
def request_board_report(assessment: Assessment, cover: dict, *, acting_user) -> BoardReport:
    """A queued job for ``assessment``'s board report with this cover sheet (its fields are
    ``COVER_FIELDS``, already validated by the form); the task is sent on commit."""
    report = BoardReport.objects.create(
        organisation_id=assessment.organisation_id,
        assessment=assessment,
        requested_by=acting_user,
        **{name: cover[name] for name in COVER_FIELDS if name in cover},
    )
    enqueue(report)
    return report


@transaction.atomic
def request_evidence_pack(assessment: Assessment, *, acting_user) -> EvidencePack:
    """A queued job for ``assessment``'s evidence pack; the task is sent on commit."""
    pack = EvidencePack.objects.create(
        organisation_id=assessment.organisation_id, assessment=assessment, requested_by=acting_user
    )
    enqueue(pack)
    return pack


@transaction.atomic
def retry(job: ReportJob, *, acting_user) -> bool:
    """ "Try again": queue a failed job again (or one whose worker was lost and whose claim
    has gone stale), with its attempts counted afresh; send again a queued job whose message
    never reached the broker. False when it is in no such state (it was re-run meanwhile, or
    it is done). ``job`` is refreshed from the stored row."""
    model = type(job)
    now = timezone.now()
    changed = model.objects.filter(Q(status=Status.FAILED) | _stale(now), pk=job.pk).update(
        status=Status.QUEUED,
        attempts=0,
        error="",
        sent_at=None,
        started_at=None,
        finished_at=None,
    )
    unsent = (
        not changed
        and model.objects.filter(pk=job.pk, status=Status.QUEUED, sent_at__isnull=True).exists()
    )
    job.refresh_from_db()
    if changed or unsent:
        logger.info(
            "%s %s queued again by user %s", model.__name__, job.pk, acting_user and acting_user.pk
        )
        enqueue(job)
    return bool(changed or unsent)


def can_retry(job: ReportJob, now: datetime | None = None) -> bool:
    """Whether the list offers "Try again": failed, lost with its worker, or never sent."""
    if job.status == Status.FAILED or job.unsent:
        return True
    now = now or timezone.now()
    return (
        job.status == Status.RENDERING
        and job.started_at is not None
        and job.started_at < now - stale_after()
    )


@all_tenants("the sweep sends every organisation's unsent jobs")
def send_unsent(now: datetime | None = None) -> int:
    """The sweep: send the task of every queued job whose message never reached the broker
    (asked for while it could not be reached) or has waited longer than a claim may live (the
    broker lost it). A job runs once however often it is sent. Returns how many were sent."""
    now = now or timezone.now()
    waiting = Q(sent_at__isnull=True, requested_at__lt=now - UNSENT_GRACE) | Q(
        sent_at__lt=now - stale_after()
    )
    sent = 0
    for model in JOB_MODELS:
        for job in model.objects.filter(waiting, status=Status.QUEUED).only("pk"):
            if not send(job):
                return sent  # the broker is still away: the next sweep tries again
            sent += 1
    if sent:
        logger.info("Sent %s queued report job(s) whose message had not reached a worker", sent)
    return sent


# -- Running -----------------------------------------------------------------------------------


class Outcome(Enum):
    CLAIMED = "claimed"  # this delivery does the work
    NOTHING = "nothing"  # done, failed, or gone: another delivery had it
    BUSY = "busy"  # another delivery holds a fresh claim: try again once it is stale
    GAVE_UP = "gave up"  # out of attempts: failed with the reason


@dataclass
class Claim:
    outcome: Outcome
    job: ReportJob | None = None
    retry_in: float = 0.0  # seconds, for BUSY


def claim(model: type[ReportJob], job_id: int) -> Claim:
    """Claim the job for this delivery: a conditional update, so two deliveries never both
    work; a job whose attempts are used up is failed here with the reason."""
    now = timezone.now()
    claimable = model.objects.filter(_claimable(now), pk=job_id)
    if claimable.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Status.RENDERING,
        attempts=F("attempts") + 1,
        started_at=now,
        finished_at=None,
        error="",
    ):
        job = model.objects.select_related("assessment", "organisation", "requested_by")
        return Claim(Outcome.CLAIMED, job.get(pk=job_id))
    if claimable.update(
        status=Status.FAILED,
        finished_at=now,
        error=(
            f"The {model.noun} was started {MAX_ATTEMPTS} times and its worker stopped each "
            "time before it was finished. Try again; if it fails again, tell the site's "
            "administrators."
        ),
    ):
        logger.error("%s %s failed after %s attempts", model.__name__, job_id, MAX_ATTEMPTS)
        return Claim(Outcome.GAVE_UP)
    started = (
        model.objects.filter(pk=job_id, status=Status.RENDERING)
        .values_list("started_at", flat=True)
        .first()
    )
    if started is not None:
        wait = (started + stale_after() - now).total_seconds()
        return Claim(Outcome.BUSY, retry_in=max(wait, 1.0))
    return Claim(Outcome.NOTHING)


def _mine(job: ReportJob):
    """This claim of the job (a later claim of the same job is another's)."""
    return type(job).objects.filter(pk=job.pk, status=Status.RENDERING, started_at=job.started_at)


def release(job: ReportJob, error: str) -> bool:
    """After a transient fault: put the claimed job back in the queue for the retry (True),
    or, when its attempts are used up, fail it with ``error`` (False). The retry's message is
    on its way (after its backoff), so ``sent_at`` is now: the sweep leaves it alone."""
    if (
        _mine(job)
        .filter(attempts__lt=MAX_ATTEMPTS)
        .update(status=Status.QUEUED, sent_at=timezone.now())
    ):
        return True
    fail(job, error)
    return False


def fail(job: ReportJob, error: str) -> None:
    """Record the failure of this claim (a later claim of the same job is left alone)."""
    _mine(job).update(status=Status.FAILED, error=error[:ERROR_LENGTH], finished_at=timezone.now())


def finish(job: ReportJob, name: str, **fields) -> bool:
    """Mark this claim done with its stored file and the kind's own figures (the report's
    pages, the pack's size and counts). False: the claim was lost meanwhile."""
    return bool(
        _mine(job).update(
            status=Status.DONE, file=name, finished_at=timezone.now(), error="", **fields
        )
    )


def describe_error(exc: BaseException, job: ReportJob | None = None) -> str:
    """What the requester reads about a failure: plain words, then the technical detail."""
    noun = job.noun if job is not None else BoardReport.noun
    detail = f"{type(exc).__name__}: {exc}".strip()
    return (
        f"The {noun} could not be made. Try again; if it fails again, tell the site's "
        f"administrators, quoting: {detail}"
    )[:ERROR_LENGTH]


def store(job: ReportJob, content) -> str:
    """Write ``content`` (bytes or a File) under the name derived from the job's id,
    replacing an earlier run's."""
    from django.core.files.base import ContentFile, File

    storage = job.file.storage
    name = job.storage_name
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, content if isinstance(content, File) else ContentFile(content))
    if saved != name:  # another run wrote the same name in between: keep one file
        storage.delete(saved)
    return name


# -- The board report ----------------------------------------------------------------------------


def render_pdf(report: BoardReport) -> tuple[bytes, int]:
    """The PDF and its page count, drawn by reports.board_report from the year's data."""
    from reports.board_report import CoverSheet, render_board_report_pdf

    cover = CoverSheet(**{name: getattr(report, name) for name in COVER_FIELDS})
    return render_board_report_pdf(report.assessment, cover)


def render(report: BoardReport) -> None:
    """Render a claimed job, store its file and mark it done. Exceptions reach the caller (the
    task), which decides between a retry and a failure."""
    pdf, pages = render_pdf(report)
    name = store(report, pdf)
    if finish(report, name, pages=pages):
        logger.info("Board report %s done: %s pages", report.pk, pages)
