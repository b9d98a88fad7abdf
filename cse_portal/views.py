"""Site-wide pages that belong to no one app: the landing redirect and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from organisations.services import memberships_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """After sign-in: straight into the only organisation, or a choice among several."""
    memberships = memberships_of(request.user)
    if len(memberships) == 1:
        return redirect("org:dashboard", org_slug=memberships[0].organisation.slug)
    return render(request, "home.html", {"memberships": memberships})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
