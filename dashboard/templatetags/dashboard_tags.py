"""The dashboard drawn in Python: its years table's rows, the evidence due for review, and
the current year's and the next visit's cards. As template loops and blocks (a ``{% url %}``,
a date filter, a ``{% with %}`` and a dozen variables a row; some forty variables, filters
and conditions in the cards) they were the larger part of the dashboard's drawing. The same
markup, whitespace too, as the templates they replaced (tests/dashboard/test_dashboard_tags.py
renders both and compares them)."""

from collections.abc import Sequence

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe

from assessments.models import Assessment
from assessments.templatetags.assessment_tags import (
    EMPTY,
    Fragment,
    page_url,
    rating_badge,
    row_urls_html,
    year_counts,
)

register = template.Library()

# --- the years table -------------------------------------------------------------------------

_YEAR_ROW = Fragment(
    "\n    <tr>\n"
    '      <th scope="row"><a href="{url}">{year}</a></th>\n'
    '      <td class="d-none d-md-table-cell">{kind}</td>\n'
    "      <td>{status}{note}</td>\n"
    "      {counts}\n"
    '      <td class="text-end">{sampled}</td>\n'
    "    </tr>\n  "
)
_NOTE = Fragment('<div class="small text-muted fst-italic carried-note">{note}</div>')

# A year's kind and status in words, as ``get_kind_display`` and ``get_status_display`` give
# them (a value that is none of the choices as it is), without their walk through the field's
# choices on every call.
_KINDS = dict(Assessment.Kind.choices)
_STATUSES = dict(Assessment.Status.choices)


def kind_label(assessment) -> str:
    return _KINDS.get(assessment.kind, assessment.kind)


def status_label(assessment) -> str:
    return _STATUSES.get(assessment.status, assessment.status)


@register.simple_tag(takes_context=True)
def dashboard_year_rows(context, rows: Sequence) -> SafeString:
    """The years table's rows (``rows``: assessments.queries.YearRow): each year's link to
    its grid, kind, status with the note on counts carried forward, its CP, C, PC and NC
    counts (``year_counts``) and the number sampled."""
    url = row_urls_html("org:year", context["organisation"].slug)
    return SafeString(
        "".join(
            _YEAR_ROW(
                url=url(row.assessment.year),
                year=row.assessment.year,
                kind=kind_label(row.assessment),
                status=status_label(row.assessment),
                note=_NOTE(note=row.note) if row.note else EMPTY,
                counts=year_counts(row),
                sampled=row.figures.sampled_total,
            )
            for row in rows
        )
    )


# --- the evidence due for review -------------------------------------------------------------

_DUE_ROW = Fragment(
    "\n    <li "
    'class="list-group-item d-flex justify-content-between align-items-start gap-2">\n'
    "      <div>\n"
    '        <a href="{url}">{title}</a>\n'
    '        <div class="small text-muted">Owner: {owner}</div>\n'
    "      </div>\n"
    '      <span class="text-nowrap small{overdue_class}">\n'
    "        {when} {day}\n"
    "      </span>\n"
    "    </li>\n    "
)
_OVERDUE_CLASS = mark_safe(" text-danger fw-semibold")
_OVERDUE = mark_safe("Overdue since")
_REVIEW_BY = mark_safe("Review by")


@register.simple_tag(takes_context=True)
def due_rows(context, items: Sequence) -> SafeString:
    """The list items of the evidence due for review (``items``: evidence.queries.DueItem):
    each item's link, owner ("nobody" when none) and review-by date, overdue ones in red.
    Each date is formatted once (``|date:"j M Y"``), however many items share it."""
    url = row_urls_html("org:evidence-detail", context["organisation"].slug)
    days: dict = {}
    out = []
    for item in items:
        day = days.get(item.review_by)
        if day is None:
            day = days[item.review_by] = date_filter(item.review_by, "j M Y")
        overdue = item.is_overdue
        out.append(
            _DUE_ROW(
                url=url(item.pk),
                title=item.title,
                owner=item.owner_name or "nobody",
                overdue_class=_OVERDUE_CLASS if overdue else EMPTY,
                when=_OVERDUE if overdue else _REVIEW_BY,
                day=day,
            )
        )
    return SafeString("".join(out))


# --- the current year and the next visit -----------------------------------------------------

_CURRENT_CARD = Fragment(
    '<section class="col-12 col-lg-5" aria-labelledby="current-heading">\n'
    '    <div class="card h-100"><div class="card-body">\n'
    '      <h2 class="h5" id="current-heading">Current year: <a href="{url}">{year}</a></h2>\n'
    '      <p class="mb-2">{kind} · <strong>{status}</strong></p>\n'
    '      <ul class="list-inline mb-1 dashboard-counts" aria-label="Ratings in {year}">\n'
    "        {counts}\n"
    '        <li class="list-inline-item">Sampled {sampled}</li>\n'
    "      </ul>\n"
    "      {note}\n"
    "      {outcome}\n"
    "    </div></div>\n"
    "  </section>"
)
_COUNT_ITEM = Fragment('\n        <li class="list-inline-item me-3">{badge} {n}</li>\n        ')
_CURRENT_NOTE = Fragment('<p class="small text-muted fst-italic mb-0">{note}</p>')
_OUTCOME = Fragment('<p class="small mb-0">{label}</p>')


