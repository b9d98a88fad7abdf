"""The board reports list's rows (templates/reports/_report_status.html), drawn in Python:
as a template loop (five ``{% if %}``, four ``{% url %}``, an ``{% include %}`` and two
dates a row) they were most of the list's and its polled status's time. The same markup,
whitespace too, as the loop they replaced (tests/reports/test_board_report_tags.py renders
both, in every state of a report, and compares them)."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

from assessments.templatetags.assessment_tags import EMPTY, Fragment, csrf_input

register = template.Library()


@dataclass(frozen=True)
class ReportRow:
    """What the list shows of a board report (reports.report_views.report_rows reads it)."""

    pk: int
    year: int
    meeting: str
    meeting_date: date | None
    requester: str | None  # the full name, else the email; None: a former member
    requested_at: datetime
    status: str
    unsent: bool
    can_retry: bool
    pages: int | None
    error: str

    @property
    def in_progress(self) -> bool:
        return self.status in ("queued", "rendering")


_ROW = Fragment(
    '\n      <tr id="report-{pk}">\n        <td>{year}</td>\n        <td>{meeting}{date}</td>\n'
    "        <td>{requester}<br>"
    '<span class="text-muted small">{requested_at}</span></td>\n'
    "        <td>\n{state}\n</td>\n"
    '        <td class="text-end">\n          {download}\n          {retry}\n        </td>\n'
    "      </tr>\n    "
)
_DATE = Fragment('<br><span class="text-muted small">{date}</span>')
_DOWNLOAD = Fragment(
    '<a class="btn btn-sm btn-outline-primary" href="{url}" download>Download PDF'
    '<span class="visually-hidden"> of the {year} report</span></a>'
)
_RETRY = Fragment(
    '<form method="post" action="{url}" class="d-inline">{csrf}<button type="submit" '
    'class="btn btn-sm btn-outline-danger">Try again<span class="visually-hidden"> to make '
    "the {year} report</span></button></form>"
)
_UNSENT = "the worker service cannot be reached just now: it starts when the service is back"
_QUEUED = Fragment(
    '<span class="badge text-bg-secondary">Queued</span> <span class="small">{why}</span>\n'
)
_RENDERING = Fragment(
    '<span class="badge text-bg-info">Rendering</span> <span class="small">{why}</span>\n'
)
_DONE = Fragment(
    '<span class="badge text-bg-success">Done</span> <span class="small">{pages}</span>\n'
)
_FAILED = Fragment(
    '<span class="badge text-bg-danger">Failed</span><div class="small text-danger mt-1">'
    "{error}</div>"
)


def job_state(row: ReportRow) -> SafeString:
    """A board report's state, as templates/reports/_job_state.html draws it (each state but
    the last ends its line there)."""
    if row.status == "queued":
        return _QUEUED(why=_UNSENT if row.unsent else "waiting for a worker")
    if row.status == "rendering":
        return _RENDERING(why="its worker stopped: try again" if row.can_retry else "being made")
    if row.status == "done":
        pages = "" if row.pages is None else f"{row.pages} page{'' if row.pages == 1 else 's'}"
        return _DONE(pages=pages)
    return _FAILED(error=row.error)


@functools.lru_cache(maxsize=4096)
def _when(value: date | datetime, format_string: str, language: str | None) -> str:
    """``value|date:format_string`` in ``language`` (its month's name), formatted once per
    process: a pure function of the three. A time is given as its wall-clock time in the
    current time zone, without the zone (two aware times of the same instant in different
    zones are equal keys, and the formats here show no zone)."""
    return date_format(value, format_string)


@functools.lru_cache(maxsize=1024)
def _report_url(script_prefix: str, name: str, slug: str) -> tuple[str, str]:
    """A report's URL (``name``) in the organisation, before and after its id: reversed once
    per organisation and script prefix."""
    head, tail = reverse(name, args=[slug, 0]).rsplit("/0/", 1)
    return f"{head}/", f"/{tail}"


@register.simple_tag(takes_context=True)
def board_report_rows(context, reports: Sequence[ReportRow], slug: str) -> SafeString:
    """The list's body rows: year, meeting and its date, who asked and when, the state, and
    the download link or the "Try again" form."""
    prefix = get_script_prefix()
    download = _report_url(prefix, "org:board-report-download", slug)
    retry = _report_url(prefix, "org:board-report-retry", slug)
    csrf = None
    language = get_language()
    out = []
    for row in reports:
        if row.can_retry and csrf is None:
            csrf = csrf_input(context.get("csrf_token"))
        out.append(
            _ROW(
                pk=row.pk,
                year=row.year,
                meeting=row.meeting,
                date=_DATE(date=_when(row.meeting_date, "j F Y", language))
                if row.meeting_date
                else EMPTY,
                requester="A former member" if row.requester is None else row.requester,
                requested_at=_when(
                    template_localtime(row.requested_at).replace(tzinfo=None),
                    "j F Y, H:i",
                    language,
                ),
                state=job_state(row),
                download=_DOWNLOAD(url=f"{download[0]}{row.pk}{download[1]}", year=row.year)
                if row.status == "done"
                else EMPTY,
                retry=_RETRY(url=f"{retry[0]}{row.pk}{retry[1]}", csrf=csrf, year=row.year)
                if row.can_retry
                else EMPTY,
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped by its Fragment
