"""The evidence pack pages of a year: admins, quality leads and assessors ask for a pack, follow
its state (the status partial polls while one is queued or being made, and stops), download
it, run a failed one again; a governing-body member is refused (403), outsiders and other
organisations' ids find nothing (404). When the broker cannot be reached, asking for a pack or
a board report answers as usual, keeps the job, says so, and the job is sent later."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from kombu.exceptions import OperationalError as BrokerError

from organisations.models import Role
from reports import jobs
from reports.models import BoardReport, EvidencePack
from reports.tasks import build_evidence_pack, render_board_report
from tests.factories import AssessmentFactory, EvidencePackFactory, MembershipFactory
from tests.reports.support import assert_private_attachment, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

Status = EvidencePack.Status


@pytest.fixture
def task():
    """The task ``sent`` records (tests/reports/conftest.py)."""
    return build_evidence_pack


@pytest.mark.parametrize("role", [Role.ADMIN, Role.QUALITY_LEAD, Role.ASSESSOR])
def test_admins_leads_and_assessors_ask_for_a_pack(
    client, org, bare_y2018, member_of, role, sent, django_capture_on_commit_callbacks
):
    user = member_of(org, role)
    client.force_login(user)
    assert client.get(url(org, "year-evidence-packs", 2018)).status_code == 200
    assert client.get(url(org, "year-evidence-pack-new", 2018)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(org, "year-evidence-pack-new", 2018))
    pack = EvidencePack.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(org, "year-evidence-packs", 2018) + f"#pack-{pack.pk}"
    assert sent == [(pack.pk,)]
    assert pack.status == Status.QUEUED and pack.requested_by == user
    assert pack.assessment == bare_y2018 and pack.organisation == org
    assert pack.sent_at is not None


def test_the_governing_body_is_refused(client, org, bare_y2018, board):
    pack = EvidencePackFactory(assessment=bare_y2018, done=True)
    client.force_login(board)
    for name, args in [
        ("year-evidence-packs", (2018,)),
        ("year-evidence-pack-status", (2018,)),
        ("year-evidence-pack-download", (2018, pack.pk)),
    ]:
        assert client.get(url(org, name, *args)).status_code == 403
    for name, args in [
        ("year-evidence-pack-new", (2018,)),
        ("year-evidence-pack-retry", (2018, pack.pk)),
    ]:
        assert client.post(url(org, name, *args)).status_code == 403
    assert EvidencePack.objects.count() == 1


def test_outsiders_find_nothing(client, org, bare_y2018, outsider):
    pack = EvidencePackFactory(assessment=bare_y2018, done=True)
    client.force_login(outsider)
    for name, args in [
        ("year-evidence-packs", (2018,)),
        ("year-evidence-pack-status", (2018,)),
        ("year-evidence-pack-new", (2018,)),
        ("year-evidence-pack-download", (2018, pack.pk)),
        ("year-evidence-pack-retry", (2018, pack.pk)),
    ]:
        assert client.get(url(org, name, *args)).status_code == 404
        assert client.post(url(org, name, *args)).status_code == 404


def test_another_organisations_pack_is_not_found_from_ones_own(client, org, other_org, bare_y2018):
    """A member of B who puts A's pack id in B's URLs (B has a 2018 too) finds nothing."""
    pack = EvidencePackFactory(assessment=bare_y2018, done=True)
    AssessmentFactory(organisation=other_org, year=2018)
    member = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    client.force_login(member)
    assert (
        client.get(url(other_org, "year-evidence-pack-download", 2018, pack.pk)).status_code == 404
    )
    assert client.post(url(other_org, "year-evidence-pack-retry", 2018, pack.pk)).status_code == 404


def test_a_pack_is_found_only_under_its_own_year(client, org, bare_y2018, lead):
    pack = EvidencePackFactory(assessment=bare_y2018, done=True)
    AssessmentFactory(organisation=org, year=2019)
    client.force_login(lead)
    assert client.get(url(org, "year-evidence-pack-download", 2019, pack.pk)).status_code == 404
    assert client.get(url(org, "year-evidence-packs", 2030)).status_code == 404


def test_the_list_shows_each_state_and_polls_while_one_is_in_progress(
    client, org, bare_y2018, lead, assessor
):
    done = EvidencePackFactory(
        assessment=bare_y2018, done=True, requested_by=assessor, file_count=12
    )
    failed = EvidencePackFactory(
        assessment=bare_y2018, status=Status.FAILED, error="The evidence pack could not be made."
    )
    queued = EvidencePackFactory(assessment=bare_y2018, requested_by=lead)
    other_year = EvidencePackFactory(assessment=AssessmentFactory(organisation=org, year=2019))
    client.force_login(lead)
    page = client.get(url(org, "year-evidence-packs", 2018)).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert url(org, "year-evidence-pack-status", 2018) in page
    assert "Queued" in page and "Failed" in page and "Done" in page
    assert "12 files" in page
    assert url(org, "year-evidence-pack-download", 2018, done.pk) in page
    assert url(org, "year-evidence-pack-retry", 2018, failed.pk) in page
    assert "The evidence pack could not be made." in page
    assert escape(assessor.full_name) in page  # who asked
    assert f"pack-{other_year.pk}" not in page  # another year's

    status = client.get(url(org, "year-evidence-pack-status", 2018), headers={"HX-Request": "true"})
    assert status["X-Portal-Partial"] == "1" and b'hx-trigger="every 2s"' in status.content
    assert b"<html" not in status.content
    EvidencePack.objects.filter(pk=queued.pk).update(status=Status.DONE, size=10, file_count=0)
    status = client.get(url(org, "year-evidence-pack-status", 2018), headers={"HX-Request": "true"})
    assert b"hx-trigger" not in status.content and b"hx-get" not in status.content


def test_no_inline_script(client, org, bare_y2018, lead):
    EvidencePackFactory(assessment=bare_y2018)
    client.force_login(lead)
    page = client.get(url(org, "year-evidence-packs", 2018)).content.decode()
    assert "<script>" not in page and "onclick" not in page and "hx-on" not in page


def test_download_is_a_private_attachment(client, org, bare_y2018, assessor):
    pack = EvidencePackFactory(assessment=bare_y2018, done=True)
    client.force_login(assessor)
    response = client.get(url(org, "year-evidence-pack-download", 2018, pack.pk))
    filename = f"evidence-pack-acme-2018-{pack.pk}.zip"
    assert_private_attachment(response, pack.file.open("rb").read(), "application/zip", filename)


def test_an_unfinished_or_missing_pack_is_not_downloaded(client, org, bare_y2018, lead):
    client.force_login(lead)
    queued = EvidencePackFactory(assessment=bare_y2018)
    assert client.get(url(org, "year-evidence-pack-download", 2018, queued.pk)).status_code == 404
    gone = EvidencePackFactory(assessment=bare_y2018, done=True)
    gone.file.storage.delete(gone.file.name)
    assert client.get(url(org, "year-evidence-pack-download", 2018, gone.pk)).status_code == 404


def test_try_again_queues_a_failed_pack(
    client, org, bare_y2018, lead, sent, django_capture_on_commit_callbacks
):
    failed = EvidencePackFactory(assessment=bare_y2018, status=Status.FAILED, attempts=3, error="x")
    client.force_login(lead)
    assert client.get(url(org, "year-evidence-pack-retry", 2018, failed.pk)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(org, "year-evidence-pack-retry", 2018, failed.pk))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED and failed.attempts == 0 and failed.error == ""
    assert sent == [(failed.pk,)]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(org, "year-evidence-pack-retry", 2018, failed.pk), follow=True)
    assert sent == [(failed.pk,)]  # a second press meanwhile queues nothing more


def test_the_year_page_links_the_board_report_and_the_pack(client, org, bare_y2018, lead, board):
    client.force_login(lead)
    page = client.get(url(org, "year", 2018)).content.decode()
    assert url(org, "year-evidence-packs", 2018) in page
    assert url(org, "board-report-new") + "?year=2018" in page
    client.force_login(board)  # may ask for a board report, not for a pack
    page = client.get(url(org, "year", 2018)).content.decode()
    assert url(org, "year-evidence-packs", 2018) not in page
    assert url(org, "board-report-new") + "?year=2018" in page


def test_the_board_reports_page_points_to_the_packs(client, org, bare_y2018, lead, board):
    client.force_login(lead)
    assert b"evidence pack" in client.get(url(org, "board-reports")).content
    client.force_login(board)
    assert b"evidence pack" not in client.get(url(org, "board-reports")).content


def test_the_list_query_count_does_not_grow(client, org, bare_y2018, lead, member_of):
    client.force_login(lead)
    EvidencePackFactory(assessment=bare_y2018, done=True, requested_by=lead)
    client.get(url(org, "year-evidence-packs", 2018))  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(org, "year-evidence-packs", 2018)).status_code == 200
        return len(queries)

    small = count()
    for _ in range(20):
        EvidencePackFactory(
            assessment=bare_y2018, requested_by=member_of(org, Role.ASSESSOR), status="failed"
        )
    assert count() == small
    # The session, the user, the membership with its organisation, the year, the packs (with
    # who asked).
    assert small == 5


# -- The broker cannot be reached ------------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """Every task message fails as kombu fails when Redis is stopped (connection refused)."""
    tried = []

    def refuse(*args):
        tried.append(args)
        raise BrokerError("Error 111 connecting to 127.0.0.1:6380. Connection refused.")

    monkeypatch.setattr(build_evidence_pack, "delay", refuse)
    monkeypatch.setattr(render_board_report, "delay", refuse)
    return tried


BOARD_FORM = {
    "year": "2018",
    "meeting": "Board of Directors",
    "meeting_date": "2019-05-03",
    "author": "Jo Bloggs",
    "sponsor": "Chief Executive",
    "purpose": "information",
    "assurance": "reasonable",
    "recommendation": "The Board is asked to note the outcome.",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "ask", "data", "listing"),
    [
        (EvidencePack, "year-evidence-pack-new", None, "year-evidence-packs"),
        (BoardReport, "board-report-new", BOARD_FORM, "board-reports"),
    ],
)
def test_a_job_asked_for_while_the_broker_is_down_is_kept_and_said_so(
    client, org, lead, broker_down, monkeypatch, model, ask, data, listing
):
    """The request commits the job for real (a transactional test: on_commit runs), the send
    fails, and the answer is the usual redirect with a message that says so; the list says the
    job waits for the worker service and offers "Try again"; the sweep sends it once the
    broker is back."""
    AssessmentFactory(organisation=org, year=2018)
    client.force_login(lead)
    args = (2018,) if model is EvidencePack else ()
    list_url = url(org, listing, *args)
    response = client.post(url(org, ask, *args), data or {}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(list_url)
    page = response.content.decode()
    assert "queued, but the worker service cannot be reached just now" in page
    assert "it starts when the service is back" in page
    job = model.objects.get()
    assert len(broker_down) == 1 and broker_down[0] == (job.pk,)
    assert job.status == Status.QUEUED and job.sent_at is None and job.unsent
    assert "Try again" in page

    # "Try again" while the broker is still away: still queued, still said so.
    retry = "year-evidence-pack-retry" if model is EvidencePack else "board-report-retry"
    response = client.post(url(org, retry, *args, job.pk), follow=True)
    assert response.status_code == 200
    assert "still queued: the worker service cannot be reached" in response.content.decode()
    assert len(broker_down) == 2

    # The broker is back: the sweep (Celery beat, every minute) sends it, once.
    sent = []
    task = build_evidence_pack if model is EvidencePack else render_board_report
    monkeypatch.setattr(task, "delay", lambda *a: sent.append(a))
    assert jobs.send_unsent() == 0  # asked for moments ago: its request may still send it
    later = job.requested_at + jobs.UNSENT_GRACE * 2
    assert jobs.send_unsent(now=later) == 1
    assert sent == [(job.pk,)]
    job.refresh_from_db()
    assert job.sent_at is not None and job.status == Status.QUEUED
    assert jobs.send_unsent(now=later) == 0  # sent: not again
    page = client.get(list_url).content.decode()
    assert "waiting for a worker" in page


def test_the_sweep_stops_at_the_first_refusal(org, bare_y2018, broker_down):
    """With the broker still away, one sweep tries one job, not every job (each refusal
    costs a connection attempt)."""
    for _ in range(3):
        EvidencePackFactory(assessment=bare_y2018, sent_at=None)
    later = EvidencePack.objects.latest("requested_at").requested_at + jobs.UNSENT_GRACE * 2
    assert jobs.send_unsent(now=later) == 0
    assert len(broker_down) == 1


def test_the_sweep_sends_again_a_message_the_broker_lost(org, bare_y2018, sent):
    """A queued job whose message was sent longer ago than a claim may live and never claimed
    (a Redis restarted without its data lost it) is sent again; a job runs once however often
    it is sent."""
    pack = EvidencePackFactory(assessment=bare_y2018)
    assert jobs.send_unsent(now=pack.sent_at + jobs.stale_after() / 2) == 0
    assert jobs.send_unsent(now=pack.sent_at + jobs.stale_after() * 2) == 1
    assert sent == [(pack.pk,)]


def test_sending_a_job_never_waits_on_the_result_store(org, bare_y2018, monkeypatch):
    """The job tasks keep no result, so sending one does not subscribe to the result store:
    with Redis results that subscription held a request for 20 s and raised RuntimeError when
    Redis was stopped, before the broker was even tried."""
    from cse_portal.celery import app

    def touched(*args, **kwargs):
        raise AssertionError("sending a job touched the result store")

    monkeypatch.setattr(type(app.backend), "on_task_call", touched)
    published = []
    monkeypatch.setattr(
        app.amqp, "send_task_message", lambda producer, name, *a, **k: published.append(name)
    )
    monkeypatch.setattr(app, "producer_or_acquire", _no_producer)
    pack = EvidencePackFactory(assessment=bare_y2018, sent_at=None)
    report = BoardReport.objects.create(
        organisation=bare_y2018.organisation,
        assessment=bare_y2018,
        meeting_date="2019-05-03",
        **{k: v for k, v in BOARD_FORM.items() if k not in {"year", "meeting_date"}},
    )
    assert jobs.send(pack) and jobs.send(report)
    assert published == ["reports.build_evidence_pack", "reports.render_board_report"]
    assert build_evidence_pack.ignore_result and render_board_report.ignore_result


class _Producer:
    class connection:  # noqa: N801 - what kombu's producer offers
        @staticmethod
        def _reraise_as_library_errors():
            from contextlib import nullcontext

            return nullcontext()


def _no_producer(producer=None):
    from contextlib import nullcontext

    return nullcontext(_Producer())


def test_the_sweep_runs_every_minute_on_beat(settings):
    from reports.tasks import send_unsent_jobs

    entry = settings.CELERY_BEAT_SCHEDULE["reports-send-unsent-jobs"]
    assert entry["task"] == send_unsent_jobs.name and entry["schedule"] == 60.0


def test_a_real_refused_connection_is_answered_in_time(org, bare_y2018, monkeypatch, caplog):
    """Not a double: kombu's own Redis transport pointed at a port nobody listens on. The send
    gives up in about a second (kombu retries the publish three times) and the job stays
    queued with no ``sent_at``."""
    import time

    from cse_portal.celery import app

    nowhere = "redis://127.0.0.1:9/0"
    # Set in the settings' own map, not through their properties (which read the environment
    # and fall back on each other: monkeypatch would then restore the refused broker for
    # every later test); and in the environment, which Celery reads before its settings.
    monkeypatch.setitem(app.conf.changes, "broker_url", nowhere)
    monkeypatch.setitem(app.conf.changes, "broker_write_url", None)
    monkeypatch.setenv("CELERY_BROKER_URL", nowhere)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    pack = EvidencePackFactory(assessment=bare_y2018, sent_at=None)
    started = time.monotonic()
    assert jobs.send(pack) is False
    assert time.monotonic() - started < 5
    assert "127.0.0.1:9" in caplog.text and "refused" in caplog.text.lower()
    pack.refresh_from_db()
    assert pack.status == Status.QUEUED and pack.sent_at is None
