"""The year's workflow pages: submit (what is missing, then confirm), start the review,
return with changes requested (a note), finalise (the pre-finalise check, the outcome, the
override, confirm) and reopen (a reason). The status panel of the year page is the
``year_status_panel`` tag (``workflow_tags``).

Views parse, call ``assessments.workflow`` and render; a move the service refuses
(``MoveRefused``: the status changed meanwhile, a blocking item, the role) is shown on the
page with its reason, status 403, and nothing typed is lost.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments import finalise, workflow
from assessments.forms import MoveNoteForm, OverrideForm
from assessments.lookups import year_of
from assessments.models import Assessment
from assessments.outcome import outcome_of
from assessments.workflow import MOVES, Move, MoveRefused
from organisations.decorators import require
from organisations.permissions import Action


def _to_year(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    return redirect("org:year", org_slug=request.organisation.slug, year=assessment.year)


def _done(request: HttpRequest, assessment: Assessment, move: Move) -> HttpResponse:
    messages.success(request, MOVES[move].done.format(year=assessment.year))
    return _to_year(request, assessment)


BUTTONS = {
    Move.SUBMIT: "Submit {year} for review",
    Move.REQUEST_CHANGES: "Return {year} to the organisation",
    Move.FINALISE: "Finalise {year}",
    Move.REOPEN: "Reopen {year}",
}


def _move_page(
    request: HttpRequest,
    assessment: Assessment,
    move: Move,
    template: str,
    form: MoveNoteForm,
    error: str = "",
    **context,
) -> HttpResponse:
    """A move's page: why it cannot be made now (from the status as loaded; the service
    decides under its lock), or its form."""
    problem = error or workflow.status_refusal(move, assessment.status, assessment.year)
    return render(
        request,
        template,
        {
            "assessment": assessment,
            "form": form,
            "move": MOVES[move],
            "button": BUTTONS[move].format(year=assessment.year),
            "problem": problem,
            **context,
        },
        status=403 if error else 200,
    )


def _simple_move(
    request: HttpRequest,
    year: int,
    move: Move,
    template: str,
    form_kwargs: dict,
    make,
    context=None,
) -> HttpResponse:
    assessment = year_of(request, year)
    form = MoveNoteForm(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            make(assessment, form.cleaned_data["note"])
        except MoveRefused as refused:
            extra = context(assessment) if context else {}
            return _move_page(request, assessment, move, template, form, str(refused), **extra)
        return _done(request, assessment, move)
    extra = context(assessment) if context else {}
    return _move_page(request, assessment, move, template, form, **extra)


@require(Action.SUBMIT_YEAR)
def year_submit(request: HttpRequest, year: int) -> HttpResponse:
    """GET: what is missing (elements without a self-rating, without evidence), then the
    confirmation. POST: submit the year for the assessor's review."""

    def missing(assessment: Assessment) -> dict:
        items = finalise.submission_check(assessment)
        return {"groups": finalise.grouped(items), "missing": len(items)}

    return _simple_move(
        request,
        year,
        Move.SUBMIT,
        "assessments/submit.html",
        {"label": "Note for the assessor (optional)"},
        lambda assessment, note: workflow.submit(assessment, acting_user=request.user, note=note),
        missing,
    )


@require(Action.REVIEW_YEAR)
@require_POST
def year_start_review(request: HttpRequest, year: int) -> HttpResponse:
    """POST (the status panel's button): the assessor takes up a submitted year."""
    assessment = year_of(request, year)
    try:
        workflow.start_review(assessment, acting_user=request.user)
    except MoveRefused as refused:
        messages.error(request, str(refused))
        return _to_year(request, assessment)
    return _done(request, assessment, Move.START_REVIEW)


@require(Action.REVIEW_YEAR)
def year_return(request: HttpRequest, year: int) -> HttpResponse:
    """GET: the note saying what to change. POST: return the year to the organisation."""
    return _simple_move(
        request,
        year,
        Move.REQUEST_CHANGES,
        "assessments/return.html",
        {
            "label": "What should the organisation change?",
            "required_message": MOVES[Move.REQUEST_CHANGES].note_required,
        },
        lambda assessment, note: workflow.request_changes(
            assessment, acting_user=request.user, note=note
        ),
    )


