"""The progression page: Annex One for the organisation, its charts and what changed. The
view parses the year range, asks reports.progression and reports.charts, and renders."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assessments.models import RATING_ORDER
from cse_portal.web import parse_int
from organisations.decorators import require
from organisations.page_cache import cached_page
from organisations.permissions import Action
from reports.charts import progression_charts
from reports.progression import progression

# With this many years or more the chart's header and ref column stay in view (sticky).
STICKY_FROM_YEARS = 10


def year_range(params: dict, years: list[int]) -> tuple[int | None, int | None, str]:
    """The ``from`` and ``to`` years asked for, each among ``years`` (None: not given), and a
    message saying what was not understood ("" when all was)."""
    if not years:
        return None, None, ""
    problems = []
    chosen: list[int | None] = []
    for name, word in (("from", "first"), ("to", "last")):
        raw = params.get(name, "")
        if raw in ("", None):
            chosen.append(None)
            continue
        year = parse_int(raw, years[0], years[-1])
        if year is None or year not in years:
            problems.append(
                f"The {word} year must be one of the organisation's years, "
                f"{years[0]} to {years[-1]}."
            )
            year = None
        chosen.append(year)
    first, last = chosen
    if first is not None and last is not None and first > last:
        problems.append("The first year is after the last: the two have been swapped.")
        first, last = last, first
    if problems:
        problems.append("Choose the years again below.")
    return first, last, " ".join(problems)


@require(Action.VIEW)
@cached_page
@require_safe
def progression_page(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    everything = progression(org)
    first, last, problem = year_range(request.GET, [c.year for c in everything.all_years])
    page = everything.between(first, last)
    charts = progression_charts([(f.column.label, f.counts) for f in page.figures])
    return render(
        request,
        "reports/progression.html",
        {
            "page": page,
            "charts_list": (charts.ratings, charts.compliance_plus),
            "rating_order": RATING_ORDER,
            "problem": problem,
            "sticky": len(page.columns) >= STICKY_FROM_YEARS,
            "ranged": first is not None or last is not None,
        },
    )
