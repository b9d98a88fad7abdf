"""The board report job: claimed once however often delivered, attempts counted in the
database, transient faults retried, failures stored and re-run, a stale claim taken over.

The task runs in this process through ``apply()`` (one call, not eager mode) with the PDF
drawing replaced by a double; tests/reports/test_board_report_worker.py runs the real thing
in a real worker.
"""

import subprocess
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone

from reports import jobs
from reports.models import BoardReport
from reports.tasks import render_board_report
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

Status = BoardReport.Status
PDF = b"%PDF-1.7\n% a test double\n%%EOF\n"

COVER = {
    "meeting": "Board of Directors, 3 May 2019",
    "meeting_date": date(2019, 5, 3),
    "author": "Jo Bloggs, Quality Lead",
    "sponsor": "Chief Executive",
    "purpose": "information",
    "assurance": "substantial",
    "recommendation": "The Board is asked to note the outcome.",
    "risks": "None new.",
    "equality_impact": "None.",
    "previously_considered_by": "Quality Committee",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def drawn(monkeypatch):
    """The renderer replaced by a double that records the reports it was asked for."""
    calls = []

    def render_pdf(report):
        calls.append(report.pk)
        return PDF, 7

    monkeypatch.setattr(jobs, "render_pdf", render_pdf)
    return calls


@pytest.fixture
def report(org, lead, django_capture_on_commit_callbacks, monkeypatch) -> BoardReport:
    sent = []
    monkeypatch.setattr(render_board_report, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        made = jobs.request_board_report(
            AssessmentFactory(organisation=org, year=2018), COVER, acting_user=lead
        )
    assert sent == [(made.pk,)]  # queued on commit, by id
    return made


def run(report_id: int) -> str:
    return render_board_report.apply(args=[report_id]).get()


def test_a_job_runs_and_stores_its_file_under_its_id(report, drawn):
    assert report.status == Status.QUEUED and report.attempts == 0
    assert run(report.pk) == "done"
    report.refresh_from_db()
    assert report.status == Status.DONE
    assert report.attempts == 1 and report.pages == 7 and report.error == ""
    assert report.file.name == f"reports/{report.organisation_id}/board-report-{report.pk}.pdf"
    assert report.file.read() == PDF
    assert report.started_at <= report.finished_at and report.seconds is not None


def test_a_second_delivery_does_nothing(report, drawn):
    assert run(report.pk) == "done"
    assert run(report.pk) == "nothing"
    assert drawn == [report.pk]
    report.refresh_from_db()
    assert report.attempts == 1 and report.status == Status.DONE


def test_a_delivery_for_a_deleted_job_does_nothing(report, drawn):
    BoardReport.objects.filter(pk=report.pk).delete()
    assert run(report.pk) == "nothing"
    assert drawn == []


def test_two_claims_only_one_wins(report):
    first = jobs.claim(BoardReport, report.pk)
    second = jobs.claim(BoardReport, report.pk)
    assert first.outcome is jobs.Outcome.CLAIMED
    assert second.outcome is jobs.Outcome.BUSY  # a fresh claim: ask again once it is stale
    assert 0 < second.retry_in <= jobs.stale_after().total_seconds()


def test_a_job_that_keeps_killing_its_worker_fails_after_max_attempts(report, drawn):
    stale = timezone.now() - jobs.stale_after() - timedelta(seconds=1)
    for _attempt in range(jobs.MAX_ATTEMPTS):
        claimed = jobs.claim(BoardReport, report.pk)
        assert claimed.outcome is jobs.Outcome.CLAIMED
        # The worker dies mid-job: the row stays "rendering" until its claim is stale.
        BoardReport.objects.filter(pk=report.pk).update(started_at=stale)
    assert run(report.pk) == "gave up"
    report.refresh_from_db()
    assert report.status == Status.FAILED
    assert report.attempts == jobs.MAX_ATTEMPTS
    assert f"started {jobs.MAX_ATTEMPTS} times" in report.error
    assert drawn == []


def test_a_stale_rendering_job_is_taken_over_by_the_redelivered_message(report, drawn):
    jobs.claim(BoardReport, report.pk)  # a worker claimed it, then was killed (SIGKILL)
    BoardReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - jobs.stale_after() - timedelta(seconds=1)
    )
    assert run(report.pk) == "done"
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2


def test_a_fresh_claim_is_not_taken_over(report, drawn, monkeypatch):
    """A delivery that meets a job another worker is rendering asks to run again when that
    claim would be stale, rather than rendering it a second time or dropping it."""
    jobs.claim(BoardReport, report.pk)
    retried = []

    def retry(*args, **kwargs):
        retried.append(kwargs)
        raise RuntimeError("retry asked")

    monkeypatch.setattr(render_board_report, "retry", retry)
    with pytest.raises(RuntimeError, match="retry asked"):
        render_board_report.apply(args=[report.pk], throw=True).get()
    assert drawn == []
    assert retried and retried[0]["countdown"] > 0
    report.refresh_from_db()
    assert report.status == Status.RENDERING and report.attempts == 1


def test_a_transient_fault_is_retried_and_counted(report, monkeypatch):
    outcomes = [OperationalError("server closed the connection"), (PDF, 3)]

    def render_pdf(report):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(jobs, "render_pdf", render_pdf)
    result = render_board_report.apply(args=[report.pk])
    assert result.get() == "done"  # the retry ran (in this process, at once)
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2 and report.pages == 3


def test_a_claim_is_put_back_once_the_database_answers_again(report, monkeypatch):
    """The database restarts mid-job: the drawing fails, and so do the first tries to put the
    claim back on the broken connection; the connection is closed and the release tried again
    until it answers, so the retry runs at once rather than after the claim goes stale."""
    from reports import tasks

    outcomes = [OperationalError("server closed the connection unexpectedly"), (PDF, 3)]

    def render_pdf(report):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    real_release, refused = jobs.release, [OperationalError("the database is starting up")] * 2
    closed, waits = [], []

    def release(job, error):
        if refused:
            raise refused.pop()
        return real_release(job, error)

    monkeypatch.setattr(jobs, "render_pdf", render_pdf)
    monkeypatch.setattr(jobs, "release", release)
    monkeypatch.setattr(tasks, "reconnect", lambda: closed.append(True))
    monkeypatch.setattr(tasks.time, "sleep", waits.append)
    assert render_board_report.apply(args=[report.pk]).get() == "done"
    report.refresh_from_db()
    assert report.status == Status.DONE and report.attempts == 2
    assert len(closed) >= 2 and len(waits) == 2 and not refused


def test_a_fault_that_never_passes_fails_after_max_attempts(report, monkeypatch):
    def render_pdf(report):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(jobs, "render_pdf", render_pdf)
    assert render_board_report.apply(args=[report.pk]).get() == "failed"
    report.refresh_from_db()
    assert report.status == Status.FAILED and report.attempts == jobs.MAX_ATTEMPTS
    assert "could not connect to server" in report.error


def test_a_failure_is_stored_and_can_be_run_again(
    report, drawn, monkeypatch, lead, django_capture_on_commit_callbacks
):
    def broken(report):
        raise ValueError("no results for this year")

    monkeypatch.setattr(jobs, "render_pdf", broken)
    assert run(report.pk) == "failed"
    report.refresh_from_db()
    assert report.status == Status.FAILED and report.attempts == 1
    assert report.error.startswith("The report could not be made. Try again")
    assert "ValueError: no results for this year" in report.error
    assert jobs.can_retry(report)

    monkeypatch.setattr(jobs, "render_pdf", lambda report: (PDF, 2))
    sent = []
    monkeypatch.setattr(render_board_report, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retry(report, acting_user=lead) is True
    assert sent == [(report.pk,)]
    assert report.status == Status.QUEUED and report.attempts == 0 and report.error == ""
    assert run(report.pk) == "done"
    report.refresh_from_db()
    assert report.status == Status.DONE and report.pages == 2


def test_a_done_or_running_job_is_not_run_again(report, drawn, lead):
    jobs.claim(BoardReport, report.pk)
    report.refresh_from_db()
    assert not jobs.can_retry(report)
    assert jobs.retry(report, acting_user=lead) is False
    assert report.status == Status.RENDERING
    run_stale = timezone.now() - jobs.stale_after() - timedelta(seconds=1)
    BoardReport.objects.filter(pk=report.pk).update(started_at=run_stale)
    report.refresh_from_db()
    assert jobs.can_retry(report)  # its worker is gone and no delivery is left: offer it


def test_a_rerun_replaces_the_file_under_the_same_name(report, drawn, monkeypatch, lead):
    run(report.pk)
    BoardReport.objects.filter(pk=report.pk).update(status=Status.FAILED)
    report.refresh_from_db()
    jobs.retry(report, acting_user=lead)
    monkeypatch.setattr(jobs, "render_pdf", lambda report: (PDF + b"again", 1))
    run(report.pk)
    report.refresh_from_db()
    assert report.file.name == report.storage_name
    assert report.file.read() == PDF + b"again"


def test_the_previous_cover_is_offered_without_its_date(report, org, other_org):
    offered = jobs.previous_cover(org)
    assert offered["meeting"] == COVER["meeting"] and "meeting_date" not in offered
    assert jobs.previous_cover(other_org) == {}


# -- The command ---------------------------------------------------------------------------


def test_the_command_renders_the_demo_report(seeded, member_of, tmp_path):
    output = tmp_path / "board.pdf"
    call_command(
        "board_report", "--org", seeded.slug, "--year", "2018", "--output", str(output),
        "--meeting", "Board of Directors", "--meeting-date", "2019-05-03",
    )  # fmt: skip
    pdf = output.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(output), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert seeded.name in text
    assert "Board of Directors" in text
    assert "2.1.4" in text and "4.1.2" in text and "5.3.2" in text  # the year's PCs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2030"], "has no 2030 assessment"),
        (["--year", "٢٠١٨"], "is not a year"),
        (["--year", "2018", "--meeting-date", "3 May"], "YYYY-MM-DD"),
        (["--year", "2018", "--meeting", "a\x1bb"], "control characters"),
    ],
)
def test_the_command_refuses_bad_options(seeded, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "board_report", "--org", seeded.slug, "--output", str(tmp_path / "x.pdf"), *args
        )
    assert not (tmp_path / "x.pdf").exists()


def test_the_command_names_an_unknown_organisation(db, tmp_path):
    with pytest.raises(CommandError, match='no organisation with the slug "nowhere"'):
        call_command(
            "board_report",
            "--org",
            "nowhere",
            "--year",
            "2018",
            "--output",
            str(tmp_path / "x.pdf"),
        )


def test_a_released_job_is_left_to_its_retry_by_the_sweep(report):
    """After a transient fault the job is queued again with its retry's message on the way
    (after a backoff of up to 5 minutes): the sweep, which sends queued jobs whose message
    is older than a claim may live, does not send it early."""
    old = timezone.now() - jobs.stale_after() * 2
    BoardReport.objects.filter(pk=report.pk).update(sent_at=old)
    claimed = jobs.claim(BoardReport, report.pk)
    assert jobs.release(claimed.job, "transient") is True
    report.refresh_from_db()
    assert report.status == Status.QUEUED and report.sent_at > old
    assert jobs.send_unsent() == 0
