"""The assessor's marking: a result's rating, sampled mark and comment, the summaries of the
year (per criterion and overall), and the sample of an annual review.

Only an assessor marks (``Action.RATE``, checked by the views), and only while the year is in
assessor review (``check_marking_open``: a finalised year raises YearLocked, any other status
MarkingClosed). Each service follows ``services.set_self_assessment``: atomic, the assessment
row locked first (``check_open``), then the year's rows locked and read again, only the fields
sent written (``save(update_fields=…)``), the history row written from the stored row with
``acting_user``, and the caller's copy refreshed.

Two people marking the same result: every save of the assessor's fields adds one to the
result's ``version``; a save sent from another version than the stored one is refused with
StaleMark, which carries the stored values and who saved them when, so the page can show the
other's change beside what was typed (nothing is lost) and the next save, sent with the stored
version, replaces it. The summaries are checked the same way, by the text the form was drawn
with.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, CriterionSummary, ElementResult, Rating
from assessments.services import _copy_fields, check_open
from organisations.models import Membership
from organisations.permissions import Action, can
from standards.models import Criterion

MARK_RATINGS = frozenset({"", *Rating.values})
# Ratings that say something beyond "meets the standard": the assessor says why.
NEEDS_COMMENT = frozenset({Rating.COMPLIANCE_PLUS, Rating.PARTIAL, Rating.NON_COMPLIANCE})
MARK_FIELDS = ("rating", "sampled", "comment")


class MarkingClosed(PermissionDenied):
    """The year is not in assessor review, so nothing of the assessor's may change."""

    def __init__(self, assessment: Assessment):
        status = Assessment.Status(assessment.status).label.lower()
        super().__init__(
            f"{assessment.year} is at “{status}”, not in assessor review: the assessor's "
            "marks and summaries can be changed only while the year is in assessor review."
        )


@dataclass
class StaleMark(Exception):
    """A save sent from an older version of the result: the stored values, and who saved
    them when (from the history row that made the stored version)."""

    rating: str
    sampled: bool
    comment: str
    version: int
    by: str  # the person's name, or "" when not known
    at: datetime | None

    def __str__(self) -> str:
        who = self.by or "Someone"
        what = Rating(self.rating).label if self.rating else "no rating"
        when = f" at {timezone.localtime(self.at).strftime('%H:%M')}" if self.at else ""
        return f"{who} changed this meanwhile{when}: {what}."


@dataclass
class StaleSummary(Exception):
    """A summary changed since the form was drawn: the stored text, and who saved it when."""

    text: str
    by: str
    at: datetime | None


def may_mark(membership: Membership | None, assessment: Assessment) -> bool:
    """Whether this member is shown the assessor's controls for the year (the services decide
    again under their lock)."""
    return (
        can(membership, Action.RATE)
        and assessment.status == Assessment.Status.ASSESSOR_REVIEW
    )  # fmt: skip


def check_marking_open(assessment: Assessment) -> None:
    """Lock the assessment row (``check_open``) and refuse unless the stored status is
    assessor review: YearLocked for a finalised year, MarkingClosed for any other."""
    check_open(assessment)
    if assessment.status != Assessment.Status.ASSESSOR_REVIEW:
        raise MarkingClosed(assessment)


def comment_error(rating: str, comment: str) -> str:
    """Why a rating may not be kept without a comment ("" when it may): CP, PC and NC say
    why."""
    if rating in NEEDS_COMMENT and not comment.strip():
        return (
            f"{rating} ({Rating(rating).label}) needs a comment saying why: write it in the "
            "comment box, then save."
        )
    return ""


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or getattr(user, "email", "") or ""


