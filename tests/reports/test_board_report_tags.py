"""The board reports list's rows drawn in Python (reports.templatetags.board_report_tags) are
the same bytes as the template loop they replaced, in every state a report can be in: queued
(sent or not), rendering (live or with its worker gone), done (one page, several, unknown),
failed (an error with markup), asked for by a member with or without a name or by a former
member, with and without a CSRF token; and the list reads them in one query."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import jobs
from reports.models import BoardReport
from reports.report_views import report_rows
from reports.templatetags.board_report_tags import board_report_rows
from tests.factories import AssessmentFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = BoardReport.Status

# The loop of templates/reports/_report_status.html before the rows were drawn in Python.
LOOP = Template(
    """{% for report in reports %}
      <tr id="report-{{ report.pk }}">
        <td>{{ report.assessment.year }}</td>
        <td>{{ report.meeting }}{% if report.meeting_date %}<br><span class="text-muted small">{{ report.meeting_date|date:"j F Y" }}</span>{% endif %}</td>
        <td>{% if report.requested_by %}{{ report.requested_by.full_name|default:report.requested_by.email }}{% else %}A former member{% endif %}<br><span class="text-muted small">{{ report.requested_at|date:"j F Y, H:i" }}</span></td>
        <td>{% include "reports/_job_state.html" with job=report %}</td>
        <td class="text-end">
          {% if report.status == "done" %}<a class="btn btn-sm btn-outline-primary" href="{% url 'org:board-report-download' organisation.slug report.pk %}" download>Download PDF<span class="visually-hidden"> of the {{ report.assessment.year }} report</span></a>{% endif %}
          {% if report.can_retry %}<form method="post" action="{% url 'org:board-report-retry' organisation.slug report.pk %}" class="d-inline">{% csrf_token %}<button type="submit" class="btn btn-sm btn-outline-danger">Try again<span class="visually-hidden"> to make the {{ report.assessment.year }} report</span></button></form>{% endif %}
        </td>
      </tr>
    {% endfor %}"""  # noqa: E501
)


@pytest.fixture
def every_state(org):
    """One report in each state, each year its own, requested at different times."""
    named = UserFactory(full_name="Jo <b>Bloggs</b>")
    unnamed = UserFactory(full_name="")
    now = timezone.now()
    states = [
        (Status.QUEUED, {"sent_at": now}, named),
        (Status.QUEUED, {"sent_at": None}, unnamed),
        (Status.RENDERING, {"sent_at": now, "started_at": now}, named),
        (Status.RENDERING, {"sent_at": now, "started_at": now - timedelta(days=1)}, named),
        (Status.DONE, {"pages": 1}, None),
        (Status.DONE, {"pages": 12}, named),
        (Status.DONE, {"pages": None}, unnamed),
        (Status.FAILED, {"error": "The <PDF> could not be made & stopped."}, named),
        (Status.FAILED, {"error": ""}, None),
    ]
    for index, (status, fields, user) in enumerate(states):
        BoardReport.objects.create(
            organisation=org,
            assessment=AssessmentFactory(organisation=org, year=2000 + index),
            requested_by=user,
            requested_at=now - timedelta(hours=index * 7, minutes=index),
            status=status,
            meeting=f"Board <{index}> & co",
            meeting_date=f"2019-05-{index + 1:02}",
            author="A",
            sponsor="S",
            purpose="information",
            assurance="reasonable",
            recommendation="R",
            **fields,
        )
    return states


def old_rows(org, token) -> str:
    reports = list(
        BoardReport.objects.filter(organisation=org)
        .select_related("assessment", "requested_by")
        .order_by("-requested_at", "-id")
    )
    for report in reports:
        report.can_retry = jobs.can_retry(report)
    return LOOP.render(Context({"reports": reports, "organisation": org, "csrf_token": token}))


@pytest.mark.parametrize("token", ["a-token", "", "NOTPROVIDED"])
def test_the_rows_are_the_loops_bytes_in_every_state(org, every_state, token):
    drawn = board_report_rows({"csrf_token": token}, report_rows(org), org.slug)
    assert drawn == old_rows(org, token)
    assert drawn.count("Try again") == 4  # unsent, stale and the two failed
    assert "&lt;PDF&gt;" in drawn and "Jo &lt;b&gt;Bloggs&lt;/b&gt;" in drawn


def test_the_list_reads_its_reports_in_one_query(org, every_state):
    with CaptureQueriesContext(connection) as captured:
        rows = report_rows(org)
    assert len(captured.captured_queries) == 1
    assert [row.in_progress for row in rows].count(True) == 4


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Asia/Kolkata"])
def test_the_times_are_in_the_current_time_zone_however_often_drawn(org, every_state, zone):
    """The dates' words are kept per process: a time drawn in one zone is not reused in
    another."""
    from django.utils import timezone as tz

    board_report_rows({}, report_rows(org), org.slug)  # drawn once in the default zone
    with tz.override(zone):
        assert board_report_rows({}, report_rows(org), org.slug) == old_rows(org, "")
