"""The checks before a year moves: what is missing before the organisation submits it, and
what stands in the way of finalising it.

Plain functions returning ``CheckItem``s (kind, message, element ref, blocking), in the
standard's order. A blocking item stops finalising (``workflow.finalise`` runs the check again
under the year's lock); a warning is shown and kept. Nothing before submitting blocks: the
quality lead sees what is missing, then decides.

What the check reads: the year's results (one query), its evidence through
``linked_evidence`` (one query), and which elements have an improvement action in hand
through ``linked_actions`` (one query; actions live in a higher app that assessments may not
import), unless the caller passes ``action_refs``.

Which elements must be rated at this visit: all 57 at an initial assessment or a
reassessment, the sampled ones at an annual review. An element is rated at this visit when
its rating is set and not carried forward from the year before (an annual review's
unsampled elements keep the rating carried forward, which is what they should do).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils import timezone

from assessments import linked_actions, linked_evidence
from assessments.models import Assessment, ElementResult

FULL_KINDS = frozenset({Assessment.Kind.INITIAL, Assessment.Kind.REASSESSMENT})
NEEDS_COMMENT = frozenset({"CP", "PC", "NC"})
NEEDS_ACTION = frozenset({"PC", "NC"})
NEEDS_EVIDENCE = frozenset({"CP", "C"})


class Kind(StrEnum):
    NOT_RATED = "not_rated"
    NO_COMMENT = "no_comment"
    NO_ACTION = "no_action"
    NO_EVIDENCE = "no_evidence"
    EVIDENCE_OVERDUE = "evidence_overdue"
    RATINGS_DIFFER = "ratings_differ"
    NOT_SELF_RATED = "not_self_rated"


# The heading of each kind's group on the pages, in the order they are shown.
KIND_HEADINGS = {
    Kind.NOT_RATED: "Elements to rate at this visit",
    Kind.NO_COMMENT: "Ratings without a comment (CP, PC and NC need one)",
    Kind.NO_ACTION: "Partial or Non-Compliance without an improvement action",
    Kind.NO_EVIDENCE: "Compliance without any evidence linked",
    Kind.EVIDENCE_OVERDUE: "Evidence past its review date",
    Kind.RATINGS_DIFFER: "Self-rating and assessor's rating differ",
    Kind.NOT_SELF_RATED: "Elements without a self-rating",
}


@dataclass(frozen=True)
class CheckItem:
    kind: Kind
    ref: str  # the element's ref: the page links its element page
    message: str
    blocking: bool = False


def _ref_key(ref: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in ref.split("."))


@dataclass(frozen=True)
class _Row:
    element_id: int
    ref: str
    parent_id: int | None
    rating: str
    self_rating: str
    sampled: bool
    comment: str
    carried_forward: bool


def _rows(assessment: Assessment) -> list[_Row]:
    """The year's results in the standard's order (one query)."""
    return [
        _Row(*values)
        for values in ElementResult.objects.filter(assessment_id=assessment.pk)
        .order_by("element__position")
        .values_list(
            "element_id",
            "element__ref",
            "element__parent_id",
            "rating",
            "self_rating",
            "sampled",
            "comment",
            "carried_forward",
        )
    ]


def pre_finalise_check(
    assessment: Assessment,
    *,
    action_refs: Iterable[str] | None = None,
    today: date | None = None,
) -> list[CheckItem]:
    """What stands in the way of finalising ``assessment`` (blocking) and what the assessor
    should look at first (warnings). Four queries (three when ``action_refs`` is given).

    Blocking: an element that must be rated at this visit and is not; a CP, PC or NC given
    at this visit without a comment saying why. Warnings: PC or NC without an improvement
    action; C or CP with no evidence linked; evidence past its review-by date; the
    self-rating and the assessor's rating differing.
    """
    today = today or timezone.localdate()
    rows = _rows(assessment)
    evidence = linked_evidence.provider().figures(assessment, today)
    if action_refs is None:
        action_refs = linked_actions.provider().refs_with_actions(assessment)
    with_actions = set(action_refs)
    full = assessment.kind in FULL_KINDS
    sampled = {row.element_id for row in rows if row.sampled}

    items: list[CheckItem] = []
    for row in rows:
        top = row.parent_id is None
        # At an annual review a sub-element is looked at with its element.
        looked_at = full or row.element_id in sampled or row.parent_id in sampled
        rated_now = bool(row.rating) and not row.carried_forward
        if top and looked_at and not rated_now:
            if row.rating:
                why = f"carries its rating ({row.rating}) forward from the year before"
            else:
                why = "has no rating"
            visit = "sampled at this visit" if not full else "to be rated at this visit"
            items.append(
                CheckItem(Kind.NOT_RATED, row.ref, f"{row.ref} is {visit} and {why}.", True)
            )
        if rated_now and looked_at and row.rating in NEEDS_COMMENT and not row.comment.strip():
            items.append(
                CheckItem(
                    Kind.NO_COMMENT,
                    row.ref,
                    f"{row.ref} is rated {row.rating} without a comment saying why.",
                    True,
                )
            )
        if row.rating in NEEDS_ACTION and row.ref not in with_actions:
            items.append(
                CheckItem(
                    Kind.NO_ACTION,
                    row.ref,
                    f"{row.ref} is rated {row.rating} and has no improvement action.",
                )
            )
        count, overdue = evidence.get(row.element_id, (0, False))
        if top and row.rating in NEEDS_EVIDENCE and count == 0:
            items.append(
                CheckItem(
                    Kind.NO_EVIDENCE,
                    row.ref,
                    f"{row.ref} is rated {row.rating} with no evidence linked in this year.",
                )
            )
        if overdue:
            items.append(
                CheckItem(
                    Kind.EVIDENCE_OVERDUE,
                    row.ref,
                    f"Evidence linked to {row.ref} is past its review date.",
                )
            )
        if row.rating and row.self_rating and row.rating != row.self_rating:
            items.append(
                CheckItem(
                    Kind.RATINGS_DIFFER,
                    row.ref,
                    f"{row.ref}: self-rated {row.self_rating}, rated {row.rating} by the assessor.",
                )
            )
    return items


def submission_check(assessment: Assessment, *, today: date | None = None) -> list[CheckItem]:
    """What the organisation has not done yet, before it submits (nothing blocks): the
    standard's elements without a self-rating, and those with no evidence linked. Three
    queries."""
    today = today or timezone.localdate()
    rows = _rows(assessment)
    evidence = linked_evidence.provider().figures(assessment, today)
    items = []
    for row in rows:
        if row.parent_id is not None:
            continue  # sub-elements are detail under their element
        if not row.self_rating:
            items.append(CheckItem(Kind.NOT_SELF_RATED, row.ref, f"{row.ref} has no self-rating."))
        if not evidence.get(row.element_id, (0, False))[0]:
            items.append(CheckItem(Kind.NO_EVIDENCE, row.ref, f"{row.ref} has no evidence linked."))
    return items


@dataclass(frozen=True)
class CheckGroup:
    kind: Kind
    heading: str
    blocking: bool
    items: list[CheckItem]


def grouped(items: Iterable[CheckItem]) -> list[CheckGroup]:
    """The items by kind, blocking kinds first, each kind in the order of ``KIND_HEADINGS``."""
    by_kind: dict[Kind, list[CheckItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    groups = [
        CheckGroup(kind, KIND_HEADINGS[kind], any(i.blocking for i in found), found)
        for kind in KIND_HEADINGS
        if (found := by_kind.get(kind))
    ]
    return sorted(groups, key=lambda group: not group.blocking)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def blocking_message(year: int, blocking: list[CheckItem]) -> str:
    """Why ``year`` cannot be finalised, in one sentence naming the first few items."""
    refs = sorted({item.ref for item in blocking}, key=_ref_key)
    shown = ", ".join(refs[:8]) + (f" and {len(refs) - 8} more" if len(refs) > 8 else "")
    return (
        f"{year} cannot be finalised yet: {_count(len(blocking), 'blocking item')} "
        f"({shown}). Rate every element that must be rated and give every CP, PC and NC a "
        "comment, then finalise."
    )
