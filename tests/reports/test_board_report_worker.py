"""Board reports in a real Celery worker process (tests/worker.py), on the test database:
a report asked for is rendered and marked done; a worker killed mid-job (SIGKILL) does not
leave the job "rendering". Both need a database the worker can share (PostgreSQL; in CI with
Redis as the broker)."""

import os
import signal
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from reports import jobs
from reports.models import BoardReport
from reports.tasks import render_board_report
from tests.worker import SHARED_DATABASE, wait_for_status, worker_process

pytestmark = SHARED_DATABASE

Status = BoardReport.Status
COVER = {
    "meeting": "Board of Directors",
    "meeting_date": date(2019, 5, 3),
    "author": "Jo Bloggs",
    "sponsor": "Chief Executive",
    "purpose": "information",
    "assurance": "substantial",
    "recommendation": "The Board is asked to note the outcome.",
}


def remove_file(report: BoardReport) -> None:
    if report.file:
        report.file.storage.delete(report.file.name)


def test_a_worker_renders_a_requested_report(celery_worker_process, y2018, lead):
    report = jobs.request_board_report(y2018, COVER, acting_user=lead)  # sent on commit
    try:
        wait_for_status(report, {Status.DONE, Status.FAILED}, timeout=120)
        assert report.status == Status.DONE, report.error
        assert report.attempts == 1 and report.pages >= 5
        assert report.file.name == report.storage_name
        pdf = report.file.read()
        assert pdf.startswith(b"%PDF")
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "Board of Directors" in text and y2018.organisation.name in text
    finally:
        remove_file(report)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_a_worker_killed_mid_job_does_not_leave_it_rendering(y2018, lead, tmp_path):
    """A prefork worker whose child is killed (SIGKILL) mid-job: the message comes back
    (acks_late + reject_on_worker_lost), meets the dead worker's claim, and looks again until
    the claim is stale — here made stale by moving its start back past the time limit, as the
    time limit passing would — then takes the job over and finishes it."""
    queue = f"kill-test-{os.getpid()}"
    report = BoardReport.objects.create(
        organisation=y2018.organisation, assessment=y2018, requested_by=lead, **COVER
    )
    try:
        with worker_process(tmp_path / "worker.log", pool="prefork", queue=queue) as worker:
            render_board_report.apply_async(args=[report.pk], queue=queue)
            wait_for_status(report, {Status.RENDERING}, timeout=60)
            [child] = children(worker.pid)
            os.kill(child, signal.SIGKILL)
            # The message is delivered again and meets the killed job's fresh claim.
            time.sleep(3)
            report.refresh_from_db()
            assert report.status == Status.RENDERING and report.attempts == 1
            BoardReport.objects.filter(pk=report.pk).update(
                started_at=timezone.now() - jobs.stale_after() - timedelta(seconds=1)
            )
            wait_for_status(report, {Status.DONE, Status.FAILED}, timeout=120)
            assert report.status == Status.DONE, report.error
            assert report.attempts == 2
    finally:
        remove_file(report)
