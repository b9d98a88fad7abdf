"""Evidence on an element's page: /o/<org>/assessments/<year>/… (names in the "org" namespace,
listed in evidence/element_urls.py): the library search, linking an item to the element, and
the note, re-confirmation and removal of a link.

The element page itself is assessments' (``assessments.views.element_detail``); it lists the
links through ``assessments.linked_evidence``. These views answer its in-place edits: HTMX gets
the re-rendered partial (a finalised year: 403 with the ``X-Portal-Partial`` header), a plain
form post a message and a redirect back to the element (``cse_portal.web.partial_or_redirect``).
Everything is looked up through the organisation (another tenant's year, ref or link: 404).
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments.lookups import result_of, year_of
from assessments.models import Assessment
from assessments.queries import element_page
from assessments.responses import saved_now, year_locked
from assessments.services import YearLocked
from cse_portal.web import first_form_error, get_for_org, partial_or_redirect, safe_next
from evidence import queries, services
from evidence.forms import SEARCH_MAX_LENGTH, LinkEvidenceForm, LinkNoteForm
from evidence.models import Evidence, EvidenceLink
from organisations.decorators import require
from organisations.permissions import Action

NOTE_FORM = "assessments/_link_note_form.html"


def _link(request: HttpRequest, assessment: Assessment, link_pk: int) -> EvidenceLink:
    link = get_for_org(
        EvidenceLink.objects.select_related("evidence", "element", "confirmed_by"),
        request.organisation,
        pk=link_pk,
        assessment=assessment,
    )
    link.assessment = assessment
    return link


def _element_url(assessment: Assessment, ref: str) -> str:
    return reverse("org:element", args=[assessment.organisation.slug, assessment.year, ref])


def _link_context(link: EvidenceLink, **extra) -> dict:
    """What the link's partials draw; only editors reach these views, so they may edit
    unless the year is finalised."""
    assessment = link.assessment
    return {
        "link": link,
        "assessment": assessment,
        "can_edit": not assessment.is_finalised,
        "element_url": _element_url(assessment, link.element.ref),
        **extra,
    }


@require(Action.EDIT_EVIDENCE)
@require_safe
def element_evidence_search(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """The library search as a partial list (HTMX); the element page shows the same with ?q=."""
    assessment = year_of(request, year)
    result = result_of(request, assessment, ref)
    query = request.GET.get("q", "")[:SEARCH_MAX_LENGTH]
    search = queries.search_evidence(request.organisation, assessment, result.element, query)
    return render(
        request,
        "assessments/_search_results.html",
        {
            "assessment": assessment,
            "element": result.element,
            "query": search.query,
            "search": search,
            "can_edit": not assessment.is_finalised,
            "element_url": _element_url(assessment, ref),
        },
    )


@require(Action.EDIT_EVIDENCE)
@require_POST
def element_link(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """Link an item of the library (``evidence_id``, optional ``note``) to the element.

    HTMX (the element page's library search) gets the search hit saying so, with the list of
    linked evidence swapped out of band; a plain post a message and a redirect to ``next``.
    """
    assessment = year_of(request, year)
    result = result_of(request, assessment, ref)
    if assessment.is_finalised:
        return year_locked(request, assessment, YearLocked(assessment))
    element_url = _element_url(assessment, ref)
    back = safe_next(request, element_url)
    form = LinkEvidenceForm(request.POST)
    if not form.is_valid():
        error = first_form_error(form)
        context = {"error": error, "level": "danger"}
        return partial_or_redirect(
            request,
            "assessments/_alert.html",
            context,
            back,
            "evidence",
            message=f"Nothing was linked: {error}",
            level=messages.ERROR,
        )
    evidence = get_for_org(Evidence, request.organisation, pk=form.cleaned_data["evidence_id"])
    try:
        _, created = services.link(
            evidence,
            assessment,
            result.element,
            acting_user=request.user,
            note=form.cleaned_data["note"],
        )
    except YearLocked as error:  # finalised meanwhile
        return year_locked(request, assessment, error)
    if created:
        message = f"“{evidence.title}” is now linked to {ref} for {year}."
    else:
        message = f"“{evidence.title}” was linked to {ref} for {year} already."

    def hit() -> dict:  # the search hit says so; the linked list refreshes (HTMX only)
        return {
            "message": message,
            "announce": message,
            "hit": queries.SearchHit(evidence, True),
            "page": element_page(assessment, ref),
            "assessment": assessment,
            "element": result.element,
            "can_edit": True,
            "element_url": element_url,
            "refresh_links": True,
        }

    return partial_or_redirect(
        request, "assessments/_search_hit.html", hit, back, "evidence", message=message
    )


@require(Action.EDIT_EVIDENCE)
@require_POST
def link_note(request: HttpRequest, year: int, link_pk: int) -> HttpResponse:
    """Save the note of one link: how the item supports the element in this year."""
    assessment = year_of(request, year)
    link = _link(request, assessment, link_pk)
    submitted = request.POST.get("note", link.note)
    if assessment.is_finalised:
        context = _link_context(link, note=submitted)
        return year_locked(request, assessment, YearLocked(assessment), NOTE_FORM, context)
    back, anchor = _element_url(assessment, link.element.ref), f"link-{link.pk}"
    form = LinkNoteForm(request.POST)
    if not form.is_valid():
        error = first_form_error(form)
        return partial_or_redirect(
            request,
            NOTE_FORM,
            _link_context(link, note=submitted, error=error),
            back,
            anchor,
            message=f"The note was not saved: {error}",
            level=messages.ERROR,
        )
    try:
        services.update_link_note(link, form.cleaned_data["note"], acting_user=request.user)
    except YearLocked as error:  # finalised meanwhile
        context = _link_context(link, note=submitted)
        return year_locked(request, assessment, error, NOTE_FORM, context)
    except services.LinkRemoved as gone:  # unlinked in another tab meanwhile
        raise Http404(str(gone)) from None
    saved_at = saved_now()
    context = _link_context(
        link,
        note=link.note,
        saved_at=saved_at,
        announce=f"Note on “{link.evidence.title}” saved at {saved_at}.",
    )
    return partial_or_redirect(
        request,
        NOTE_FORM,
        context,
        back,
        anchor,
        message=f"The note on “{link.evidence.title}” is saved.",
    )


@require(Action.EDIT_EVIDENCE)
@require_POST
def link_confirm(request: HttpRequest, year: int, link_pk: int) -> HttpResponse:
    """Re-confirm a carried-forward link for this year."""
    assessment = year_of(request, year)
    link = _link(request, assessment, link_pk)
    try:
        services.confirm_link(link, acting_user=request.user)
    except YearLocked as error:
        return year_locked(request, assessment, error)
    except services.LinkRemoved as gone:  # unlinked in another tab meanwhile
        raise Http404(str(gone)) from None
    message = f"“{link.evidence.title}” is confirmed for {year}."
    return partial_or_redirect(
        request,
        "assessments/_link_item.html",
        _link_context(link, announce=message),
        _element_url(assessment, link.element.ref),
        f"link-{link.pk}",
        message=message,
    )


@require(Action.EDIT_EVIDENCE)
@require_POST
def link_unlink(request: HttpRequest, year: int, link_pk: int) -> HttpResponse:
    """Remove the item from the element in this year; it stays in the library."""
    assessment = year_of(request, year)
    link = _link(request, assessment, link_pk)
    try:
        services.unlink(link, acting_user=request.user)
    except YearLocked as error:
        return year_locked(request, assessment, error)
    message = (
        f"“{link.evidence.title}” no longer supports {link.element.ref} in {year}; "
        "it stays in the evidence library."
    )
    return partial_or_redirect(
        request,
        "assessments/_link_removed.html",
        {"message": message, "announce": message},
        _element_url(assessment, link.element.ref),
        "evidence",
        message=message,
    )
