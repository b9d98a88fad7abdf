"""The quality lead's year: the list of years, a year's grid, one element's page, and the
in-place edits of the self-assessment and of the evidence linked to an element.

Every edit works two ways. With HTMX (``HX-Request``) the answer is the re-rendered partial:
"Saved 14:02" on success, the submitted values and the reason on failure (200 for a
validation error, 403 for a finalised year, marked with the ``X-Portal-Partial`` header so
static/js/assessments.js swaps it in). A plain form post is answered with a redirect back to
the row, and a message.

Everything is looked up through the organisation (another tenant's year, ref or link: 404).
"""

import dataclasses
import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments import queries, services
from assessments.forms import (
    SEARCH_MAX_LENGTH,
    GridFilterForm,
    LinkEvidenceForm,
    LinkNoteForm,
    OpenYearForm,
    SelfAssessmentForm,
    YearDetailsForm,
)
from assessments.models import Assessment, ElementResult
from assessments.services import YearLocked, check_open
from cse_portal.web import redirect_to, safe_next
from evidence import services as evidence_services
from evidence.models import Evidence, EvidenceLink
from organisations.decorators import require
from organisations.permissions import Action, can

PARTIAL_HEADER = "X-Portal-Partial"
UPLOADER_TEMPLATE = "evidence/_uploader.html"


# --- helpers ---------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _wants_json(request: HttpRequest) -> bool:
    return not _is_htmx(request) and "application/json" in request.headers.get("Accept", "")


def _assessment(request: HttpRequest, year: int) -> Assessment:
    assessment = get_object_or_404(Assessment, organisation=request.organisation, year=year)
    assessment.organisation = request.organisation  # the same row: no second query
    return assessment


def _result(assessment: Assessment, ref: str) -> ElementResult:
    result = get_object_or_404(
        ElementResult.objects.select_related("element"), assessment=assessment, element__ref=ref
    )
    result.assessment = assessment
    return result


def _link(request: HttpRequest, assessment: Assessment, link_pk: int) -> EvidenceLink:
    link = get_object_or_404(
        EvidenceLink.objects.for_org(request.organisation).select_related(
            "evidence", "element", "confirmed_by"
        ),
        pk=link_pk,
        assessment=assessment,
    )
    link.assessment = assessment
    return link


def _may_edit(request: HttpRequest, assessment: Assessment) -> bool:
    return can(request.membership, Action.EDIT_EVIDENCE) and not assessment.is_finalised


def _element_url(assessment: Assessment, ref: str) -> str:
    return reverse("org:element", args=[assessment.organisation.slug, assessment.year, ref])


