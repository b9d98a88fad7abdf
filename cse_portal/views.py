"""Site-wide pages that belong to no one app: the landing redirect and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from dashboard.queries import assessor_overview
from organisations.models import Role
from organisations.services import memberships_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """After sign-in: an assessor (anywhere) sees every organisation they assess and what
    waits there, then their other organisations; anyone else goes straight into their only
    organisation, or chooses among several."""
    memberships = memberships_of(request.user)
    overview = []
    if any(m.role == Role.ASSESSOR for m in memberships):
        overview = assessor_overview(request.user)
    if len(memberships) == 1 and not overview:
        return redirect("org:dashboard", org_slug=memberships[0].organisation.slug)
    others = [m for m in memberships if m.role != Role.ASSESSOR] if overview else memberships
    return render(request, "home.html", {"memberships": others, "overview": overview})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
