"""The rules of improvement actions, as plain functions: which elements offer one, the
default due date, and who may move an action to which status.

- Every element whose effective rating (the assessor's, or the one carried forward) or
  self-rating is Partial or Non-Compliance offers an action.
- The default due date is the Partial Compliance remedy deadline: OUTCOME_PC_REMEDY_MONTHS
  from the year's visit (from today when there is no visit date, or when that deadline has
  passed already).
- Open, in progress and done are the organisation's to set: its admins and quality leads, and
  the action's owner. Verified is the assessor's, at a visit, and only for an action marked
  done; only an assessor takes a verified action back (to done).
- A finalised year takes no new action: raise it in the current year. An action already
  raised outlives its year and changes at any time.
"""

from datetime import date

from actions.models import Action
from assessments.models import Assessment
from assessments.outcome import add_months, configured_thresholds
from organisations.models import Role

OFFERING_RATINGS = frozenset({"PC", "NC"})


def offers_action(rating: str, self_rating: str = "") -> bool:
    """Whether an element rated so offers "Raise an improvement action"."""
    return rating in OFFERING_RATINGS or self_rating in OFFERING_RATINGS


def default_due_date(assessment: Assessment, today: date) -> date:
    """The PC remedy deadline from the year's visit; from today if there is no visit date
    or that deadline is past."""
    months = configured_thresholds().pc_remedy_months
    if assessment.visit_date is not None:
        due = add_months(assessment.visit_date, months)
        if due > today:
            return due
    return add_months(today, months)


def raise_error(assessment: Assessment) -> str:
    """Why no action may be raised in this year, or "" when one may."""
    if assessment.is_finalised:
        return (
            f"{assessment.year} is finalised: raise the action in the organisation's current "
            "year instead."
        )
    return ""


def status_error(current: str, new: str, *, role: str | None, is_owner: bool) -> str:
    """Why a member with ``role`` (None: a command or the demo, which may do anything) who
    owns the action or not may not move it from ``current`` to ``new``; "" when they may."""
    statuses = Action.Status
    if new not in statuses.values:
        return "Choose one of the statuses listed."
    if new == current:
        return ""
    if role is None:
        return ""
    assessor = role == Role.ASSESSOR
    editor = role in (Role.ADMIN, Role.QUALITY_LEAD)
    if new == statuses.VERIFIED:
        if not assessor:
            return "Only the assessor marks an action verified, at a visit."
        if current != statuses.DONE:
            return (
                "Only an action marked done can be verified: its owner or the quality lead "
                "marks it done first."
            )
        return ""
    if current == statuses.VERIFIED:
        if not assessor or new != statuses.DONE:
            return "The assessor verified this action: only an assessor can take it back, to done."
        return ""
    if assessor:
        return (
            "The organisation marks its own progress on an action: the assessor only verifies "
            "it once it is done."
        )
    if not (editor or is_owner):
        return "Only the action's owner, a quality lead or an admin can change its progress."
    return ""


EARLIEST_DUE = date(1990, 1, 1)
LATEST_DUE_YEARS = 10


def due_date_error(due_date: date, today: date) -> str:
    """Why ``due_date`` is not one an action can have ("" when it can): from 1990 (the
    portal's first year) to ten years from today."""
    if due_date < EARLIEST_DUE:
        return "Give a due date from 1990 on."
    if due_date.year > today.year + LATEST_DUE_YEARS:
        return f"Give a due date within {LATEST_DUE_YEARS} years from today."
    return ""