@require(Action.REOPEN_YEAR)
def year_reopen(request: HttpRequest, year: int) -> HttpResponse:
    """GET: the reason. POST: reopen a finalised year (back to assessor review)."""
    return _simple_move(
        request,
        year,
        Move.REOPEN,
        "assessments/reopen.html",
        {
            "label": "Reason for reopening",
            "required_message": MOVES[Move.REOPEN].note_required,
        },
        lambda assessment, note: workflow.reopen(assessment, acting_user=request.user, reason=note),
    )


def _finalise_context(assessment: Assessment) -> dict:
    """The check's items by kind and the outcome (with the override that stands)."""
    items = finalise.pre_finalise_check(assessment)
    blocking = sum(item.blocking for item in items)
    allowed = not workflow.status_refusal(Move.FINALISE, assessment.status, assessment.year)
    return {
        "can_confirm": allowed and not blocking,
        "groups": finalise.grouped(items),
        "blocking": blocking,
        "warnings": len(items) - blocking,
        "outcome": outcome_of(assessment, override=workflow.stored_override(assessment)),
    }


@require(Action.REVIEW_YEAR)
def year_finalise(request: HttpRequest, year: int) -> HttpResponse:
    """GET: the pre-finalise check (blocking items, then warnings, each linking its
    element), the outcome, the override form and the confirmation. POST: finalise (the
    check runs again under the year's lock)."""
    assessment = year_of(request, year)
    form = MoveNoteForm(request.POST or None, label="Note (optional)")
    override_form = OverrideForm(
        initial={
            "recommendation": assessment.recommendation_override,
            "reason": assessment.recommendation_override_reason,
        }
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            workflow.finalise(assessment, acting_user=request.user, note=form.cleaned_data["note"])
        except MoveRefused as refused:
            error = str(refused)
        else:
            return _done(request, assessment, Move.FINALISE)
    return _move_page(
        request,
        assessment,
        Move.FINALISE,
        "assessments/finalise.html",
        form,
        error,
        override_form=override_form,
        can_override=assessment.status in workflow.OVERRIDE_STATUSES,
        **_finalise_context(assessment),
    )


@require(Action.REVIEW_YEAR)
@require_POST
def year_override(request: HttpRequest, year: int) -> HttpResponse:
    """POST: the assessor's own recommendation and its reason (or none: the computed one
    stands). A refused form is shown on the finalise page with what was typed."""
    assessment = year_of(request, year)
    override_form = OverrideForm(request.POST)
    error = ""
    if override_form.is_valid():
        try:
            changed = workflow.override_recommendation(
                assessment,
                acting_user=request.user,
                recommendation=override_form.cleaned_data["recommendation"],
                reason=override_form.cleaned_data["reason"],
            )
        except MoveRefused as refused:
            error = str(refused)
        else:
            if not changed:
                messages.info(request, "The recommendation had not changed.")
            elif assessment.recommendation_override:
                messages.success(
                    request, "Your recommendation stands in place of the computed one."
                )
            else:
                messages.success(
                    request, "The override is withdrawn: the computed recommendation stands."
                )
            return redirect(
                "org:year-finalise", org_slug=request.organisation.slug, year=assessment.year
            )
    response = render(
        request,
        "assessments/finalise.html",
        {
            "assessment": assessment,
            "form": MoveNoteForm(label="Note (optional)"),
            "move": MOVES[Move.FINALISE],
            "button": BUTTONS[Move.FINALISE].format(year=assessment.year),
            "problem": workflow.status_refusal(Move.FINALISE, assessment.status, assessment.year),
            "override_form": override_form,
            "override_error": error,
            "can_override": assessment.status in workflow.OVERRIDE_STATUSES,
            **_finalise_context(assessment),
        },
        status=403 if error else 200,
    )
    return response