def _stale_mark(stored: ElementResult) -> StaleMark:
    """The stored values of ``stored`` and the history row that wrote its version."""
    made = (
        ElementResult.history.filter(id=stored.pk, version=stored.version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
        .first()
    )
    return StaleMark(
        rating=stored.rating,
        sampled=stored.sampled,
        comment=stored.comment,
        version=stored.version,
        by=_name(made.history_user) if made else "",
        at=made.history_date if made else None,
    )


@transaction.atomic
def set_assessor_mark(
    result: ElementResult,
    *,
    acting_user: AbstractBaseUser | None,
    expected_version: int,
    rating: str | None = None,
    sampled: bool | None = None,
    comment: str | None = None,
) -> bool:
    """Record the assessor's rating, sampled mark and/or comment of one result; False when
    nothing changed.

    Only the fields given are written (None: not sent, kept as stored). A save that changes
    anything from another version than the stored one raises StaleMark (nothing written);
    the same values again are no conflict. A rating given clears ``carried_forward``: it is
    this year's mark now. CP, PC and NC without a comment (as they would be stored) raise
    ValidationError. A year not in assessor review raises YearLocked or MarkingClosed.
    ``result`` is refreshed with the stored values.
    """
    if rating is not None and rating not in MARK_RATINGS:
        raise ValidationError(
            f"“{rating}” is not a rating: choose CP, C, PC or NC, or leave it blank."
        )
    check_marking_open(result.assessment)  # locks the assessment row first
    stored = ElementResult.objects.select_for_update(of=("self",)).get(pk=result.pk)
    stored.assessment = result.assessment
    sent = {"rating": rating, "sampled": sampled, "comment": comment}
    changes = {
        name: value
        for name, value in sent.items()
        if value is not None and getattr(stored, name) != value
    }
    if rating and stored.carried_forward:
        changes["carried_forward"] = False
    if not changes:
        _copy_fields(stored, result)
        return False
    if expected_version != stored.version:
        raise _stale_mark(stored)
    if "rating" in changes or "comment" in changes:
        problem = comment_error(
            changes.get("rating", stored.rating), changes.get("comment", stored.comment)
        )
        if problem:
            raise ValidationError(problem)
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.version += 1
    stored.updated_by = acting_user
    stored._history_user = acting_user
    stored.save(update_fields=[*changes, "version", "updated_by", "updated_at"])
    _copy_fields(stored, result)
    return True


# --- the summaries -----------------------------------------------------------------------------


def text_stamp(text: str) -> str:
    """What a summary form sends back of the text it was drawn with, to tell a change made
    meanwhile (a short hash: the text itself may be long)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _latest_change(history, pk: int) -> tuple[str, datetime | None]:
    row = history.filter(id=pk).select_related("history_user").order_by("-history_date").first()
    return (_name(row.history_user), row.history_date) if row else ("", None)


@transaction.atomic
def set_criterion_summary(
    assessment: Assessment,
    criterion: Criterion,
    text: str,
    *,
    acting_user: AbstractBaseUser | None,
    drawn: str | None = None,
) -> bool:
    """The assessor's findings on one criterion of the year; False when unchanged.

    ``drawn`` is ``text_stamp`` of the text the form showed: a summary changed since raises
    StaleSummary (nothing written). A criterion of another standard raises ValueError.
    """
    if criterion.standard_id != assessment.standard_id:
        raise ValueError(f"Criterion {criterion.ref} is not a criterion of this year's standard.")
    check_marking_open(assessment)
    summary, _created = CriterionSummary.objects.get_or_create(
        assessment=assessment, criterion=criterion
    )
    summary = CriterionSummary.objects.select_for_update(of=("self",)).get(pk=summary.pk)
    if summary.text == text:
        return False
    if drawn is not None and drawn != text_stamp(summary.text):
        by, at = _latest_change(CriterionSummary.history, summary.pk)
        raise StaleSummary(summary.text, by, at)
    summary.text = text
    summary.updated_by = acting_user
    summary._history_user = acting_user
    summary.save(update_fields=["text", "updated_by", "updated_at"])
    return True


@transaction.atomic
def set_assessor_summary(
    assessment: Assessment,
    text: str,
    *,
    acting_user: AbstractBaseUser | None,
    drawn: str | None = None,
) -> bool:
    """The assessor's overall findings for the year (``Assessment.assessor_summary``); False
    when unchanged. ``drawn`` as for ``set_criterion_summary``."""
    check_marking_open(assessment)  # locks the row
    stored = Assessment.objects.get(pk=assessment.pk)
    if stored.assessor_summary == text:
        assessment.assessor_summary = text
        return False
    if drawn is not None and drawn != text_stamp(stored.assessor_summary):
        by, at = _latest_change(Assessment.history, stored.pk)
        raise StaleSummary(stored.assessor_summary, by, at)
    stored.assessor_summary = text
    stored._history_user = acting_user
    stored._change_reason = f"The assessor's findings for {stored.year} changed"
    stored.save(update_fields=["assessor_summary", "updated_at"])
    assessment.assessor_summary = text
    return True


# --- the sample ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleChange:
    """What confirming a sample changed: the refs marked sampled and those unmarked."""

    added: list[str]
    removed: list[str]

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed)


@transaction.atomic
def set_sample(
    assessment: Assessment,
    *,
    acting_user: AbstractBaseUser | None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> SampleChange:
    """Mark the elements ``add`` (refs) sampled at this visit and ``remove`` not, leaving
    every other result as it is (what the assessor changed on the sample page, nothing else:
    a mark made meanwhile elsewhere stays). Each result changed gets a new version and a
    history row. A ref in both, or not an element of the year, raises ValueError."""
    add, remove = set(add), set(remove)
    if add & remove:
        raise ValueError("An element cannot be both added to the sample and removed from it.")
    check_marking_open(assessment)
    results = list(
        ElementResult.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, element__ref__in=add | remove)
        .select_related("element")
        .order_by("pk")
    )
    unknown = (add | remove) - {r.element.ref for r in results}
    if unknown:
        raise ValueError(f"Not elements of {assessment.year}: {', '.join(sorted(unknown))}.")
    added, removed = [], []
    for stored in results:
        wanted = stored.element.ref in add
        if stored.sampled == wanted:
            continue
        stored.sampled = wanted
        stored.version += 1
        stored.updated_by = acting_user
        stored._history_user = acting_user
        stored._change_reason = "Sample confirmed"
        stored.save(update_fields=["sampled", "version", "updated_by", "updated_at"])
        (added if wanted else removed).append(stored.element.ref)
    return SampleChange(added, removed)
