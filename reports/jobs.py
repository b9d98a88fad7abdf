"""The board report job: asking for one, claiming it, rendering it, failing it, re-running it.

A job runs once however often its message is delivered: the task claims the row with a
conditional update (queued → rendering, attempts + 1, started_at) and only the delivery whose
update changed a row renders. Attempts are counted in the database, so a job that keeps
killing its worker is failed with a reason after ``MAX_ATTEMPTS``, not retried for ever.

A worker killed mid-job (SIGKILL) leaves the row "rendering" and its message unacknowledged
(``task_acks_late`` + ``task_reject_on_worker_lost``): the broker delivers it again, and the
new delivery may claim a row whose claim is *stale* — started longer ago than the task time
limit, so no live worker can still hold it. A delivery that finds a fresh claim (the worker
lost moments ago) asks to run again once that claim has gone stale (``claim_stale_in``). A
failed job, or one whose claim has gone stale with no delivery left, can be queued again from
the page ("Try again").
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments.models import Assessment
from organisations.models import Organisation
from reports.models import BoardReport

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

Status = BoardReport.Status


def stale_after() -> timedelta:
    """A claim older than this cannot be held by a live worker: the task's hard time limit
    (which kills the task) plus a margin for the clocks of two machines."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


def _claimable(now: datetime) -> Q:
    return Q(status=Status.QUEUED) | Q(status=Status.RENDERING, started_at__lt=now - stale_after())


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


def enqueue(report_id: int) -> None:
    """Send the task once the transaction that made the job visible has committed."""
    from reports.tasks import render_board_report

    transaction.on_commit(lambda: render_board_report.delay(report_id))


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
    enqueue(report.pk)
    return report


@transaction.atomic
def retry_board_report(report: BoardReport, *, acting_user) -> bool:
    """Queue a failed job again (or one whose worker was lost and whose claim has gone
    stale), with its attempts counted afresh. False when it is not in such a state (it was
    re-run meanwhile, or it is done). ``report`` is refreshed from the stored row."""
    now = timezone.now()
    stale = Q(status=Status.RENDERING, started_at__lt=now - stale_after())
    changed = BoardReport.objects.filter(Q(status=Status.FAILED) | stale, pk=report.pk).update(
        status=Status.QUEUED, attempts=0, error="", started_at=None, finished_at=None
    )
    if changed:
        logger.info(
            "Board report %s queued again by user %s", report.pk, acting_user and acting_user.pk
        )
        enqueue(report.pk)
    report.refresh_from_db()
    return bool(changed)


def can_retry(report: BoardReport, now: datetime | None = None) -> bool:
    if report.status == Status.FAILED:
        return True
    now = now or timezone.now()
    return (
        report.status == Status.RENDERING
        and report.started_at is not None
        and report.started_at < now - stale_after()
    )


# -- Running -----------------------------------------------------------------------------------


class Outcome(Enum):
    CLAIMED = "claimed"  # this delivery renders
    NOTHING = "nothing"  # done, failed, or gone: another delivery had it
    BUSY = "busy"  # another delivery holds a fresh claim: try again once it is stale
    GAVE_UP = "gave up"  # out of attempts: failed with the reason


@dataclass
class Claim:
    outcome: Outcome
    report: BoardReport | None = None
    retry_in: float = 0.0  # seconds, for BUSY


def claim(report_id: int) -> Claim:
    """Claim the job for this delivery: a conditional update, so two deliveries never both
    render; a job whose attempts are used up is failed here with the reason."""
    now = timezone.now()
    claimable = BoardReport.objects.filter(_claimable(now), pk=report_id)
    if claimable.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Status.RENDERING,
        attempts=F("attempts") + 1,
        started_at=now,
        finished_at=None,
        error="",
    ):
        return Claim(
            Outcome.CLAIMED, BoardReport.objects.select_related("assessment").get(pk=report_id)
        )
    if claimable.update(
        status=Status.FAILED,
        finished_at=now,
        error=(
            f"The report was started {MAX_ATTEMPTS} times and its worker stopped each time "
            "before it was finished. Try again; if it fails again, tell the site's "
            "administrators."
        ),
    ):
        logger.error("Board report %s failed after %s attempts", report_id, MAX_ATTEMPTS)
        return Claim(Outcome.GAVE_UP)
    started = (
        BoardReport.objects.filter(pk=report_id, status=Status.RENDERING)
        .values_list("started_at", flat=True)
        .first()
    )
    if started is not None:
        wait = (started + stale_after() - now).total_seconds()
        return Claim(Outcome.BUSY, retry_in=max(wait, 1.0))
    return Claim(Outcome.NOTHING)


def release(report: BoardReport, error: str) -> bool:
    """After a transient fault: put the claimed job back in the queue for the retry (True),
    or, when its attempts are used up, fail it with ``error`` (False)."""
    mine = BoardReport.objects.filter(
        pk=report.pk, status=Status.RENDERING, started_at=report.started_at
    )
    if mine.filter(attempts__lt=MAX_ATTEMPTS).update(status=Status.QUEUED):
        return True
    fail(report, error)
    return False


def fail(report: BoardReport, error: str) -> None:
    """Record the failure of this claim (a later claim of the same job is left alone)."""
    BoardReport.objects.filter(
        pk=report.pk, status=Status.RENDERING, started_at=report.started_at
    ).update(status=Status.FAILED, error=error[:ERROR_LENGTH], finished_at=timezone.now())


def describe_error(exc: BaseException) -> str:
    """What the requester reads about a failure: plain words, then the technical detail."""
    detail = f"{type(exc).__name__}: {exc}".strip()
    return (
        "The report could not be made. Try again; if it fails again, tell the site's "
        f"administrators, quoting: {detail}"
    )[:ERROR_LENGTH]


def render_pdf(report: BoardReport) -> tuple[bytes, int]:
    """The PDF and its page count, drawn by reports.board_report from the year's data."""
    from reports.board_report import CoverSheet, render_board_report_pdf

    cover = CoverSheet(**{name: getattr(report, name) for name in COVER_FIELDS})
    return render_board_report_pdf(report.assessment, cover)


def store(report: BoardReport, pdf: bytes) -> str:
    """Write the PDF under the name derived from the job's id (replacing an earlier run's)."""
    from django.core.files.base import ContentFile

    storage = report.file.storage
    name = report.storage_name
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(pdf))
    if saved != name:  # another run wrote the same name in between: keep one file
        storage.delete(saved)
    return name


def finish(report: BoardReport, name: str, pages: int) -> bool:
    """Mark this claim done with its file and page count (False: the claim was lost)."""
    return bool(
        BoardReport.objects.filter(
            pk=report.pk, status=Status.RENDERING, started_at=report.started_at
        ).update(status=Status.DONE, file=name, pages=pages, finished_at=timezone.now(), error="")
    )


def render(report: BoardReport) -> None:
    """Render a claimed job, store its file and mark it done. Exceptions reach the caller (the
    task), which decides between a retry and a failure."""
    pdf, pages = render_pdf(report)
    name = store(report, pdf)
    if finish(report, name, pages):
        logger.info("Board report %s done: %s pages", report.pk, pages)
