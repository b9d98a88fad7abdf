"""The organisation's dashboard: its current year's status and counts, the next visit with a
readiness figure, its open and overdue improvement actions, its years with their figures,
and for those who edit evidence the items due for review; and the assessor's home (every
organisation they assess). They read assessments, evidence and actions, so they sit above
them."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from actions.queries import open_and_overdue
from dashboard.queries import assessor_overview, current_actions, dashboard_years, readiness
from evidence.queries import due_items
from organisations.decorators import require
from organisations.models import Membership
from organisations.page_cache import cached_page
from organisations.permissions import Action, can
from organisations.tenancy import all_tenants

DASHBOARD_DUE_LIMIT = 20


@require(Action.VIEW)
@cached_page
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    rows = dashboard_years(org)  # counts carried forward from the year before say so
    current = rows[0] if rows else None
    # The next visit and how ready the organisation is for it, while the year is open.
    ready = None
    if current is not None and not current.assessment.is_finalised:
        ready = readiness(current.assessment)
        in_hand = current_actions(current.assessment)
        ready.count_actions(in_hand.refs_in_hand)
        actions = in_hand.counts
    else:
        actions = open_and_overdue(org)
    due = None
    if can(request.membership, Action.EDIT_EVIDENCE):
        due = due_items(org, DASHBOARD_DUE_LIMIT + 1)
    return render(
        request,
        "organisations/dashboard.html",
        {
            "current": current,
            "readiness": ready,
            "actions": actions,
            "assessments": rows,
            "due_for_review": due[:DASHBOARD_DUE_LIMIT] if due is not None else None,
            "more_due": due is not None and len(due) > DASHBOARD_DUE_LIMIT,
            "review_window_days": settings.EVIDENCE_REVIEW_WINDOW_DAYS,
        },
    )


def _organisations_of(request: HttpRequest) -> list[int]:
    return list(
        Membership.objects.filter(user=request.user).values_list("organisation_id", flat=True)
    )


@login_required
@all_tenants("the assessor's overview spans every organisation they assess")
@cached_page(drawn_from=_organisations_of)
@require_safe
def assessor_home(request: HttpRequest) -> HttpResponse:
    """Every organisation where the user is a current assessor, and what waits there; a user
    who assesses nowhere gets a plain page saying so (404)."""
    overview = assessor_overview(request.user)
    if not overview:
        return render(request, "dashboard/not_an_assessor.html", status=404)
    return render(request, "dashboard/assessor_home.html", {"overview": overview})
