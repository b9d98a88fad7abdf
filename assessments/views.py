"""The quality lead's year: the list of years, opening one, its details and deletion, a
year's grid, one element's page, and the in-place edit of the self-assessment. The evidence
on the element page has its own views (``evidence.element_views``).

Every edit works two ways. With HTMX (``HX-Request``) the answer is the re-rendered partial:
"Saved 14:02" on success, the submitted values and the reason on failure (200 for a
validation error, 403 for a finalised year, marked with the ``X-Portal-Partial`` header so
static/js/assessments.js swaps it in). A plain form post is answered with a redirect back to
the row, and a message.

Everything is looked up through the organisation (another tenant's year or ref: 404).
"""

import dataclasses

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from assessments import linked_evidence, marking, queries, services, workflow
from assessments.forms import (
    NOTES_MAX_LENGTH,
    SELF_RATING_CHOICES,
    GridFilterForm,
    OpenYearForm,
    SelfAssessmentForm,
    YearDetailsForm,
)
from assessments.lookups import result_of, year_of
from assessments.marking_views import mark_context
from assessments.models import Assessment, ElementResult
from assessments.responses import saved_now, year_locked
from assessments.services import YearLocked
from cse_portal.web import first_form_error, is_htmx, partial, redirect_to, safe_next
from organisations.decorators import require
from organisations.page_cache import cached_page
from organisations.permissions import Action, can

# What a self-assessment save answers with: the element page's form, a grid row's self-rating
# form, or a grid row's notes.
LAYOUTS = frozenset({"element", "grid", "notes"})
SELF_RATINGS = frozenset(value for value, _label in SELF_RATING_CHOICES)

# --- helpers ---------------------------------------------------------------------------------


def _may_edit(request: HttpRequest, assessment: Assessment) -> bool:
    return can(request.membership, Action.EDIT_EVIDENCE) and not assessment.is_finalised


def _element_url(assessment: Assessment, ref: str) -> str:
    return reverse("org:element", args=[assessment.organisation.slug, assessment.year, ref])


# --- the years -------------------------------------------------------------------------------


@require(Action.VIEW)
@cached_page
@require_safe
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
                acting_user=request.user,
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
    links = linked_evidence.provider().counts(assessment).total
    return (
        f"{assessment.year} is open. Carried forward from {previous.year}: the ratings of "
        f"{_plural(results.count(), 'element')} and {_plural(links, 'evidence link')}, "
        "marked “carried forward” until you review them."
    )


@require(Action.OPEN_YEAR)
def year_details(request: HttpRequest, year: int) -> HttpResponse:
    """The kind and the assessor's visit date of a year; refused (403) once it is finalised."""
    assessment = year_of(request, year)
    if assessment.is_finalised:
        return year_locked(request, assessment, YearLocked(assessment))
    form = YearDetailsForm(
        request.POST or None, assessment=assessment, assessors=workflow.assessors_of(assessment)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.update_year_details(
                assessment,
                data["kind"],
                data["visit_date"],
                acting_user=request.user,
                document_review_date=data["document_review_date"],
                visit_end_date=data["visit_end_date"],
                lead_assessor=data["lead_assessor"],
                certification_body=data["certification_body"],
            )
        except YearLocked as error:  # finalised meanwhile
            return year_locked(request, assessment, error)
        except ValueError as error:  # a detail the service refuses (an assessor left meanwhile)
            form.add_error(None, str(error))
            return render(
                request, "assessments/details.html", {"assessment": assessment, "form": form}
            )
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
    assessment = year_of(request, year)
    if assessment.is_finalised:
        return year_locked(request, assessment, YearLocked(assessment))
    if request.method == "POST":
        try:
            deleted = services.delete_year(assessment, acting_user=request.user)
        except YearLocked as error:  # finalised meanwhile
            return year_locked(request, assessment, error)
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
@cached_page
@require_safe
def year_grid(request: HttpRequest, year: int) -> HttpResponse:
    assessment = year_of(request, year)
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
            "can_mark": marking.may_mark(request.membership, assessment),
            "outcome": outcome,
            "outcome_counts": outcome.counts if outcome else None,
            "can_change_details": not assessment.is_finalised
            and can(request.membership, Action.OPEN_YEAR),
            # An admin is offered the deletion only when the rules allow it (two queries).
            "can_delete": not assessment.is_finalised
            and can(request.membership, Action.DELETE_YEAR)
            and queries.may_delete(assessment),
        },
    )


# --- one element -----------------------------------------------------------------------------


