"""The board report pages: ask for a report with its cover sheet (offered again next time),
follow its state (the status partial polls while a job is queued or rendering, and stops),
download it, run a failed one again; every role may, outsiders find nothing."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from organisations.models import Role
from reports import jobs
from reports.models import BoardReport
from reports.tasks import render_board_report
from tests.factories import AssessmentFactory, MembershipFactory
from tests.reports.support import assert_private_attachment, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

Status = BoardReport.Status
PDF = b"%PDF-1.7\n% a test double\n%%EOF\n"

FORM = {
    "year": "2018",
    "meeting": "Board of Directors",
    "meeting_date": "2019-05-03",
    "author": "Jo Bloggs, Quality Lead",
    "sponsor": "Chief Executive",
    "purpose": "information",
    "assurance": "reasonable",
    "recommendation": "The Board is asked to note the outcome.",
    "risks": "",
    "equality_impact": "",
    "previously_considered_by": "Quality Committee, 12 April",
}


@pytest.fixture
def task():
    """The task ``sent`` records (tests/reports/conftest.py)."""
    return render_board_report


def make_report(assessment, user, status=Status.DONE, **fields) -> BoardReport:
    cover = {k: v for k, v in FORM.items() if k != "year"}
    report = BoardReport.objects.create(
        organisation=assessment.organisation,
        assessment=assessment,
        requested_by=user,
        status=status,
        **{**cover, "meeting_date": "2019-05-03"},
        **fields,
    )
    if status == Status.DONE:
        report.file.save(report.storage_name, ContentFile(PDF), save=False)
        BoardReport.objects.filter(pk=report.pk).update(file=report.file.name, pages=9)
        report.refresh_from_db()
    return report


@pytest.mark.parametrize("role", list(Role))
def test_every_role_asks_for_a_report(
    client, org, bare_y2018, member_of, role, sent, django_capture_on_commit_callbacks
):
    user = member_of(org, role)
    client.force_login(user)
    assert client.get(url(org, "board-report-new")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(org, "board-report-new"), FORM)
    report = BoardReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(org, "board-reports") + f"#report-{report.pk}"
    assert sent == [(report.pk,)]
    assert report.status == Status.QUEUED and report.requested_by == user
    assert report.assessment == bare_y2018 and report.organisation == org
    assert report.meeting == "Board of Directors" and report.purpose == "information"


def test_the_cover_sheet_is_offered_again(client, org, bare_y2018, lead, sent):
    client.force_login(lead)
    client.post(url(org, "board-report-new"), FORM)
    page = client.get(url(org, "board-report-new")).content.decode()
    assert 'value="Jo Bloggs, Quality Lead"' in page
    assert "Quality Committee, 12 April" in page
    assert 'value="2019-05-03"' not in page  # the next meeting is another day


def test_the_progression_page_links_the_board_reports(client, org, bare_y2018, board):
    client.force_login(board)
    page = client.get(url(org, "progression")).content.decode()
    assert url(org, "board-reports") in page


def test_a_year_is_chosen_from_the_query(client, org, bare_y2018, lead):
    AssessmentFactory(organisation=org, year=2019)
    client.force_login(lead)
    page = client.get(url(org, "board-report-new") + "?year=2018").content.decode()
    assert '<option value="2018" selected>' in page
    page = client.get(url(org, "board-report-new") + "?year=٢٠١٨").content.decode()
    assert '<option value="2019" selected>' in page  # not understood: the latest year


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("meeting", "", "This field is required"),
        ("meeting", "x" * 201, "at most 200 characters"),
        ("recommendation", "x" * 4001, "at most 4000 characters"),
        ("meeting", "Board\u202e", "control characters"),
        ("meeting_date", "3 May", "such as 2019-05-03"),
        ("purpose", "veto", "Select a valid choice"),
        ("year", "2030", "Choose one of the years"),
    ],
)
def test_bad_input_is_refused_and_kept(client, org, bare_y2018, lead, sent, field, value, message):
    client.force_login(lead)
    response = client.post(url(org, "board-report-new"), {**FORM, field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Jo Bloggs, Quality Lead" in page  # nothing typed is lost
    assert not BoardReport.objects.exists() and sent == []


def test_the_list_shows_each_state_and_polls_while_one_is_in_progress(
    client, org, bare_y2018, lead, board
):
    done = make_report(bare_y2018, board)
    failed = make_report(
        bare_y2018, lead, Status.FAILED, error="The report could not be made. Try again"
    )
    queued = make_report(bare_y2018, lead, Status.QUEUED)
    client.force_login(lead)
    page = client.get(url(org, "board-reports")).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert url(org, "board-reports-status") in page
    assert "Queued" in page and "Failed" in page and "Done" in page
    assert url(org, "board-report-download", done.pk) in page
    assert url(org, "board-report-retry", failed.pk) in page
    assert "The report could not be made. Try again" in page
    assert board.email in page or escape(board.full_name) in page  # who asked

    # The partial, as HTMX asks for it; once nothing is in progress it stops polling.
    status = client.get(url(org, "board-reports-status"), headers={"HX-Request": "true"})
    assert status["X-Portal-Partial"] == "1" and b'hx-trigger="every 2s"' in status.content
    assert b"<html" not in status.content
    BoardReport.objects.filter(pk=queued.pk).update(status=Status.DONE, pages=3)
    status = client.get(url(org, "board-reports-status"), headers={"HX-Request": "true"})
    assert b"hx-trigger" not in status.content and b"hx-get" not in status.content


def test_no_inline_script(client, org, bare_y2018, lead):
    make_report(bare_y2018, lead, Status.RENDERING, started_at=timezone.now())
    client.force_login(lead)
    for name in ("board-reports", "board-report-new"):
        page = client.get(url(org, name)).content.decode()
        assert "<script>" not in page and "onclick" not in page and "hx-on" not in page


def test_download_is_a_private_attachment(client, org, bare_y2018, board):
    report = make_report(bare_y2018, board)
    client.force_login(board)
    response = client.get(url(org, "board-report-download", report.pk))
    filename = f"board-report-acme-2018-{report.pk}.pdf"
    assert_private_attachment(response, PDF, "application/pdf", filename)


def test_an_unfinished_or_missing_report_is_not_downloaded(client, org, bare_y2018, lead):
    client.force_login(lead)
    queued = make_report(bare_y2018, lead, Status.QUEUED)
    assert client.get(url(org, "board-report-download", queued.pk)).status_code == 404
    gone = make_report(bare_y2018, lead)
    gone.file.storage.delete(gone.file.name)
    response = client.get(url(org, "board-report-download", gone.pk))
    assert response.status_code == 404


def test_try_again_queues_a_failed_report(
    client, org, bare_y2018, lead, sent, django_capture_on_commit_callbacks
):
    failed = make_report(bare_y2018, lead, Status.FAILED, attempts=3, error="Broken.")
    client.force_login(lead)
    assert client.get(url(org, "board-report-retry", failed.pk)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(org, "board-report-retry", failed.pk))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.QUEUED and failed.attempts == 0 and failed.error == ""
    assert sent == [(failed.pk,)]
    # A second press meanwhile queues nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(org, "board-report-retry", failed.pk), follow=True)
    assert sent == [(failed.pk,)]


def test_try_again_is_offered_for_a_stale_rendering_report(client, org, bare_y2018, lead):
    stale = timezone.now() - jobs.stale_after() - timedelta(minutes=1)
    report = make_report(bare_y2018, lead, Status.RENDERING, started_at=stale, attempts=1)
    client.force_login(lead)
    page = client.get(url(org, "board-reports")).content.decode()
    assert url(org, "board-report-retry", report.pk) in page
    assert "its worker stopped" in page


def test_outsiders_find_nothing(client, org, bare_y2018, lead, outsider):
    report = make_report(bare_y2018, lead)
    client.force_login(outsider)
    for name, args in [
        ("board-reports", ()),
        ("board-reports-status", ()),
        ("board-report-new", ()),
        ("board-report-download", (report.pk,)),
        ("board-report-retry", (report.pk,)),
    ]:
        assert client.get(url(org, name, *args)).status_code == 404
        assert client.post(url(org, name, *args)).status_code == 404


def test_another_organisations_report_is_not_found_from_ones_own(
    client, org, other_org, bare_y2018, lead
):
    """A member of B who puts A's report id in B's URLs finds nothing."""
    report = make_report(bare_y2018, lead)
    member = MembershipFactory(organisation=other_org, role=Role.ADMIN).user
    client.force_login(member)
    assert client.get(url(other_org, "board-report-download", report.pk)).status_code == 404
    assert client.post(url(other_org, "board-report-retry", report.pk)).status_code == 404


@pytest.mark.usefixtures("drawn_pages")
def test_the_list_query_count_does_not_grow(client, org, bare_y2018, lead, member_of):
    client.force_login(lead)
    make_report(bare_y2018, lead)
    client.get(url(org, "board-reports"))  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(org, "board-reports")).status_code == 200
        return len(queries)

    small = count()
    for _ in range(20):
        make_report(bare_y2018, member_of(org, Role.ASSESSOR), Status.FAILED, error="x")
    assert count() == small
    # The session, the user, the membership with its organisation, the reports (with their
    # year and who asked).
    assert small == 4