def _partial(request: HttpRequest, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    response[PARTIAL_HEADER] = "1"
    return response


def _locked(
    request: HttpRequest,
    assessment: Assessment,
    error: YearLocked,
    template: str = "assessments/_alert.html",
    context: dict | None = None,
) -> HttpResponse:
    """403 with a clear message: a partial for HTMX, JSON for fetch, a page otherwise."""
    message = str(error)
    if _wants_json(request):
        return JsonResponse({"error": message}, status=403)
    if _is_htmx(request):
        context = {**(context or {}), "error": message, "locked": True, "level": "danger"}
        return _partial(request, template, context, status=403)
    return render(
        request,
        "assessments/locked.html",
        {"assessment": assessment, "message": message},
        status=403,
    )


def _saved_now() -> str:
    return timezone.localtime().strftime("%H:%M")


def _uploader_available() -> bool:
    """The evidence library's upload widget, once it exists (it is built separately)."""
    try:
        get_template(UPLOADER_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


# --- the years -------------------------------------------------------------------------------


@require(Action.VIEW)
def assessment_list(request: HttpRequest) -> HttpResponse:
    years = queries.year_rows(request.organisation)
    return render(
        request,
        "assessments/list.html",
        {"years": years, "opening": queries.opening(years)},
    )


@require(Action.OPEN_YEAR)
def assessment_open(request: HttpRequest) -> HttpResponse:
    """GET: the form, offering only the year the rules allow (or saying why none can be
    opened). POST: open the year, carrying the previous year's results and evidence links
    forward."""
    org = request.organisation
    years, opening = queries.opening_for(org)
    if not opening.allowed:
        # Nothing to offer: the page says why; a post is refused the same way.
        status = 409 if request.method == "POST" else 200
        return render(request, "assessments/open.html", {"opening": opening}, status=status)
    form = OpenYearForm(request.POST or None, years=years)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            assessment = services.open_year(
                org,
                year,
                request.user,
                kind=form.cleaned_data["kind"],
                visit_date=form.cleaned_data["visit_date"],
            )
        except services.YearNotAllowed as error:  # someone opened or changed a year meanwhile
            form.add_error("year", str(error))
        except services.StandardNotLoaded as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _opened_message(assessment))
            return redirect("org:year", org_slug=org.slug, year=assessment.year)
    return render(request, "assessments/open.html", {"form": form, "opening": form.opening})


def _plural(count: int, noun: str) -> str:
    """``1 element``, ``2 elements``, ``0 evidence links``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def _opened_message(assessment: Assessment) -> str:
    previous = services.previous_assessment(assessment.organisation, assessment.year)
    if previous is None:
        return f"{assessment.year} is open: every element starts without a rating."
    results = assessment.results.filter(carried_forward=True, element__parent__isnull=True)
    links = assessment.evidence_links.count()
    return (
        f"{assessment.year} is open. Carried forward from {previous.year}: the ratings of "
        f"{_plural(results.count(), 'element')} and {_plural(links, 'evidence link')}, "
        "marked “carried forward” until you review them."
    )


@require(Action.OPEN_YEAR)
def year_details(request: HttpRequest, year: int) -> HttpResponse:
    """The kind and the assessor's visit date of a year; refused (403) once it is finalised."""
    assessment = _assessment(request, year)
    try:
        check_open(assessment)
    except YearLocked as error:
        return _locked(request, assessment, error)
    form = YearDetailsForm(request.POST or None, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_year_details(
                assessment, request.user, form.cleaned_data["kind"], form.cleaned_data["visit_date"]
            )
        except YearLocked as error:  # finalised meanwhile
            return _locked(request, assessment, error)
        if changed:
            messages.success(request, f"The details of {year} are saved.")
        else:
            messages.info(request, f"The details of {year} had not changed.")
        return redirect("org:year", org_slug=request.organisation.slug, year=year)
    return render(request, "assessments/details.html", {"assessment": assessment, "form": form})


@require(Action.DELETE_YEAR)
def year_delete(request: HttpRequest, year: int) -> HttpResponse:
    """GET: what deleting the year would remove, or why it may not be deleted. POST: delete
    it (the history keeps the record)."""
    assessment = _assessment(request, year)
    try:
        check_open(assessment)
    except YearLocked as error:
        return _locked(request, assessment, error)
    if request.method == "POST":
        try:
            deleted = services.delete_year(assessment, request.user)
        except YearLocked as error:
            return _locked(request, assessment, error)
        except services.YearNotDeletable:
            pass  # the page below says why
        else:
            messages.success(
                request,
                f"{year} was deleted, with its {_plural(deleted.results, 'element result')} "
                f"and {_plural(deleted.links, 'evidence link')}; the evidence items stay in "
                f"the library. You can open {year} again.",
            )
            return redirect("org:assessment-list", org_slug=request.organisation.slug)
    summary = queries.deletion(assessment)
    status = 409 if request.method == "POST" else 200
    return render(
        request, "assessments/delete.html", {"assessment": assessment, "deletion": summary},
        status=status,
    )  # fmt: skip


# --- a year's grid ---------------------------------------------------------------------------


@require(Action.VIEW)
def year_grid(request: HttpRequest, year: int) -> HttpResponse:
    assessment = _assessment(request, year)
    criteria = queries.criteria_of(assessment)
    filter_form = GridFilterForm(request.GET or None, criteria=criteria)
    filters = filter_form.filters()
    if assessment.is_finalised:  # nothing needs attention in a finalised year
        filters = dataclasses.replace(filters, attention=False)
    grid = queries.year_grid(assessment, filters, criteria=criteria)
    outcome = queries.year_outcome(assessment)  # a finalised year's (one query), else None
    return render(
        request,
        "assessments/year.html",
        {
            "assessment": assessment,
            "grid": grid,
            "filter_form": filter_form,
            "can_edit": _may_edit(request, assessment),
            "outcome": outcome[0] if outcome else None,
            "outcome_counts": outcome[1] if outcome else None,
            "can_change_details": not assessment.is_finalised
            and can(request.membership, Action.OPEN_YEAR),
            # An admin is offered the deletion only when the rules allow it (three queries).
            "can_delete": not assessment.is_finalised
            and can(request.membership, Action.DELETE_YEAR)
            and queries.deletion(assessment).allowed,
        },
    )


# --- one element -----------------------------------------------------------------------------


@require(Action.VIEW)
def element_detail(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    return _element_page(request, _assessment(request, year), ref)


def _element_page(
    request: HttpRequest,
    assessment: Assessment,
    ref: str,
    self_form: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    page = queries.element_page(assessment, ref)
    if page is None:
        raise Http404("No such element in this year")
    can_edit = _may_edit(request, assessment)
    query = request.GET.get("q", "")[:SEARCH_MAX_LENGTH].strip() if can_edit else ""
    search = (
        queries.search_evidence(request.organisation, assessment, page.element, query)
        if query
        else None
    )
    element_url = _element_url(assessment, ref)
    context = {
        "assessment": assessment,
        "page": page,
        "element": page.element,
        "result": page.result,
        "can_edit": can_edit,
        "query": query,
        "search": search,
        "element_url": element_url,
        "uploader": can_edit and _uploader_available(),
        **_self_form_context(request, page.result, "element", element_url),
        **(self_form or {}),
    }
    return render(request, "assessments/element.html", context, status=status)


def _self_form_context(
    request: HttpRequest,
    result: ElementResult,
    layout: str,
    next_url: str,
    rating: str | None = None,
    notes: str | None = None,
    **extra,
) -> dict:
    """What ``{% self_form %}`` draws: the saved values, or those submitted (``rating``,
    ``notes``); ``extra`` adds saved_at, error, locked, announce, attention_reasons."""
    assessment = result.assessment
    return {
        "result": result,
        "assessment": assessment,
        "layout": layout,
        "anchor": queries.anchor(result.element.ref),
        "action": reverse(
            "org:self-assessment",
            args=[request.organisation.slug, assessment.year, result.element.ref],
        ),
        "rating_value": result.self_rating if rating is None else rating,
        "notes_value": result.self_notes if notes is None else notes,
        "next_url": next_url,
        **extra,
    }


@require(Action.EDIT_EVIDENCE)
@require_POST
def self_assessment(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """Save the self-rating and notes of one element (the grid posts the rating alone)."""
    assessment = _assessment(request, year)
    result = _result(assessment, ref)
    layout = "grid" if request.POST.get("layout") == "grid" else "element"
    default_next = (
        reverse("org:year", args=[assessment.organisation.slug, year])
        if layout == "grid"
        else _element_url(assessment, ref)
    )
    next_url = safe_next(request, default_next)
    anchor = queries.anchor(result.element.ref)
    submitted = {
        "rating": request.POST.get("self_rating", result.self_rating),
        "notes": request.POST.get("self_notes", result.self_notes),
    }
    template = "assessments/_self_form.html"

    try:
        check_open(assessment)
    except YearLocked as error:
        context = _self_form_context(request, result, layout, next_url, **submitted)
        return _locked(request, assessment, error, template, context)

    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        error = form.first_error()
        if _is_htmx(request):
            context = _self_form_context(
                request, result, layout, next_url, **submitted, error=error
            )
            return _partial(request, template, context)
        messages.error(request, f"The self-assessment of {ref} was not saved: {error}")
        state = _self_form_context(request, result, "element", next_url, **submitted, error=error)
        return _element_page(request, assessment, ref, self_form=state)

    # Only the fields sent are changed (the grid sends the rating alone); the service reads
    # the row again under a lock and refreshes ``result`` with what is stored.
    sent = {
        name: form.cleaned_data[name]
        for name in ("self_rating", "self_notes")
        if name in request.POST
    }
    try:
        changed = services.set_self_assessment(result, request.user, **sent)
    except YearLocked as error:  # finalised in the meantime
        context = _self_form_context(request, result, layout, next_url, **submitted)
        return _locked(request, assessment, error, template, context)

    if _is_htmx(request):
        saved_at = _saved_now()
        context = _self_form_context(
            request,
            result,
            layout,
            next_url,
            saved_at=saved_at,
            announce=f"Self-assessment of {ref} saved at {saved_at}.",
            attention_reasons=queries.result_reasons(result),
        )
        if layout == "grid":  # the grid's progress box, swapped out of band
            context["progress"] = queries.year_grid(assessment).progress
        return _partial(request, template, context)
    if changed:
        messages.success(request, f"The self-assessment of {ref} is saved.")
    else:
        messages.info(request, f"The self-assessment of {ref} had not changed.")
    return redirect_to(next_url, anchor)


# --- linking evidence to an element ----------------------------------------------------------


@require(Action.EDIT_EVIDENCE)
def element_evidence_search(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """The library search as a partial list (HTMX); the element page shows the same with ?q=."""
    assessment = _assessment(request, year)
    result = _result(assessment, ref)
    query = request.GET.get("q", "")[:SEARCH_MAX_LENGTH].strip()
    return render(
        request,
        "assessments/_search_results.html",
        {
            "assessment": assessment,
            "element": result.element,
            "query": query,
            "search": queries.search_evidence(
                request.organisation, assessment, result.element, query
            ),
            "can_edit": _may_edit(request, assessment),
            "element_url": _element_url(assessment, ref),
        },
    )


@require(Action.EDIT_EVIDENCE)
@require_POST
def element_link(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """Link an item of the library (``evidence_id``, optional ``note``) to the element.

    Answers JSON to ``Accept: application/json``, a fragment to HTMX (with an
    ``evidence-linked`` event in HX-Trigger), and a redirect to ``next`` otherwise.
    """
    assessment = _assessment(request, year)
    result = _result(assessment, ref)
    element_url = _element_url(assessment, ref)
    try:
        check_open(assessment)
    except YearLocked as error:
        return _locked(request, assessment, error)

    form = LinkEvidenceForm(request.POST)
    if not form.is_valid():
        error = next(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json(request):
            return JsonResponse({"error": error}, status=400)
        if _is_htmx(request):
            return _partial(request, "assessments/_alert.html", {"error": error, "level": "danger"})
        messages.error(request, f"Nothing was linked: {error}")
        return redirect_to(safe_next(request, element_url), "evidence")

    evidence = get_object_or_404(
        Evidence.objects.for_org(request.organisation), pk=form.cleaned_data["evidence_id"]
    )
    existed = EvidenceLink.objects.filter(
        evidence=evidence, assessment=assessment, element=result.element
    ).exists()
    try:
        link = evidence_services.link(
            evidence, assessment, result.element, request.user, note=form.cleaned_data["note"]
        )
    except YearLocked as error:
        return _locked(request, assessment, error)
    if existed:
        message = f"“{evidence.title}” was linked to {ref} for {year} already."
    else:
        message = f"“{evidence.title}” is now linked to {ref} for {year}."

    if _wants_json(request):
        return JsonResponse(
            {
                "linked": True,
                "created": not existed,
                "link_id": link.pk,
                "evidence_id": evidence.pk,
                "title": evidence.title,
                "ref": ref,
                "year": year,
                "message": message,
                "element_url": element_url,
            },
            status=200 if existed else 201,
        )
    if _is_htmx(request):
        context = {"message": message, "level": "success", "announce": message}
        if request.headers.get("HX-Target", "").startswith("evidence-result-"):
            # From this page's library search: the hit says so, the linked list refreshes.
            page = queries.element_page(assessment, ref)
            context.update(
                hit=queries.SearchHit(evidence, True),
                page=page,
                assessment=assessment,
                element=result.element,
                can_edit=True,
                element_url=element_url,
                refresh_links=True,
            )
            response = _partial(request, "assessments/_search_hit.html", context)
        else:
            response = _partial(request, "assessments/_alert.html", context)
        response["HX-Trigger"] = json.dumps(
            {"evidence-linked": {"ref": ref, "year": year, "link_id": link.pk}}
        )
        return response
    messages.success(request, message)
    return redirect_to(safe_next(request, element_url), "evidence")


def _link_context(request: HttpRequest, link: EvidenceLink, **extra) -> dict:
    assessment = link.assessment
    return {
        "link": link,
        "assessment": assessment,
        "can_edit": _may_edit(request, assessment),
        "element_url": _element_url(assessment, link.element.ref),
        **extra,
    }


@require(Action.EDIT_EVIDENCE)
@require_POST
def link_note(request: HttpRequest, year: int, link_pk: int) -> HttpResponse:
    """Save the note of one link: how the item supports the element in this year."""
    assessment = _assessment(request, year)
    link = _link(request, assessment, link_pk)
    element_url = _element_url(assessment, link.element.ref)
    template = "assessments/_link_note_form.html"
    submitted = request.POST.get("note", link.note)
    try:
        check_open(assessment)
    except YearLocked as error:
        return _locked(
            request, assessment, error, template, _link_context(request, link, note=submitted)
        )
    form = LinkNoteForm(request.POST)
    if not form.is_valid():
        error = next(str(e) for errors in form.errors.values() for e in errors)
        if _is_htmx(request):
            context = _link_context(request, link, note=submitted, error=error)
            return _partial(request, template, context)
        messages.error(request, f"The note was not saved: {error}")
        return redirect_to(element_url, f"link-{link.pk}")
    try:
        evidence_services.update_link_note(link, form.cleaned_data["note"], request.user)
    except YearLocked as error:
        return _locked(
            request, assessment, error, template, _link_context(request, link, note=submitted)
        )
    if _is_htmx(request):
        saved_at = _saved_now()
        context = _link_context(
            request,
            link,
            note=link.note,
            saved_at=saved_at,
            announce=f"Note on “{link.evidence.title}” saved at {saved_at}.",
        )
        return _partial(request, template, context)
    messages.success(request, f"The note on “{link.evidence.title}” is saved.")
    return redirect_to(element_url, f"link-{link.pk}")


@require(Action.EDIT_EVIDENCE)
@require_POST
def link_confirm(request: HttpRequest, year: int, link_pk: int) -> HttpResponse:
    """Re-confirm a carried-forward link for this year."""
    assessment = _assessment(request, year)
    link = _link(request, assessment, link_pk)
    element_url = _element_url(assessment, link.element.ref)
    try:
        evidence_services.confirm_link(link, request.user)
    except YearLocked as error:
        return _locked(request, assessment, error)
    message = f"“{link.evidence.title}” is confirmed for {year}."
    if _is_htmx(request):
        context = _link_context(request, link, announce=message)
        return _partial(request, "assessments/_link_item.html", context)
    messages.success(request, message)
    return redirect_to(element_url, f"link-{link.pk}")


@require(Action.EDIT_EVIDENCE)
@require_POST
def link_unlink(request: HttpRequest, year: int, link_pk: int) -> HttpResponse:
    """Remove the item from the element in this year; it stays in the library."""
    assessment = _assessment(request, year)
    link = _link(request, assessment, link_pk)
    element_url = _element_url(assessment, link.element.ref)
    try:
        evidence_services.unlink(link, request.user)
    except YearLocked as error:
        return _locked(request, assessment, error)
    message = (
        f"“{link.evidence.title}” no longer supports {link.element.ref} in {year}; "
        "it stays in the evidence library."
    )
    if _is_htmx(request):
        return _partial(
            request, "assessments/_link_removed.html", {"message": message, "announce": message}
        )
    messages.success(request, message)
    return redirect_to(element_url, "evidence")
