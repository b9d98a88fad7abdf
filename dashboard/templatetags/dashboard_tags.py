"""The dashboard's lists drawn in Python: its years table's rows and the evidence due for
review. As template loops (a ``{% url %}``, a date filter, a ``{% with %}`` and a dozen
variables a row) they were the larger part of the dashboard's drawing. The same markup,
whitespace too, as the loops they replaced (tests/dashboard/test_dashboard_tags.py renders
both and compares them)."""

from collections.abc import Sequence

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.assessment_tags import EMPTY, Fragment, row_url, year_counts

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


@register.simple_tag(takes_context=True)
def dashboard_year_rows(context, rows: Sequence) -> SafeString:
    """The years table's rows (``rows``: assessments.queries.YearRow): each year's link to
    its grid, kind, status with the note on counts carried forward, its CP, C, PC and NC
    counts (``year_counts``) and the number sampled."""
    slug = context["organisation"].slug
    return SafeString(
        "".join(
            _YEAR_ROW(
                url=row_url("org:year", slug, row.assessment.year),
                year=row.assessment.year,
                kind=row.assessment.get_kind_display(),
                status=row.assessment.get_status_display(),
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
    slug = context["organisation"].slug
    days: dict = {}
    out = []
    for item in items:
        day = days.get(item.review_by)
        if day is None:
            day = days[item.review_by] = date_filter(item.review_by, "j M Y")
        overdue = item.is_overdue
        out.append(
            _DUE_ROW(
                url=row_url("org:evidence-detail", slug, item.pk),
                title=item.title,
                owner=item.owner_name or "nobody",
                overdue_class=_OVERDUE_CLASS if overdue else EMPTY,
                when=_OVERDUE if overdue else _REVIEW_BY,
                day=day,
            )
        )
    return SafeString("".join(out))
