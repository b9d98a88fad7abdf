"""The assessor's views: a result's mark saved in place (from the grid or the element page),
the year's summaries (per criterion and overall) and the sample of an annual review.

Kept apart from ``assessments.views`` (the quality lead's year), which draws the assessor's
form on its pages through ``mark_context``. Every change is ``Action.RATE`` (403 for any other
role, whatever the request says); the services refuse a year that is not in assessor review
(403, with the reason). Like the self-assessment, a save answers HTMX with the redrawn form
("Saved 14:02", or the values sent with the reason they were not saved) and a plain post with
a redirect back and a message; a save that met another's (StaleMark) answers 409 with the
other's values beside what was typed, and the stored version, so saving again replaces it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments import marking, queries
from assessments.forms import COMMENT_MAX_LENGTH, MARK_RATING_CHOICES, MarkForm, SummaryForm
from assessments.lookups import result_of, year_of
from assessments.marking import MarkingClosed, StaleMark, StaleSummary
from assessments.models import Assessment, CriterionSummary, ElementResult
from assessments.responses import saved_now, year_locked
from assessments.sampling import sampling_state
from assessments.services import YearLocked
from cse_portal.web import first_form_error, is_htmx, partial, redirect_to, safe_next
from organisations.decorators import require
from organisations.page_cache import cached_page
from organisations.permissions import Action
from standards.models import Criterion

MARK_LAYOUTS = frozenset({"element", "grid"})
MARK_TEMPLATE = "assessments/_assessor_form.html"
_VALID_MARKS = frozenset(value for value, _label in MARK_RATING_CHOICES)


def mark_context(
    request: HttpRequest,
    result: ElementResult,
    layout: str,
    next_url: str,
    *,
    rating: str | None = None,
    sampled: bool | None = None,
    comment: str | None = None,
    version: int | None = None,
    **extra,
) -> dict:
    """What _assessor_form.html draws in ``layout`` (the element page's form or a grid row's):
    the stored values, or those sent (``rating``, ``sampled``, ``comment``) with the version
    the next save is to be sent from; ``extra`` adds mark_error, mark_saved_at, mark_locked,
    stale (a StaleMark) and announce."""
    assessment = result.assessment
    rating_value = result.rating if rating is None else rating
    return {
        "result": result,
        "assessment": assessment,
        "layout": layout,
        "anchor": queries.anchor(result.element.ref),
        "mark_action": reverse(
            "org:assessor-mark",
            args=[request.organisation.slug, assessment.year, result.element.ref],
        ),
        "mark_rating": rating_value,
        "mark_rating_unknown": rating_value not in _VALID_MARKS,
        "mark_choices": MARK_RATING_CHOICES,
        "mark_sampled": result.sampled if sampled is None else sampled,
        "mark_comment": result.comment if comment is None else comment,
        "mark_version": result.version if version is None else version,
        "comment_max_length": COMMENT_MAX_LENGTH,
        "next_url": next_url,
        **extra,
    }


def _sent_marks(request: HttpRequest, form: MarkForm) -> dict:
    """The fields the post carried (a field not sent is kept as stored). The checkbox is
    sent only when ticked, so the form says it was there (``sampled_shown``)."""
    data = form.cleaned_data
    sent = {name: data[name] for name in ("rating", "comment") if name in request.POST}
    if "sampled" in request.POST or "sampled_shown" in request.POST:
        sent["sampled"] = bool(data["sampled"])
    return sent


@require(Action.RATE)
@require_POST
def assessor_mark(request: HttpRequest, year: int, ref: str) -> HttpResponse:
    """Save the assessor's rating, sampled mark and comment of one element (``layout``:
    "element" for its page, "grid" for a grid row). Only the fields sent are written."""
    assessment = year_of(request, year)
    result = result_of(request, assessment, ref)
    layout = request.POST.get("layout")
    if layout not in MARK_LAYOUTS:
        layout = "element"
    element_url = reverse("org:element", args=[request.organisation.slug, year, ref])
    default_next = element_url if layout == "element" else queries.year_url(assessment)
    next_url = safe_next(request, default_next)
    anchor = queries.anchor(ref)
    submitted = {
        "rating": request.POST.get("rating", result.rating),
        "comment": request.POST.get("comment", result.comment),
        "sampled": (
            "sampled" in request.POST
            if "sampled_shown" in request.POST or "sampled" in request.POST
            else result.sampled
        ),
        "version": result.version,
    }
    form = MarkForm(request.POST)
    if form.is_valid():
        submitted["version"] = form.cleaned_data["version"]
        try:
            changed = marking.set_assessor_mark(
                result,
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
                **_sent_marks(request, form),
            )
        except (YearLocked, MarkingClosed) as error:
            context = mark_context(
                request, result, layout, next_url, **submitted,
                mark_error=str(error), mark_locked=True,
            )  # fmt: skip
            return year_locked(request, assessment, error, MARK_TEMPLATE, context)
        except StaleMark as stale:
            # What was typed stays in the form, now to be sent from the stored version.
            return _refused(
                request, assessment, result, layout, next_url,
                {**submitted, "version": stale.version}, status=409, stale=stale,
                mark_error="Not saved: someone else changed this mark meanwhile.",
            )  # fmt: skip
        except ValidationError as error:
            return _refused(
                request, assessment, result, layout, next_url, submitted,
                mark_error=f"Not saved: {error.messages[0]}",
            )  # fmt: skip
    else:
        return _refused(
            request, assessment, result, layout, next_url, submitted,
            mark_error=f"Not saved: {first_form_error(form)}",
        )  # fmt: skip

    if is_htmx(request):
        at = saved_now()
        context = mark_context(
            request, result, layout, next_url,
            mark_saved_at=at, announce=f"The assessor's mark of {ref} saved at {at}.",
        )  # fmt: skip
        return partial(request, MARK_TEMPLATE, context)
    if changed:
        messages.success(request, f"Your mark of {ref} is saved.")
    else:
        messages.info(request, f"Your mark of {ref} had not changed.")
    return redirect_to(next_url, anchor)


def _refused(
    request: HttpRequest,
    assessment: Assessment,
    result: ElementResult,
    layout: str,
    next_url: str,
    submitted: dict,
    status: int = 200,
    **extra,
) -> HttpResponse:
    """A save not made: HTMX gets the form with what was sent and why; a plain post the
    element page with the same form (nothing typed is lost)."""
    if is_htmx(request):
        context = mark_context(request, result, layout, next_url, **submitted, **extra)
        return partial(request, MARK_TEMPLATE, context, status=status)
    from assessments.views import _element_page  # the element page is the lead's view

    messages.error(request, f"Your mark of {result.element.ref} was not saved: see below.")
    state = mark_context(request, result, "element", next_url, **submitted, **extra)
    return _element_page(
        request, assessment, result.element.ref, self_form=_mark_state(state), status=status
    )


def _mark_state(context: dict) -> dict:
    """The assessor form's part of a context, to lay over the element page's own."""
    return {
        key: value
        for key, value in context.items()
        if key.startswith("mark_") or key in {"stale", "comment_max_length"}
    }


# --- the summaries -------------------------------------------------------------------------------

OVERALL = "overall"


def _summary_rows(assessment: Assessment) -> list[dict]:
    """Each criterion of the year's standard with its summary (two queries), then the year's."""
    texts = dict(
        CriterionSummary.objects.filter(assessment=assessment).values_list("criterion_id", "text")
    )
    rows = [
        {"part": c.ref, "title": f"Criterion {c.ref}: {c.title}", "text": texts.get(c.pk, "")}
        for c in queries.criteria_of(assessment)
    ]
    rows.append({"part": OVERALL, "title": "The year overall", "text": assessment.assessor_summary})
    for row in rows:
        row["drawn"] = marking.text_stamp(row["text"])
    return rows


@require(Action.VIEW, post=Action.RATE)
@cached_page
def summaries(request: HttpRequest, year: int) -> HttpResponse:
    """GET: the assessor's findings per criterion and overall, as forms for an assessor while
    the year is in review, to read for everyone else. POST (assessors only): save one of
    them (``part``: a criterion's ref, or "overall")."""
    assessment = year_of(request, year)
    may_write = marking.may_mark(request.membership, assessment)
    rows = _summary_rows(assessment)
    status = 200
    if request.method == "POST":
        part = request.POST.get("part", "")
        row = next((r for r in rows if r["part"] == part), None)
        if row is None:
            messages.error(request, "That summary is not one of this year's: nothing was saved.")
            return redirect_to(reverse("org:summaries", args=[request.organisation.slug, year]))
        form = SummaryForm(request.POST)
        row["text"] = request.POST.get("text", row["text"])  # shown as sent, whatever happens
        try:
            if not form.is_valid():
                raise ValidationError(first_form_error(form))
            text, drawn = form.cleaned_data["text"], form.cleaned_data["drawn"] or None
            if part == OVERALL:
                changed = marking.set_assessor_summary(
                    assessment, text, acting_user=request.user, drawn=drawn
                )
            else:
                criterion = _criterion(assessment, part)
                changed = marking.set_criterion_summary(
                    assessment, criterion, text, acting_user=request.user, drawn=drawn
                )
        except (YearLocked, MarkingClosed) as error:
            return year_locked(request, assessment, error)
        except StaleSummary as stale:
            row["stale"] = stale
            row["drawn"] = marking.text_stamp(stale.text)
            row["error"] = "Not saved: someone else changed these findings meanwhile."
            status = 409
        except ValidationError as error:
            row["error"] = f"Not saved: {error.messages[0]}"
        else:
            label = row["title"]
            if is_htmx(request):
                row["drawn"] = marking.text_stamp(text)
                row["saved_at"] = saved_now()
                return partial(
                    request,
                    "assessments/_summary_form.html",
                    {"assessment": assessment, "row": row, "may_write": True,
                     "announce": f"Findings on {label.lower()} saved at {row['saved_at']}."},
                )  # fmt: skip
            if changed:
                messages.success(request, f"Your findings on {label.lower()} are saved.")
            else:
                messages.info(request, f"Your findings on {label.lower()} had not changed.")
            url = reverse("org:summaries", args=[request.organisation.slug, year])
            return redirect_to(url, f"summary-{part}")
        if is_htmx(request):
            return partial(
                request,
                "assessments/_summary_form.html",
                {"assessment": assessment, "row": row, "may_write": True},
                status=status,
            )
    return render(
        request,
        "assessments/summaries.html",
        {"assessment": assessment, "rows": rows, "may_write": may_write},
        status=status,
    )


def _criterion(assessment: Assessment, ref: str) -> Criterion:
    """A criterion of the year's standard by its ref (standards are shared reference data,
    so the year's standard is the tenant boundary here); ValidationError when none."""
    criterion = Criterion.objects.filter(standard_id=assessment.standard_id, ref=ref).first()
    if criterion is None:
        raise ValidationError(f"Criterion “{ref}” is not in this year's standard.")
    return criterion


# --- the sample ---------------------------------------------------------------------------------


@require(Action.VIEW, post=Action.RATE)
@cached_page
def sample(request: HttpRequest, year: int) -> HttpResponse:
    """The sampling helper: what the cycle still asks and the sample so far; for an assessor
    while the year is in review, a checkbox per element (``?propose=1`` ticks the proposed
    sample) and a button to confirm. POST (assessors only) applies the changes made to the
    ticks: ``was`` lists the elements the form showed ticked, ``ref`` those ticked now."""
    assessment = year_of(request, year)
    state = sampling_state(assessment)
    may_write = marking.may_mark(request.membership, assessment)
    if request.method == "POST":
        known = {c.ref for c in state.candidates}
        ticked = {ref for ref in request.POST.getlist("ref") if ref in known}
        was = {ref for ref in request.POST.getlist("was") if ref in known}
        try:
            change = marking.set_sample(
                assessment, acting_user=request.user, add=ticked - was, remove=was - ticked
            )
        except (YearLocked, MarkingClosed) as error:
            return year_locked(request, assessment, error)
        if change.count:
            parts = []
            if change.added:
                parts.append(f"added {', '.join(change.added)}")
            if change.removed:
                parts.append(f"removed {', '.join(change.removed)}")
            messages.success(request, f"The sample is saved: {'; '.join(parts)}.")
        else:
            messages.info(request, "The sample had not changed.")
        return redirect_to(reverse("org:sample", args=[request.organisation.slug, year]))
    proposing = may_write and request.GET.get("propose") == "1"
    proposal = set(state.proposal()) if state.applies else set()
    ticked = proposal if proposing else {c.ref for c in state.candidates if c.sampled_now}
    return render(
        request,
        "assessments/sample.html",
        {
            "assessment": assessment,
            "state": state,
            "may_write": may_write,
            "proposing": proposing,
            "proposal_size": len(proposal),
            "ticked": ticked,
        },
    )
