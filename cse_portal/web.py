"""Request and response helpers shared by every app's views: one way to look up a tenant's
object, to answer HTMX (a partial, or a redirect to a plain post), to read a ``next``
parameter, to tell a JSON client, to read a form's first error, and to parse a number from a
URL or a form. No business rules live here, and no app is imported: every app may use it.
"""

import logging
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme

# Partials that static/js/assessments.js may swap in carry this header; any other answer
# (a proxy's error page, a sign-in redirect) is shown as "Not saved" and the input is kept.
PARTIAL_HEADER = "X-Portal-Partial"

logger = logging.getLogger(__name__)


def get_for_org(model_or_queryset: type[Model] | QuerySet, organisation: Any, **lookup: Any) -> Any:
    """The object matching ``lookup`` among ``organisation``'s, else 404: the one way a view
    looks up a tenant's object, so that another tenant's id is simply not found (never
    loaded by id and compared after).

    Rows reach their organisation through an ``organisation`` field, or, where the path is
    longer, through their queryset's ``for_org(organisation)`` (an evidence link through its
    item, an element result through its year), which is used when the queryset has one.
    """
    if isinstance(model_or_queryset, QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    if hasattr(queryset, "for_org"):
        queryset = queryset.for_org(organisation)
    else:
        queryset = queryset.filter(organisation=organisation)
    return get_object_or_404(queryset, **lookup)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_json(request: HttpRequest) -> bool:
    """A script's fetch that asked for JSON (never an HTMX request or a browser's page load)."""
    if is_htmx(request):
        return False
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` of the form or query when it is a local path of this site, else ``default``.

    Only an absolute path ("/o/acme/…") is accepted: a bare word ("elsewhere"), another host,
    a scheme or a control character falls back to ``default``. The fragment is dropped; the
    caller adds its own anchor.
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if is_safe_path(request, candidate):
        return candidate.split("#", 1)[0]
    return default


def is_safe_path(request: HttpRequest, candidate: str) -> bool:
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
        return False
    return url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def redirect_to(url: str, anchor: str = "") -> HttpResponseRedirect:
    """A redirect to a URL (never a URL name: a bare word must not reach ``reverse``)."""
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def partial(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A fragment for HTMX to swap in, marked so the page's script knows it is ours."""
    response = render(request, template, context, status=status)
    response[PARTIAL_HEADER] = "1"
    return response


def partial_or_redirect(
    request: HttpRequest,
    template: str,
    context: dict | Callable[[], dict],
    url: str,
    anchor: str = "",
    *,
    message: str = "",
    level: int = messages.SUCCESS,
) -> HttpResponse:
    """The answer to a change made in place: HTMX gets the fragment ``template`` to swap in;
    a plain form post gets ``message`` (when there is one) and a redirect to ``url#anchor``.

    ``context`` may be a function, called for HTMX only, when making it costs queries.
    """
    if is_htmx(request):
        return partial(request, template, context() if callable(context) else context)
    if message:
        messages.add_message(request, level, message)
    return redirect_to(url, anchor)


def first_form_error(form: forms.Form) -> str:
    """The first message of a bound, invalid form: for alerts that have room for one."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return ""


def parse_int(value: str | None, low: int, high: int) -> int | None:
    """An integer written in ASCII digits within [low, high], else None.

    ``int()`` accepts "٢٠١٨", " 2018 ", "2_018" and "+2018", and ``str.isdigit`` is true for
    "²⁰¹⁸" (which ``int()`` then refuses): neither is what a form or URL means by a number.
    """
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > 12 or not (value.isascii() and value.isdecimal()):
        return None
    number = int(value)
    return number if low <= number <= high else None


# What every download answers with (evidence files and their versions, board reports, evidence
# packs, spreadsheets): saved, never shown; no shared cache or browser cache keeps it; its type
# is not guessed; and should a browser render it after all, it is a sandbox in which nothing
# may load or run (set here, so the site-wide policy leaves it).
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def private_download(response: HttpResponse) -> HttpResponse:
    """Give ``response`` (an attachment already) the headers every download carries."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


def file_download(field_file, *, filename: str, content_type: str, missing: str) -> FileResponse:
    """A stored file as a private download (``private_download``'s headers), streamed from
    storage; 404 saying ``missing`` when there is no file or storage cannot open it."""
    if not field_file:
        raise Http404(missing)
    try:
        handle = field_file.open("rb")
    except OSError:
        logger.error("The stored file %s is missing", field_file.name)
        raise Http404(missing) from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    return private_download(response)