@register.simple_tag(takes_context=True)
def current_year_card(context, current) -> SafeString:
    """The current year's card (``current``: dashboard.queries.DashboardYear): its link to
    its grid, kind and status, its CP, C, PC and NC counts and the number sampled, the note
    on counts carried forward and, once finalised, its outcome."""
    assessment = current.assessment
    return _CURRENT_CARD(
        url=page_url("org:year", context["organisation"].slug, assessment.year),
        year=str(assessment.year),
        kind=kind_label(assessment),
        status=status_label(assessment),
        counts=SafeString(
            "".join(
                _COUNT_ITEM(badge=rating_badge(value), n=str(n))
                for value, n in current.figures.counts.items()
            )
        ),
        sampled=str(current.figures.sampled_total),
        note=_CURRENT_NOTE(note=current.note) if current.note else EMPTY,
        outcome=_OUTCOME(label=current.outcome.label) if current.outcome else EMPTY,
    )


_READINESS_CARD = Fragment(
    '<section class="col-12 col-lg-7" aria-labelledby="visit-heading">\n'
    '    <div class="card h-100"><div class="card-body">\n'
    '      <h2 class="h5" id="visit-heading">{heading}</h2>\n'
    '      <p class="mb-2">{visit}</p>\n'
    '      <p class="h4 mb-2" id="readiness-figure">{percent}% ready</p>\n'
    '      <dl class="readiness mb-0">\n'
    '        <div class="readiness-row">\n'
    "          <dt>Self-rated</dt>\n"
    "          <dd>{self_rated} of {elements} elements\n"
    '            <progress class="readiness-bar" max="{elements}" value="{self_rated}"'
    ' aria-label="Self-rated: {self_rated} of {elements}"></progress></dd>\n'
    "        </div>\n"
    '        <div class="readiness-row">\n'
    "          <dt>Evidenced</dt>\n"
    "          <dd>{evidenced} of {elements} elements, with evidence linked or re-confirmed"
    " this year\n"
    '            <progress class="readiness-bar" max="{elements}" value="{evidenced}"'
    ' aria-label="Evidenced: {evidenced} of {elements}"></progress></dd>\n'
    "        </div>\n"
    '        <div class="readiness-row">\n'
    "          <dt>Partial or Non-Compliance</dt>\n"
    "          <dd>{pc_nc}</dd>\n"
    "        </div>\n"
    "      </dl>\n"
    "    </div></div>\n"
    "  </section>"
)
_THIS_YEARS_VISIT = mark_safe("This year's visit")
_NEXT_VISIT = mark_safe("Next visit")
_VISIT_DAY = Fragment('<time datetime="{iso}">{day}</time>{when}')
_IN_DAYS = Fragment(", in {days} days")
_TOMORROW = mark_safe(", tomorrow")
_TODAY = mark_safe(", today")
_PASSED = mark_safe(" (passed: the year is still open)")
_NO_VISIT_DATE = mark_safe("No visit date set yet.")
_SET_VISIT_DATE = Fragment(
    'No visit date set yet: <a href="{url}">set it in the year\'s details</a>.'
)
_NO_PC_NC = mark_safe("No element is rated PC or NC.")
_PC_NC_IN_HAND = Fragment(
    "{done} of {total} with an improvement action in hand\n"
    '            <progress class="readiness-bar" max="{total}" value="{done}"'
    ' aria-label="With an action in hand: {done} of {total}"></progress>\n'
    "            "
)
_PC_NC_RATED = Fragment("{total} element{s} rated PC or NC")


def _visit(context, ready) -> SafeString:
    day = ready.visit_date
    if day is None:
        if (context.get("org_can") or {}).get("open_year"):
            slug = context["organisation"].slug
            url = page_url("org:year-details", slug, ready.assessment.year)
            return _SET_VISIT_DATE(url=url)
        return _NO_VISIT_DATE
    days = ready.days_to_visit
    if days > 1:
        when = _IN_DAYS(days=str(days))
    elif days == 1:
        when = _TOMORROW
    elif days == 0:
        when = _TODAY
    else:
        when = _PASSED
    return _VISIT_DAY(iso=day.isoformat(), day=date_filter(day, "l j F Y"), when=when)


def _pc_nc(ready) -> SafeString:
    total = ready.pc_nc
    if not total:
        return _NO_PC_NC
    if ready.pc_nc_with_actions is not None:
        return _PC_NC_IN_HAND(done=str(ready.pc_nc_with_actions), total=str(total))
    return _PC_NC_RATED(total=str(total), s=EMPTY if total == 1 else "s")


@register.simple_tag(takes_context=True)
def readiness_card(context, ready) -> SafeString:
    """The next visit's card (``ready``: dashboard.queries.Readiness): the visit's date and
    how far off it is (or where to set it), the readiness figure, and the elements self-rated,
    evidenced and rated PC or NC with an action in hand, each with its bar."""
    days = ready.days_to_visit
    return _READINESS_CARD(
        heading=_THIS_YEARS_VISIT if days is not None and days < 0 else _NEXT_VISIT,
        visit=_visit(context, ready),
        percent=str(ready.percent),
        self_rated=str(ready.self_rated),
        elements=str(ready.elements),
        evidenced=str(ready.evidenced),
        pc_nc=_pc_nc(ready),
    )
