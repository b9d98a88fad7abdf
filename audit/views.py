"""The audit trail's pages: an element's history in a year, and the organisation-wide log
(admins). Views parse, check, call audit.queries and render."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from assessments.models import Assessment
from audit import queries
from audit.forms import LogFilterForm
from cse_portal.web import get_for_org
from organisations.decorators import require
from organisations.permissions import Action
from standards.models import Element

# The kinds of change that concern one element in one year.
ELEMENT_KINDS = ("result", "link", "action")


@require(Action.VIEW_AUDIT_LOG)
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form = LogFilterForm(request.GET or None, people=queries.people(org))
    filters = form.filters()
    history = queries.history_page(org, filters, request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {"form": form, "filtered": filters != queries.LogFilters(), "history": history},
    )


@require(Action.VIEW)
@require_safe
def element_history(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    org = request.organisation
    assessment = get_for_org(Assessment, org, year=year)
    element = Element.objects.filter(standard_id=assessment.standard_id, ref=ref).first()
    if element is None:
        raise Http404("No such element in this year")
    filters = queries.LogFilters(year=assessment.year, ref=element.ref, kinds=ELEMENT_KINDS)
    history = queries.history_page(org, filters, request.GET.get("page"))
    return render(
        request,
        "audit/element_history.html",
        {
            "assessment": assessment,
            "element": element,
            "history": history,
            "element_url": reverse("org:element", args=[org.slug, assessment.year, element.ref]),
        },
    )
