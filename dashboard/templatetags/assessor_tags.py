"""The assessor's home's organisations (templates/dashboard/_assessor_overview.html), drawn in
Python: as a template loop (some twenty ``{% if %}``, three ``{% url %}`` and a dozen variables
and filters an organisation) it was most of the page's own drawing. The same markup,
whitespace too, as the loop it replaced (tests/dashboard/test_assessor_tags.py renders both, in
every state of an organisation's year, and compares them)."""

import functools
from collections.abc import Sequence

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from assessments.models import Assessment
from assessments.templatetags.assessment_tags import EMPTY, Fragment
from dashboard.queries import AssessorOrganisation
from dashboard.templatetags.navigation_tags import _org_url

register = template.Library()

_ENTRY = Fragment(
    '\n  \n  <li class="card mb-3">\n    <div class="card-body">\n      <div class="row g-3">\n'
    '        <div class="col-12 col-md-5">\n'
    '          <h3 class="h5 mb-1"><a href="{url}">{name}</a></h3>\n          {year}\n'
    '        </div>\n        <div class="col-12 col-md-7">\n'
    '          <h4 class="h6 mb-2">Waiting for you</h4>\n          {waiting}\n        </div>\n'
    "      </div>\n    </div>\n  </li>\n  \n  "
)
_YEAR = Fragment(
    '\n          <dl class="row small mb-0">\n'
    '            <dt class="col-5 col-sm-4 fw-normal text-muted">Current year</dt>\n'
    '            <dd class="col-7 col-sm-8 mb-0"><a href="{url}">{year}</a> · {kind}</dd>\n'
    '            <dt class="col-5 col-sm-4 fw-normal text-muted">Status</dt>\n'
    '            <dd class="col-7 col-sm-8 mb-0">{status}</dd>\n'
    '            <dt class="col-5 col-sm-4 fw-normal text-muted">Visit</dt>\n'
    '            <dd class="col-7 col-sm-8 mb-0">{visit}</dd>\n          </dl>\n          '
)
_NO_YEAR = mark_safe(
    '\n          <p class="small mb-0">No assessment year opened yet.</p>\n          '
)
_TIME = Fragment('<time datetime="{iso}">{words}</time>')
_WAITING = Fragment(
    '\n          <ul class="mb-0 ps-3">\n            {submitted}\n            {to_rate}\n'
    "            {recheck}\n          </ul>\n          "
)
_SUBMITTED = Fragment(
    '\n            <li><a href="{url}">Self-assessment submitted</a>: the review is yours to '
    "start.</li>\n            "
)
_TO_RATE = Fragment(
    '\n            <li><a href="{url}">{n} element{s} to rate</a>\n'
    "              (of {must} {which})</li>\n            "
)
_RECHECK = Fragment(
    "\n            <li>{n} element{s} rated Partial or Non-Compliance in {year} to re-check"
    "{done}</li>\n            "
)
_DONE = Fragment(" ({done} of {total} re-rated)")
_NOTE = Fragment('\n          <p class="mb-0{muted}">{text}</p>\n          ')
_MUTED = mark_safe(" text-muted")
_WITH_ORGANISATION = Fragment("Nothing yet: the year is with the organisation ({status}).{then}")
# Text of the template's own, as it is (not escaped: its apostrophes stay apostrophes).
_UNSAMPLED = mark_safe("No elements sampled yet: choose this visit's sample in the year's grid.")
_NO_YEAR_YET = mark_safe("Nothing until the organisation opens its first year.")
_FINALISED = Fragment("Nothing: {year} is finalised.")
_THEN = Fragment(" Then {n} element{s} to rate.")
_FINALISE = Fragment(
    'Every element to rate is rated: <a href="{url}">review {year} and finalise it</a>.'
)


@functools.lru_cache(maxsize=4096)
def _year_url(script_prefix: str, slug: str, year: int) -> str:
    """The year's page, reversed once per organisation, year and script prefix."""
    return reverse("org:year", args=[slug, year])


def _plural(n: object) -> str:
    """``n|pluralize``."""
    try:
        return "" if float(n) == 1 else "s"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""


def _visit(a: Assessment) -> SafeString | str:
    if not a.visit_date:
        return "Not set yet"
    visit = _TIME(iso=date_format(a.visit_date, "Y-m-d"), words=date_format(a.visit_date, "j F Y"))
    end = a.visit_end_date
    if end and end != a.visit_date:
        visit += mark_safe(" to ") + _TIME(
            iso=date_format(end, "Y-m-d"), words=date_format(end, "j F Y")
        )
    return visit


def _waiting(entry: AssessorOrganisation, a: Assessment | None, url: str) -> SafeString:
    if entry.waiting:
        to_rate = EMPTY
        if entry.to_rate:
            which = (
                "sampled"
                if a.kind == "annual_review"
                else f"in this {a.get_kind_display().lower()}"
            )
            to_rate = _TO_RATE(
                url=url,
                n=entry.to_rate,
                s=_plural(entry.to_rate),
                must=entry.must_rate,
                which=which,
            )
        recheck = EMPTY
        if entry.recheck and entry.recheck.waiting:
            done = (
                _DONE(done=entry.recheck.done, total=entry.recheck.total)
                if entry.recheck.done
                else EMPTY
            )
            recheck = _RECHECK(
                n=entry.recheck.waiting,
                s=_plural(entry.recheck.waiting),
                year=entry.recheck.year,
                done=done,
            )
        return _WAITING(
            submitted=_SUBMITTED(url=url) if entry.submitted else EMPTY,
            to_rate=to_rate,
            recheck=recheck,
        )
    if entry.finalised:
        return _NOTE(muted=_MUTED, text=_FINALISED(year=a.year))
    if entry.with_organisation:
        then = _THEN(n=entry.to_rate, s=_plural(entry.to_rate)) if entry.to_rate else EMPTY
        text = _WITH_ORGANISATION(status=a.get_status_display().lower(), then=then)
        return _NOTE(muted=_MUTED, text=text)
    if a and entry.must_rate == 0 and a.kind == "annual_review":
        return _NOTE(
            muted=_MUTED,
            text=_UNSAMPLED,
        )
    if a:
        return _NOTE(muted=EMPTY, text=_FINALISE(url=url, year=a.year))
    return _NOTE(muted=_MUTED, text=_NO_YEAR_YET)


@register.simple_tag
def assessor_entries(overview: Sequence[AssessorOrganisation]) -> SafeString:
    """Each organisation the assessor assesses: its name (its dashboard), its current year's
    kind, status and visit, and what waits there for the assessor."""
    prefix = get_script_prefix()
    out = []
    for entry in overview:
        org, a = entry.organisation, entry.assessment
        url = _year_url(prefix, org.slug, a.year) if a else ""
        year = (
            _YEAR(
                url=url,
                year=a.year,
                kind=a.get_kind_display(),
                status=a.get_status_display(),
                visit=_visit(a),
            )
            if a
            else _NO_YEAR
        )
        out.append(
            _ENTRY(
                url=_org_url(prefix, "org:dashboard", org.slug),
                name=org.name,
                year=year,
                waiting=_waiting(entry, a, url),
            )
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped by its Fragment
