from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.models import Assessment
from organisations.decorators import require
from organisations.permissions import Action
from reports.progression import year_figures


@require(Action.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    assessments = list(Assessment.objects.for_org(org).order_by("-year"))
    figures = year_figures(assessments)
    rows = [{"assessment": a, "figures": figures[a.pk]} for a in assessments]
    return render(request, "organisations/dashboard.html", {"assessments": rows})