@require(Action.VIEW)
@cached_page
@require_safe
def element_detail(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    # The year read with the element's result (queries.element_page_of): one query fewer.
    page = queries.element_page_of(request.organisation, year, ref)
    if page is None:
        raise Http404("No such year, or no such element in this year")
    return _element_page(request, page.assessment, ref, page=page)


def _element_page(
    request: HttpRequest,
    assessment: Assessment,
    ref: str,
    self_form: dict | None = None,
    status: int = 200,
    page: queries.ElementPage | None = None,
) -> HttpResponse:
    if page is None:
        page = queries.element_page(assessment, ref)
    if page is None:
        raise Http404("No such element in this year")
    can_edit = _may_edit(request, assessment)
    search = (  # the library search without script (?q=), for editors
        linked_evidence.provider().search(
            request.organisation, assessment, page.element, request.GET.get("q", "")
        )
        if can_edit
        else None
    )
    element_url = _element_url(assessment, ref)
    can_mark = marking.may_mark(request.membership, assessment)
    context = {
        "assessment": assessment,
        "page": page,
        "element": page.element,
        "result": page.result,
        "can_edit": can_edit,
        "query": search.query if search else "",
        "search": search,
        "element_url": element_url,
        **_self_form_context(request, page.result, "element", element_url),
        "can_mark": can_mark,
        **(mark_context(request, page.result, "element", element_url) if can_mark else {}),
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
    """What _self_form.html draws in ``layout`` (the element page's form, or a grid row's
    self-rating or notes): the saved values, or those submitted (``rating``, ``notes``);
    ``extra`` adds saved_at, error, locked, announce, attention_reasons."""
    assessment = result.assessment
    rating_value = result.self_rating if rating is None else rating
    return {
        "result": result,
        "assessment": assessment,
        "layout": layout,
        "anchor": queries.anchor(result.element.ref),
        "action": reverse(
            "org:self-assessment",
            args=[request.organisation.slug, assessment.year, result.element.ref],
        ),
        "rating_value": rating_value,
        "rating_choices": SELF_RATING_CHOICES,
        "rating_unknown": rating_value not in SELF_RATINGS,  # a refused post, kept as sent
        "notes_value": result.self_notes if notes is None else notes,
        "notes_max_length": NOTES_MAX_LENGTH,
        "next_url": next_url,
        **extra,
    }


@require(Action.EDIT_EVIDENCE)
@require_POST
def self_assessment(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """Save the self-rating and notes of one element: from its page both, from a grid row
    the rating alone (``layout=grid``) or the notes alone (``layout=notes``). Only the fields
    sent are written; the answer redraws the form that was sent."""
    assessment = year_of(request, year)
    result = result_of(request, assessment, ref)
    layout = request.POST.get("layout")
    if layout not in LAYOUTS:
        layout = "element"
    default_next = (
        _element_url(assessment, ref)
        if layout == "element"
        else reverse("org:year", args=[assessment.organisation.slug, year])
    )
    next_url = safe_next(request, default_next)
    anchor = queries.anchor(result.element.ref)
    submitted = {
        "rating": request.POST.get("self_rating", result.self_rating),
        "notes": request.POST.get("self_notes", result.self_notes),
    }
    template = "assessments/_self_form.html"

    if assessment.is_finalised:
        context = _self_form_context(request, result, layout, next_url, **submitted)
        return year_locked(request, assessment, YearLocked(assessment), template, context)

    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        error = first_form_error(form)
        if is_htmx(request):
            context = _self_form_context(
                request, result, layout, next_url, **submitted, error=error
            )
            return partial(request, template, context)
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
        changed = services.set_self_assessment(result, acting_user=request.user, **sent)
    except YearLocked as error:  # finalised in the meantime
        context = _self_form_context(request, result, layout, next_url, **submitted)
        return year_locked(request, assessment, error, template, context)

    if is_htmx(request):
        saved_at = saved_now()
        what = "Notes on" if layout == "notes" else "Self-assessment of"
        context = _self_form_context(
            request,
            result,
            layout,
            next_url,
            saved_at=saved_at,
            announce=f"{what} {ref} saved at {saved_at}.",
        )
        if layout != "notes":  # the notes change neither the reasons nor the progress
            context["attention_reasons"] = queries.result_reasons(result)
        if layout == "grid":  # the grid's progress box, swapped out of band
            context["progress"] = queries.year_grid(assessment).progress
        return partial(request, template, context)
    if changed:
        messages.success(request, f"The self-assessment of {ref} is saved.")
    else:
        messages.info(request, f"The self-assessment of {ref} had not changed.")
    return redirect_to(next_url, anchor)
