"""Site-wide pages that belong to no one app: the landing redirect, the health check and the
answer to an unexpected error (``handler500``: 503 while the database cannot be reached)."""

import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.defaults import server_error

from cse_portal.web import wants_json
from dashboard.queries import assessor_overview
from organisations.models import Role
from organisations.services import memberships_of
from organisations.tenancy import all_tenants


@login_required
@all_tenants("the home page lists the user's organisations and what they assess in each")
def home(request: HttpRequest) -> HttpResponse:
    """After sign-in: an assessor (anywhere) sees every organisation they assess and what
    waits there, then their other organisations; anyone else goes straight into their only
    organisation, or chooses among several."""
    memberships = memberships_of(request.user)
    overview = []
    if any(m.role == Role.ASSESSOR for m in memberships):
        overview = assessor_overview(request.user, memberships=memberships)
    if len(memberships) == 1 and not overview:
        return redirect("org:dashboard", org_slug=memberships[0].organisation.slug)
    others = [m for m in memberships if m.role != Role.ASSESSOR] if overview else memberships
    return render(request, "home.html", {"memberships": others, "overview": overview})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# A database that cannot be reached (stopped, restarting, a dropped connection) or a
# transaction it refused for a moment (deadlock, serialisation): the request may simply be
# sent again, so the answer is 503 with Retry-After, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it was raised from, is the database's unavailability."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


DATABASE_UNAVAILABLE_MESSAGE = (
    "The portal cannot reach its database just now, so this was not carried out. Wait a few "
    "seconds and try again."
)


def server_error_page(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django calls it while handling the exception (``sys.exc_info()``).
    Neither page touches the database: both are plain templates, drawn without the request.
    The 503 is JSON for the API and for a script that asked for JSON (the uploader shows its
    ``message``), a page otherwise."""
    if database_unavailable(sys.exc_info()[1]):
        if "/api/" in request.path or wants_json(request):
            message = DATABASE_UNAVAILABLE_MESSAGE
            response = JsonResponse(
                {"status": "refused", "message": message, "detail": message}, status=503
            )
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return server_error(request)
