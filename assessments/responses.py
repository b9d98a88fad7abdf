"""Answers shared by the views that change a year: those of assessments and the element views
of evidence (``evidence.element_views``), which may import this module but not each other."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import YearLocked
from cse_portal.web import is_htmx, partial


def year_locked(
    request: HttpRequest,
    assessment: Assessment,
    error: YearLocked,
    template: str = "assessments/_alert.html",
    context: dict | None = None,
) -> HttpResponse:
    """403 for a change to a finalised year, with its message: to HTMX the form's partial
    ``template`` (what was submitted kept in ``context``), marked to be swapped in; to a plain
    post the "finalised" page."""
    message = str(error)
    if is_htmx(request):
        context = {**(context or {}), "error": message, "locked": True, "level": "danger"}
        return partial(request, template, context, status=403)
    return render(
        request,
        "assessments/locked.html",
        {"assessment": assessment, "message": message},
        status=403,
    )


def saved_now() -> str:
    """The time a save answers with ("Saved 14:02"), in the portal's time zone."""
    return timezone.localtime().strftime("%H:%M")
