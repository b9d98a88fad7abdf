"""Changes to improvement actions. Each function is atomic, takes ``acting_user`` by keyword
(None for a command or the demo) and leaves a history row naming them.

A change locks the action's row, reads it again and writes only the fields it changes, so two
changes that meet lose nothing; an action removed meanwhile (its year deleted) is refused with
``ActionRemoved``, never inserted again. Raising an action locks the year's row first
(``assessments.services.check_open``): a finalised year takes no new action. An action outlives
its year: its details, status and evidence change at any time, the element-year it was raised
in never.
"""

from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from actions import rules
from actions.models import Action
from assessments.models import Assessment, ElementResult
from assessments.services import YearLocked, check_open
from evidence.models import Evidence
from organisations.models import Membership
from standards.models import Element

DESCRIPTION_MAX_LENGTH = 4000
UNCHANGED: Any = object()


class ActionRemoved(Exception):
    """The action was removed (its year deleted) since the caller read it."""

    def __init__(self) -> None:
        super().__init__(
            "This improvement action was removed meanwhile, with the year it was raised in."
        )


class RaiseRefused(PermissionDenied):
    """No action may be raised in a finalised year."""


class StatusRefused(PermissionDenied):
    """The acting member may not make this status change (the message says why)."""


def role_of(organisation_id: int, user: AbstractBaseUser | None) -> str | None:
    """The user's role in the organisation; None for a command (no user). A user who is not
    a member has the empty role, which may do nothing."""
    if user is None:
        return None
    role = (
        Membership.objects.current()
        .filter(organisation_id=organisation_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what will be done."})
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"description": f"Keep the description within {DESCRIPTION_MAX_LENGTH} characters."}
        )
    Action._meta.get_field("description").run_validators(description)
    return description


def _check_owner(organisation_id: int, owner: AbstractBaseUser | None) -> None:
    if owner is None:
        return
    if (
        not Membership.objects.current()
        .filter(organisation_id=organisation_id, user_id=owner.pk)
        .exists()
    ):
        raise ValidationError({"owner": "Choose the owner among the organisation's members."})


@transaction.atomic
def raise_action(
    assessment: Assessment,
    element: Element,
    *,
    acting_user: AbstractBaseUser | None,
    description: str,
    due_date: date,
    owner: AbstractBaseUser | None = None,
) -> Action:
    """A new action on ``element`` in the year ``assessment``; refused in a finalised year."""
    try:
        check_open(assessment)  # locks the year's row until the action is saved
    except YearLocked:
        raise RaiseRefused(rules.raise_error(assessment)) from None
    if not ElementResult.objects.filter(assessment=assessment, element=element).exists():
        raise ValidationError(f"{assessment.year} has no element {element.ref}.")
    description = _clean_description(description)
    _check_owner(assessment.organisation_id, owner)
    action = Action(
        organisation_id=assessment.organisation_id,
        element=element,
        raised_in=assessment,
        description=description,
        owner=owner,
        due_date=due_date,
        created_by=acting_user,
    )
    action._history_user = acting_user
    action.save()
    return action


def _locked(action: Action) -> Action:
    stored = Action.objects.select_for_update(of=("self",)).filter(pk=action.pk).first()
    if stored is None:
        raise ActionRemoved()
    return stored


def _refresh(action: Action, stored: Action, fields: list[str]) -> None:
    for name in fields:
        setattr(action, name, getattr(stored, name))


@transaction.atomic
def update_action(
    action: Action,
    *,
    acting_user: AbstractBaseUser | None,
    description: str = UNCHANGED,
    owner: AbstractBaseUser | None = UNCHANGED,
    due_date: date = UNCHANGED,
) -> list[str]:
    """Change the details given (description, owner, due date); the names of the fields that
    changed (none: nothing written, no history row)."""
    stored = _locked(action)
    wanted: dict[str, Any] = {}
    if description is not UNCHANGED:
        wanted["description"] = _clean_description(description)
    if owner is not UNCHANGED:
        _check_owner(stored.organisation_id, owner)
        wanted["owner_id"] = owner.pk if owner is not None else None
    if due_date is not UNCHANGED:
        if due_date is None:
            raise ValidationError({"due_date": "Give the date it is due."})
        wanted["due_date"] = due_date
    changed = [name for name, value in wanted.items() if getattr(stored, name) != value]
    if changed:
        for name in changed:
            setattr(stored, name, wanted[name])
        stored._history_user = acting_user
        stored.save(update_fields=[*changed, "updated_at"])
    _refresh(action, stored, ["description", "owner_id", "due_date", "updated_at"])
    if "owner_id" in changed:
        action.owner = stored.owner
    return [name.removesuffix("_id") for name in changed]


@transaction.atomic
def change_status(action: Action, status: str, *, acting_user: AbstractBaseUser | None) -> bool:
    """Move the action to ``status`` if the acting member may (``StatusRefused`` says why
    not); True if it changed. Allowed whatever the state of the year it was raised in."""
    if status not in Action.Status.values:
        raise ValidationError({"status": "Choose one of the statuses listed."})
    stored = _locked(action)
    is_owner = acting_user is not None and stored.owner_id == acting_user.pk
    message = rules.status_error(
        stored.status,
        status,
        role=role_of(stored.organisation_id, acting_user),
        is_owner=is_owner,
    )
    if message:
        raise StatusRefused(message)
    changed = stored.status != status
    if changed:
        stored.status = status
        stored.status_changed_at = timezone.now()
        stored.status_changed_by = acting_user
        stored._history_user = acting_user
        stored.save(
            update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"]
        )
    _refresh(action, stored, ["status", "status_changed_at", "status_changed_by", "updated_at"])
    return changed


def _check_same_library(action: Action, evidence: Evidence) -> None:
    if evidence.organisation_id != action.organisation_id:
        raise ValidationError("Choose evidence from the organisation's own library.")


@transaction.atomic
def link_evidence(
    action: Action, evidence: Evidence, *, acting_user: AbstractBaseUser | None
) -> bool:
    """Link an item of the organisation's library to the action; False if it was already."""
    _check_same_library(action, evidence)
    stored = _locked(action)
    if stored.evidence.filter(pk=evidence.pk).exists():
        return False
    stored._history_user = acting_user
    stored.evidence.add(evidence)  # the history row: simple_history's m2m tracking
    return True


@transaction.atomic
def unlink_evidence(
    action: Action, evidence: Evidence, *, acting_user: AbstractBaseUser | None
) -> bool:
    """Remove the item from the action's evidence (the item stays in the library); False if
    it was not linked."""
    _check_same_library(action, evidence)
    stored = _locked(action)
    if not stored.evidence.filter(pk=evidence.pk).exists():
        return False
    stored._history_user = acting_user
    stored.evidence.remove(evidence)
    return True
