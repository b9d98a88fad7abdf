"""The year page's status panel: the status, the events timeline (who, when, note) and the
moves the member may make now (one query: the timeline; none in self-assessment).

Drawn in Python (``assessment_tags.Fragment``), as the grid's rows are: the panel sits above
every grid, and as an inclusion template (a new context, some thirty tags and variables, a
loop over the timeline) it took a tenth of the grid's drawing. Nothing is decided here: the
moves are ``workflow.moves_for``'s, the steps ``workflow.timeline``'s.

    {% load workflow_tags %}
    {% year_status_panel %}     reads assessment, organisation, request and csrf_token
"""

from collections.abc import Sequence

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe

from assessments import workflow
from assessments.models import Assessment
from assessments.templatetags.assessment_tags import EMPTY, Fragment, page_url
from assessments.workflow import Move, TimelineEntry

register = template.Library()

_PANEL = Fragment(
    '<section class="card mb-3 year-status d-print-none" aria-labelledby="status-heading">\n'
    '  <div class="card-body py-3">\n'
    '    <h2 class="h6 card-title" id="status-heading">Status: {status}</h2>\n'
    "    {moves}\n"
    "    {steps}\n"
    "  </div>\n"
    "</section>\n"
)
_MOVES = Fragment(
    "\n"
    '    <div class="d-flex flex-wrap gap-2 mb-2">\n'
    "      {submit}\n"
    "      {start}\n"
    "      {finalise}\n"
    "      {back}\n"
    "      {reopen}\n"
    "    </div>\n"
    "    "
)
_SUBMIT = Fragment('<a class="btn btn-sm btn-primary" href="{url}">Submit {year} for review…</a>')
_START = Fragment(
    "\n"
    '      <form method="post" action="{url}">\n'
    '        <input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
    '        <button type="submit" class="btn btn-sm btn-primary">Start the review of {year}'
    "</button>\n"
    "      </form>\n"
    "      "
)
_FINALISE = Fragment(
    '<a class="btn btn-sm btn-primary" href="{url}">Check and finalise {year}…</a>'
)
_RETURN = Fragment(
    '<a class="btn btn-sm btn-outline-secondary" href="{url}">Return with changes requested…</a>'
)
_REOPEN = Fragment('<a class="btn btn-sm btn-outline-danger" href="{url}">Reopen {year}…</a>')
_STEPS = Fragment(
    "\n"
    '    <details class="year-timeline"{open}>\n'
    "      <summary>What has happened to {year} ({count} step{plural})</summary>\n"
    '      <ol class="list-unstyled mb-0 mt-2">\n'
    "        {entries}\n"
    "      </ol>\n"
    "    </details>\n"
    "    "
)
_ENTRY = Fragment(
    "\n"
    '        <li class="mb-2">\n'
    "          <strong>{what}</strong>\n"
    '          <span class="text-muted">· {at}{actor}</span>\n'
    "          {note}\n"
    "        </li>\n"
    "        "
)
_ACTOR = Fragment(" · {name}")
_NOTE = Fragment('<div class="small timeline-note">{note}</div>')
_NO_STEP = mark_safe(
    "\n"
    '    <p class="small text-muted mb-0">No step recorded yet: the year has not been submitted '
    "for review.</p>\n"
    "    "
)
_OPEN = mark_safe(" open")
_PLURAL = mark_safe("s")


def _entry_html(entry: TimelineEntry) -> SafeString:
    return _ENTRY(
        what=entry.what,
        at=format_date(timezone.localtime(entry.at), "j F Y, H:i"),
        actor=_ACTOR(name=entry.actor) if entry.actor else EMPTY,
        note=_NOTE(note=linebreaksbr(entry.note, autoescape=True)) if entry.note else EMPTY,
    )


def _steps_html(assessment: Assessment, timeline: Sequence[TimelineEntry]) -> SafeString:
    if not timeline:
        return _NO_STEP
    return _STEPS(
        open=_OPEN if assessment.status == assessment.Status.CHANGES_REQUESTED else EMPTY,
        year=assessment.year,
        count=len(timeline),
        plural=EMPTY if len(timeline) == 1 else _PLURAL,
        entries=SafeString("".join(_entry_html(entry) for entry in timeline)),
    )


def _moves_html(
    assessment: Assessment, slug: str, moves: set[Move], csrf_token: object
) -> SafeString:
    if not moves:
        return EMPTY
    year = assessment.year

    def url(name: str) -> str:
        return page_url(name, slug, year)

    return _MOVES(
        submit=_SUBMIT(url=url("org:year-submit"), year=year) if Move.SUBMIT in moves else EMPTY,
        start=_START(url=url("org:year-start-review"), token=str(csrf_token), year=year)
        if Move.START_REVIEW in moves
        else EMPTY,
        finalise=_FINALISE(url=url("org:year-finalise"), year=year)
        if Move.FINALISE in moves
        else EMPTY,
        back=_RETURN(url=url("org:year-return")) if Move.REQUEST_CHANGES in moves else EMPTY,
        reopen=_REOPEN(url=url("org:year-reopen"), year=year) if Move.REOPEN in moves else EMPTY,
    )


@register.simple_tag(takes_context=True)
def year_status_panel(context: template.Context) -> SafeString:
    """The status, the moves the request's member may make, and the year's steps."""
    assessment = context["assessment"]
    membership = getattr(context["request"], "membership", None)
    moves = set(workflow.moves_for(assessment, membership))
    return _PANEL(
        status=assessment.get_status_display(),
        moves=_moves_html(assessment, context["organisation"].slug, moves, context["csrf_token"]),
        steps=_steps_html(assessment, workflow.timeline(assessment)),
    )
