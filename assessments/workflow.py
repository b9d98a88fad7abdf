"""The year's workflow: how a year moves from the organisation to the assessor and back.

    self-assessment ──submit──▶ submitted ──start review──▶ assessor review ──finalise──▶ finalised
          ▲                        │                          │                             │
          └── changes requested ◀──┴──── return (note) ◀──────┘          reopen (admin) ◀───┘
              (submit again)                                                 → assessor review

Each move is one function here: atomic, ``acting_user`` keyword-only, the assessment row
locked and read again (lock order as everywhere: the assessment row first), refused with a
``MoveRefused`` (a PermissionDenied, so a 403 with its reason) when the year's stored status
or the actor's role does not allow it, and written down as an ``AssessmentEvent`` (who, when,
from, to, note) beside the year's own history row. ``acting_user=None`` is a command or the
demo: no role is asked of it.

Which move is allowed from which status and for which role is the table ``MOVES``; the year
page's buttons come from ``moves_for`` and the services ask ``refusal``, so the page never
offers a move the service would refuse.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from assessments.finalise import blocking_message, pre_finalise_check
from assessments.models import Assessment, AssessmentEvent, RecommendationChoice
from organisations.models import Membership, Role, role_phrase
from organisations.permissions import Action, role_can

Status = Assessment.Status

NOTE_MAX_LENGTH = 5000


class Move(StrEnum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    REQUEST_CHANGES = "request_changes"
    FINALISE = "finalise"
    REOPEN = "reopen"


@dataclass(frozen=True)
class MoveRule:
    action: Action  # the permission the actor's role needs
    sources: frozenset[str]  # the statuses the move starts from
    target: str
    label: str  # the button
    verb: str  # "submit a year for review": what only some roles may do
    doing: str  # "Submitting {year} for review": the start of a refusal
    done: str  # the message after the move
    note_required: str = ""  # the message when a required note is missing


MOVES: dict[Move, MoveRule] = {
    Move.SUBMIT: MoveRule(
        Action.SUBMIT_YEAR,
        frozenset({Status.SELF_ASSESSMENT, Status.CHANGES_REQUESTED}),
        Status.SUBMITTED,
        "Submit for review",
        "submit a year for review",
        "{year} can be submitted for review only from self-assessment or once the changes "
        "the assessor requested are made",
        "{year} is submitted for review: the assessor has been handed the self-assessment.",
    ),
    Move.START_REVIEW: MoveRule(
        Action.REVIEW_YEAR,
        frozenset({Status.SUBMITTED}),
        Status.ASSESSOR_REVIEW,
        "Start the review",
        "start the review of a year",
        "The review of {year} can start only once the organisation has submitted it",
        "The review of {year} has started.",
    ),
    Move.REQUEST_CHANGES: MoveRule(
        Action.REVIEW_YEAR,
        frozenset({Status.SUBMITTED, Status.ASSESSOR_REVIEW}),
        Status.CHANGES_REQUESTED,
        "Return with changes requested",
        "return a year with changes requested",
        "{year} can be returned to the organisation only while it is submitted or in "
        "assessor review",
        "{year} is returned to the organisation with changes requested.",
        note_required="Say what the organisation should change before it submits again.",
    ),
    Move.FINALISE: MoveRule(
        Action.REVIEW_YEAR,
        frozenset({Status.ASSESSOR_REVIEW}),
        Status.FINALISED,
        "Finalise",
        "finalise a year",
        "{year} can be finalised only in assessor review",
        "{year} is finalised: its record is now read-only.",
    ),
    Move.REOPEN: MoveRule(
        Action.REOPEN_YEAR,
        frozenset({Status.FINALISED}),
        Status.ASSESSOR_REVIEW,
        "Reopen",
        "reopen a finalised year",
        "Only a finalised year can be reopened",
        "{year} is reopened: it is back in assessor review.",
        note_required="Give the reason for reopening the year; it is kept in its record.",
    ),
}

# The status as a sentence ends: "2018 is finalised".
STATUS_PHRASES = {
    Status.SELF_ASSESSMENT: "in self-assessment",
    Status.SUBMITTED: "submitted for review",
    Status.ASSESSOR_REVIEW: "in assessor review",
    Status.CHANGES_REQUESTED: "back with the organisation, with changes requested",
    Status.FINALISED: "finalised",
}


class MoveRefused(PermissionDenied):
    """A move the year's status or the actor's role does not allow; ``message`` says why.

    ``items`` carries the blocking items of a refused finalising (``finalise.CheckItem``)."""

    def __init__(self, message: str, items: Sequence = ()):
        super().__init__(message)
        self.message = message
        self.items = tuple(items)

    def __str__(self) -> str:
        return self.message


def _roles_that_may(action: Action) -> str:
    roles = [role_phrase(role) for role in Role if role_can(role, action)]
    return " or ".join(roles) if roles else "nobody"


def role_refusal(move: Move, role: str | None) -> str:
    """Why a member with ``role`` may not make ``move``; "" when they may (None: a command,
    which may; "" for someone who is not a current member, who may not)."""
    rule = MOVES[move]
    if role is not None and not role_can(role, rule.action):
        return f"Only {_roles_that_may(rule.action)} can {rule.verb}."
    return ""


def status_refusal(move: Move, status: str, year: int) -> str:
    """Why ``move`` may not start from ``status``; "" when it may."""
    rule = MOVES[move]
    if status not in rule.sources:
        state = STATUS_PHRASES.get(status, status)
        return f"{rule.doing.format(year=year)}: {year} is {state}."
    return ""


def refusal(move: Move, status: str, role: str | None, year: int) -> str:
    """Why ``move`` may not be made now by a member with ``role``, in words; "" when it may."""
    return role_refusal(move, role) or status_refusal(move, status, year)


def moves_for(assessment: Assessment, membership: Membership | None) -> list[Move]:
    """The moves this member may make now (the year page's buttons); no query."""
    if membership is None:
        return []
    return [
        move
        for move in MOVES
        if not refusal(move, assessment.status, membership.role, assessment.year)
    ]


def role_of(user: AbstractBaseUser | None, assessment: Assessment) -> str | None:
    """The user's role in the year's organisation ("" when not a current member); None for
    no user (a command). One query."""
    if user is None:
        return None
    role = (
        Membership.objects.current()
        .filter(organisation_id=assessment.organisation_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


def _lock(assessment: Assessment) -> Assessment:
    """The stored row, locked until the transaction ends; a year deleted meanwhile is
    refused."""
    stored = Assessment.objects.select_for_update(of=("self",)).filter(pk=assessment.pk).first()
    if stored is None:
        raise MoveRefused(f"{assessment.year} was deleted meanwhile: there is nothing to move.")
    return stored


def _refresh(assessment: Assessment, stored: Assessment) -> None:
    """The stored values into the caller's copy (its relations kept)."""
    for model_field in Assessment._meta.concrete_fields:
        setattr(assessment, model_field.attname, getattr(stored, model_field.attname))


def _clean_note(move: Move, note: str) -> str:
    note = (note or "").strip()
    rule = MOVES[move]
    if rule.note_required and not note:
        raise MoveRefused(rule.note_required)
    if len(note) > NOTE_MAX_LENGTH:
        raise MoveRefused(f"The note is too long: keep it under {NOTE_MAX_LENGTH} characters.")
    return note


def _make(
    assessment: Assessment,
    move: Move,
    *,
    acting_user: AbstractBaseUser | None,
    note: str = "",
    before_change=None,
    changes: dict | None = None,
) -> AssessmentEvent:
    """The one way a year moves: check the note and the actor's role, lock the row, check its
    stored status (and ``before_change(stored)``, which may refuse), change the status and
    ``changes``, and write the event. Refreshes ``assessment`` from the stored row."""
    rule = MOVES[move]
    note = _clean_note(move, note)
    problem = role_refusal(move, role_of(acting_user, assessment))
    if problem:
        raise MoveRefused(problem)
    with transaction.atomic():
        stored = _lock(assessment)
        problem = status_refusal(move, stored.status, stored.year)
        if problem:
            _refresh(assessment, stored)
            raise MoveRefused(problem)
        if before_change is not None:
            before_change(stored)
        from_status = stored.status
        stored.status = rule.target
        fields = ["status", "updated_at"]
        for name, value in (changes or {}).items():
            setattr(stored, name, value)
            fields.append(name)
        stored._history_user = acting_user
        stored._change_reason = rule.done.format(year=stored.year)
        stored.save(update_fields=fields)
        event = AssessmentEvent.objects.create(
            assessment=stored,
            from_status=from_status,
            to_status=rule.target,
            actor=acting_user,
            note=note,
        )
    _refresh(assessment, stored)
    return event


# --- the moves -------------------------------------------------------------------------------


def submit(
    assessment: Assessment, *, acting_user: AbstractBaseUser | None, note: str = ""
) -> AssessmentEvent:
    """The quality lead (or an admin) hands the self-assessment to the assessor: from
    self-assessment, or once the changes the assessor requested are made. What is missing
    (``finalise.submission_check``) is shown first, and does not stop it."""
    return _make(assessment, Move.SUBMIT, acting_user=acting_user, note=note)


def start_review(
    assessment: Assessment, *, acting_user: AbstractBaseUser | None, note: str = ""
) -> AssessmentEvent:
    """The assessor takes up a submitted year."""
    return _make(assessment, Move.START_REVIEW, acting_user=acting_user, note=note)


def request_changes(
    assessment: Assessment, *, acting_user: AbstractBaseUser | None, note: str
) -> AssessmentEvent:
    """The assessor returns the year to the organisation, saying what to change (required)."""
    return _make(assessment, Move.REQUEST_CHANGES, acting_user=acting_user, note=note)


def finalise(
    assessment: Assessment,
    *,
    acting_user: AbstractBaseUser | None,
    note: str = "",
    action_refs: set[str] | None = None,
) -> AssessmentEvent:
    """The assessor finalises the year: it becomes read-only for everyone.

    The pre-finalise check (``finalise.pre_finalise_check``) runs again under the row's lock:
    a blocking item refuses the move (``MoveRefused`` carrying the items), so no save slips
    in between the check and the change (every change to a year locks the same row first,
    ``services.check_open``). Records when and by whom.
    """

    def check(stored: Assessment) -> None:
        blocking = [
            item for item in pre_finalise_check(stored, action_refs=action_refs) if item.blocking
        ]
        if blocking:
            raise MoveRefused(blocking_message(stored.year, blocking), blocking)

    return _make(
        assessment,
        Move.FINALISE,
        acting_user=acting_user,
        note=note,
        before_change=check,
        changes={"finalised_at": timezone.now(), "finalised_by": acting_user},
    )


def reopen(
    assessment: Assessment, *, acting_user: AbstractBaseUser | None, reason: str
) -> AssessmentEvent:
    """An admin reopens a finalised year, with a reason (kept as the event's note); it goes
    back to assessor review and its finalised date and finaliser are cleared (the history
    keeps them)."""
    return _make(
        assessment,
        Move.REOPEN,
        acting_user=acting_user,
        note=reason,
        changes={"finalised_at": None, "finalised_by": None},
    )


# --- the assessor's recommendation -----------------------------------------------------------

OVERRIDE_STATUSES = frozenset({Status.ASSESSOR_REVIEW})


def override_recommendation(
    assessment: Assessment,
    *,
    acting_user: AbstractBaseUser | None,
    recommendation: str,
    reason: str = "",
) -> bool:
    """The assessor puts their own recommendation in place of the computed one, with a
    reason (required), or withdraws it (``recommendation=""``); False if nothing changed.

    Only in assessor review, only by an assessor. Recorded as an event that moves nothing
    (from and to the same status), its note saying what was decided and why.
    """
    reason = (reason or "").strip()
    if recommendation and recommendation not in RecommendationChoice.values:
        raise MoveRefused(
            f"“{recommendation}” is not a recommendation: choose one of those offered."
        )
    if recommendation and not reason:
        raise MoveRefused("Give the reason for overriding the computed recommendation.")
    if len(reason) > NOTE_MAX_LENGTH:
        raise MoveRefused(f"The reason is too long: keep it under {NOTE_MAX_LENGTH} characters.")
    if not recommendation:
        reason = ""
    role = role_of(acting_user, assessment)
    if role is not None and not role_can(role, Action.REVIEW_YEAR):
        raise MoveRefused(
            f"Only {_roles_that_may(Action.REVIEW_YEAR)} can override the recommendation."
        )
    with transaction.atomic():
        stored = _lock(assessment)
        if stored.status not in OVERRIDE_STATUSES:
            _refresh(assessment, stored)
            state = STATUS_PHRASES.get(stored.status, stored.status)
            raise MoveRefused(
                f"The recommendation can be overridden only in assessor review: "
                f"{stored.year} is {state}."
            )
        if (stored.recommendation_override, stored.recommendation_override_reason) == (
            recommendation,
            reason,
        ):
            _refresh(assessment, stored)
            return False
        stored.recommendation_override = recommendation
        stored.recommendation_override_reason = reason
        if recommendation:
            label = RecommendationChoice(recommendation).label
            note = f"Recommendation overridden: {label}. Reason: {reason}"
        else:
            note = "Override withdrawn: the computed recommendation stands."
        stored._history_user = acting_user
        stored._change_reason = note[:100]
        stored.save(
            update_fields=[
                "recommendation_override",
                "recommendation_override_reason",
                "updated_at",
            ]
        )
        AssessmentEvent.objects.create(
            assessment=stored,
            from_status=stored.status,
            to_status=stored.status,
            actor=acting_user,
            note=note,
        )
    _refresh(assessment, stored)
    return True


# --- the timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: object  # datetime
    actor: str  # the person's name or email, "" for a command
    what: str  # "Submitted for review", "Finalised", "Recommendation overridden"
    note: str


EVENT_WORDS = {
    Status.SUBMITTED: "Submitted for review",
    Status.ASSESSOR_REVIEW: "Review started",
    Status.CHANGES_REQUESTED: "Returned with changes requested",
    Status.FINALISED: "Finalised",
}


def describe_event(from_status: str, to_status: str) -> str:
    if from_status == to_status:
        return "Recommendation decided"
    if from_status == Status.FINALISED:
        return "Reopened"
    return EVENT_WORDS.get(to_status, to_status)


# The statuses no move leads into (MOVES' targets), in which a year has never been moved: a
# year in one has no event yet (the override's events are made in assessor review only).
NEVER_MOVED = frozenset(Status.values) - {rule.target for rule in MOVES.values()}


def timeline(assessment: Assessment) -> list[TimelineEntry]:
    """The year's events, oldest first, with who made them (one query; none for a year in
    self-assessment, which no move leads back into: it has never been moved)."""
    if assessment.status in NEVER_MOVED:
        return []
    rows = AssessmentEvent.objects.filter(assessment_id=assessment.pk).values_list(
        "at", "actor__full_name", "actor__email", "from_status", "to_status", "note"
    )  # fmt: skip
    entries = []
    for at, full_name, email, from_status, to_status, note in rows.order_by("at", "pk"):
        name = full_name or email or ""
        entries.append(TimelineEntry(at, name, describe_event(from_status, to_status), note))
    return entries


def stored_override(assessment: Assessment):
    """The assessor's override as the outcome takes it (``outcome.Override``), or None."""
    from assessments.outcome import Override, Recommendation

    if not assessment.recommendation_override:
        return None
    return Override(
        Recommendation(assessment.recommendation_override),
        assessment.recommendation_override_reason or "(no reason recorded)",
    )


def assessors_of(assessment: Assessment):
    """The users who may lead the year's visit: the organisation's current assessors, by
    name (a queryset, for the details form's choices)."""
    from django.contrib.auth import get_user_model

    ids = (
        Membership.objects.current()
        .filter(organisation_id=assessment.organisation_id, role=Role.ASSESSOR)
        .values("user_id")
    )
    return get_user_model().objects.filter(pk__in=ids).order_by("full_name", "email")
