"""Importing an Annex One CSV or XLSX from the browser (admins and quality leads).

Upload → preview → confirm. The upload is read and checked as the command checks it (all or
nothing, every fault with its row and column) and planned without writing
(``reports.services.plan_annex_one``); the preview shows every cell the import adds, changes
or clears and the years it creates. The table is kept in the session between the two steps
(as canonical CSV, a few KB, keyed by its hash), and the confirmation sends the plan's digest:
``apply_annex_one`` plans again under its locks and writes only if the plan is still the one
the preview showed.
"""

import hashlib
from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assessments.services import StandardNotLoaded, current_standard
from cse_portal.text import printable
from cse_portal.web import redirect_to
from organisations.decorators import require
from organisations.models import Organisation
from organisations.permissions import Action
from reports.annex_one import AnnexOneError, AnnexOneTable, parse_annex_one, render_annex_one
from reports.services import ImportPlan, PlanChanged, apply_annex_one, plan_annex_one
from reports.spreadsheets import MAX_UPLOAD_BYTES, UploadRefused, read_annex_one
from standards.models import Element

SESSION_KEY = "annex_one_import"
TEMPLATE = "reports/import.html"


@require(Action.IMPORT_ANNEX_ONE)
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    if request.method != "POST":
        return render(request, TEMPLATE, _context())
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, refused="Choose the CSV or XLSX file of your Annex One to upload.")
    name = _display_name(upload.name)
    if upload.size > MAX_UPLOAD_BYTES:
        return _page(
            request,
            name=name,
            refused=f"The file is {upload.size / 1024 / 1024:.1f} MB; an Annex One file is at "
            f"most {MAX_UPLOAD_BYTES // 1024 // 1024} MB. Check that you chose the right file.",
        )
    try:
        known_refs = _known_refs()
        table = read_annex_one(upload.read(MAX_UPLOAD_BYTES + 1), known_refs)
    except (UploadRefused, StandardNotLoaded) as exc:
        return _page(request, name=name, refused=str(exc))
    except AnnexOneError as exc:
        return _page(request, name=name, errors=exc.errors, more=exc.more)
    return _preview(request, organisation, table, name)


@require(Action.IMPORT_ANNEX_ONE)
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    again = reverse("org:progression-import", args=[organisation.slug])
    pending = request.session.get(SESSION_KEY)
    key = request.POST.get("key", "")
    if (
        not isinstance(pending, dict)
        or pending.get("organisation") != organisation.pk
        or not key
        or pending.get("key") != key
    ):
        messages.error(
            request,
            "That preview is no longer available (it expired, or another file was previewed "
            "since). Upload the file again to see what it would change.",
        )
        return redirect_to(again)
    name = pending.get("name", "")
    try:
        table = parse_annex_one(pending["csv"], _known_refs())
        summary = apply_annex_one(
            organisation,
            table,
            acting_user=request.user,
            expected_digest=request.POST.get("plan", ""),
        )
    except StandardNotLoaded as exc:
        return _page(request, name=name, refused=str(exc))
    except AnnexOneError as exc:  # a year finalised since the preview
        return _page(request, name=name, errors=exc.errors, more=exc.more)
    except PlanChanged:
        return _preview(request, organisation, table, name, changed_since=True)
    del request.session[SESSION_KEY]
    if summary.changed_anything:
        messages.success(
            request,
            f"Imported {name or 'the file'}: {summary.results_changed + summary.results_created}"
            f" result{'s' * (summary.results_changed + summary.results_created != 1)} written, "
            f"{summary.assessments_created} year{'s' * (summary.assessments_created != 1)} "
            "created. The history names you as the person who imported them.",
        )
    else:
        messages.info(request, "Nothing changed: the chart already matched the file.")
    return redirect_to(reverse("org:progression", args=[organisation.slug]))


def _preview(
    request: HttpRequest,
    organisation: Organisation,
    table: AnnexOneTable,
    name: str,
    *,
    changed_since: bool = False,
) -> HttpResponse:
    """The plan shown before anything is written; the table kept for the confirmation."""
    plan = plan_annex_one(organisation, table, acting_user=request.user)
    if plan.problems:
        request.session.pop(SESSION_KEY, None)
        return _page(request, name=name, errors=plan.problems)
    canonical = render_annex_one(table.years, table.rows)
    key = hashlib.sha256(canonical.encode()).hexdigest()
    if plan.changes_anything:
        request.session[SESSION_KEY] = {
            "organisation": organisation.pk,
            "key": key,
            "name": name,
            "csv": canonical,
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return _page(
        request,
        name=name,
        plan=plan,
        key=key,
        by_year=[(year, list(changes)) for year, changes in groupby(plan.changes, _year)],
        changed_since=changed_since,
        status=409 if changed_since else 200,
    )


def _year(change) -> int:
    return change.year


def _page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    return render(request, TEMPLATE, _context(**context), status=status)


def _context(
    *,
    name: str = "",
    refused: str = "",
    errors: list | None = None,
    more: bool = False,
    plan: ImportPlan | None = None,
    key: str = "",
    by_year: list | None = None,
    changed_since: bool = False,
) -> dict:
    return {
        "name": name,
        "refused": refused,
        "errors": errors or [],
        "more": more,
        "plan": plan,
        "key": key,
        "by_year": by_year or [],
        "changed_since": changed_since,
        "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
    }


def _known_refs() -> set[str]:
    standard = current_standard()
    return set(Element.objects.filter(standard=standard).values_list("ref", flat=True))


def _display_name(name: str | None) -> str:
    """The uploaded file's name as shown back: its last part, printable, at most 80 chars."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    shown = printable(" ".join(base.splitlines()))
    return shown if len(shown) <= 80 else shown[:79] + "…"
