"""Organisation actions: each is atomic and takes the acting user where one exists.

Views, management commands and setup scripts call these functions; none of them touch the
membership or invitation tables directly. A rule that is broken raises an ``OrganisationError``
whose message is written for the person who asked (the views show it, the commands print it).
Side effects (the invitation email) are sent on ``transaction.on_commit``.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organisations.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    Organisation,
    Role,
    hash_token,
)

logger = logging.getLogger(__name__)


def _who(acting_user) -> str:
    return str(acting_user) if acting_user is not None else "a command"


class OrganisationError(Exception):
    """A rule of organisations and memberships was broken; the message says which."""


class LastAdminError(OrganisationError):
    pass


class AlreadyMemberError(OrganisationError):
    pass


class InvitationUnusable(OrganisationError):
    pass


class WrongInvitee(OrganisationError):
    pass


def normalise_email(email: str) -> str:
    """Addresses are compared case-insensitively: keep them lower-case."""
    return email.strip().lower()


def parse_role(value: str) -> Role:
    """A role from its value ("quality_lead") or a human spelling ("Quality lead", "quality-lead").

    Raises OrganisationError, listing the values, for anything else.
    """
    key = re.sub(r"[\s_-]+", "_", str(value).strip().lower())
    for role in Role:
        if key in (role.value, re.sub(r"[\s_-]+", "_", role.label.lower())):
            return role
    accepted = ", ".join(role.value for role in Role)
    raise OrganisationError(f"Unknown role {value!r}. Use one of: {accepted}.")


# --- reading -------------------------------------------------------------------------------


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their organisations, by organisation name."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def members_of(organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__email")
    )


def pending_invitations_of(organisation) -> QuerySet[Invitation]:
    return (
        Invitation.objects.pending()
        .filter(organisation=organisation)
        .select_related("invited_by")
        .order_by("email")
    )


def is_member(organisation, email: str) -> bool:
    return Membership.objects.filter(
        organisation=organisation, user__email__iexact=normalise_email(email)
    ).exists()


def find_invitation(token: str) -> Invitation | None:
    """The invitation whose link carries ``token`` (usable or not), or None."""
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


# --- organisations -------------------------------------------------------------------------


def create_organisation(slug: str, name: str, acting_user=None) -> Organisation:
    slug = slug.strip()
    name = name.strip()
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise OrganisationError(
            f"{slug!r} is not a valid slug: use letters, numbers, hyphens or underscores."
        ) from exc
    if len(slug) > Organisation._meta.get_field("slug").max_length:
        raise OrganisationError(f"{slug!r} is too long (60 characters at most).")
    if not name:
        raise OrganisationError("An organisation needs a name.")
    try:
        with transaction.atomic():
            if Organisation.objects.filter(slug=slug).exists():
                raise OrganisationError(f"An organisation with the slug {slug!r} already exists.")
            organisation = Organisation.objects.create(slug=slug, name=name)
    except IntegrityError as exc:  # created by someone else in the meantime
        raise OrganisationError(f"An organisation with the slug {slug!r} already exists.") from exc
    logger.info("Organisation %s created by %s", slug, _who(acting_user))
    return organisation


# --- memberships ---------------------------------------------------------------------------


def _lock(organisation: Organisation) -> None:
    """Serialise membership changes of one organisation (the last-admin rule needs it)."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()


def _check_keeps_an_admin(membership: Membership, losing_admin: bool) -> None:
    if not losing_admin or membership.role != Role.ADMIN:
        return
    others = (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise LastAdminError(
            f"{membership.user.email} is the last admin of {membership.organisation.name}: "
            "make someone else an admin first, so the organisation is never left without one."
        )


@dataclass
class MemberAdded:
    membership: Membership
    user_created: bool
    membership_created: bool
    previous_role: str | None  # the role before, when the user was already a member


@transaction.atomic
def add_member(
    organisation: Organisation,
    email: str,
    role: str,
    password: str | None = None,
    acting_user=None,
    full_name: str = "",
) -> MemberAdded:
    """Make ``email`` a member with ``role``, creating the user if new.

    A new user gets ``password`` (or an unusable one, to be set by a password reset). An
    existing user's password is left alone. An existing member has their role updated.
    """
    role = parse_role(role)
    email = normalise_email(email)
    _lock(organisation)
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    user_created = user is None
    if user_created:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(organisation=organisation, user=user)
        .first()
    )
    if membership is None:
        membership = Membership.objects.create(organisation=organisation, user=user, role=role)
        logger.info("%s added to %s as %s by %s", email, organisation.slug, role, _who(acting_user))
        return MemberAdded(membership, user_created, True, None)
    previous = membership.role
    if previous != role:
        _check_keeps_an_admin(membership, losing_admin=True)
        membership.role = role
        membership.save(update_fields=["role"])
        logger.info("%s now %s of %s (by %s)", email, role, organisation.slug, _who(acting_user))
    return MemberAdded(membership, user_created, False, previous)


@transaction.atomic
def change_role(membership: Membership, role: str, acting_user) -> Membership:
    role = parse_role(role)
    _lock(membership.organisation)
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    if membership.role == role:
        return membership
    _check_keeps_an_admin(membership, losing_admin=True)
    membership.role = role
    membership.save(update_fields=["role"])
    logger.info(
        "%s now %s of %s (by %s)",
        membership.user.email,
        role,
        membership.organisation.slug,
        acting_user,
    )
    return membership


@transaction.atomic
def remove_member(membership: Membership, acting_user) -> None:
    _lock(membership.organisation)
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    _check_keeps_an_admin(membership, losing_admin=True)
    membership.delete()
    logger.info(
        "%s removed from %s by %s",
        membership.user.email,
        membership.organisation.slug,
        acting_user,
    )


# --- invitations ---------------------------------------------------------------------------


def invitation_url(token: str) -> str:
    """The absolute link in the email, built from settings.SITE_URL."""
    return settings.SITE_URL.rstrip("/") + reverse("invitations:accept", args=[token])


def send_invitation_email(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "link": invitation_url(token),
    }
    subject = render_to_string("invitations/email_subject.txt", context).strip()
    body = render_to_string("invitations/email.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invite(organisation: Organisation, email: str, role: str, acting_user) -> Invitation:
    """Invite ``email`` with ``role``: a one-time link is emailed once the transaction commits.

    A pending invitation to the same address is revoked, so only the newest link works.
    The returned invitation has ``replaced`` set to how many earlier invitations it replaced.
    """
    role = parse_role(role)
    email = normalise_email(email)
    _lock(organisation)
    if is_member(organisation, email):
        raise AlreadyMemberError(f"{email} is already a member of {organisation.name}.")
    now = timezone.now()
    replaced = (
        Invitation.objects.pending()
        .filter(organisation=organisation, email__iexact=email)
        .update(revoked_at=now)
    )
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=acting_user,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.replaced = replaced
    logger.info("%s invited to %s as %s by %s", email, organisation.slug, role, acting_user)

    def send() -> None:
        send_invitation_email(invitation, token)

    # robust: the invitation stands even if the mail server is down; re-inviting sends anew.
    transaction.on_commit(send, robust=True)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, acting_user) -> bool:
    """Revoke a pending invitation; False if it was no longer pending."""
    revoked = (
        Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now())
    )
    if revoked:
        logger.info("Invitation %s revoked by %s", invitation.pk, acting_user)
    return bool(revoked)


def _usable_invitation(invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None or not locked.is_usable:
        raise InvitationUnusable("This invitation link no longer works.")
    return locked


def _accept(invitation: Invitation, user, now: datetime) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    logger.info("%s accepted invitation %s", user.email, invitation.pk)
    return membership


@transaction.atomic
def accept_invitation(invitation: Invitation, user) -> Membership:
    """The signed-in invitee joins. One-time: a used, revoked or expired invitation fails.

    Someone who became a member by another route keeps the role they have.
    """
    invitation = _usable_invitation(invitation)
    if normalise_email(user.email) != normalise_email(invitation.email):
        raise WrongInvitee(f"This invitation is for {invitation.email}, not {user.email}.")
    return _accept(invitation, user, timezone.now())


@transaction.atomic
def register_and_accept(invitation: Invitation, full_name: str, password: str):
    """Create the invitee's account with ``password`` and accept. Returns the new user."""
    invitation = _usable_invitation(invitation)
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise OrganisationError(
            f"An account for {invitation.email} already exists: sign in to accept."
        )
    user = User.objects.create_user(
        email=invitation.email, password=password, full_name=full_name.strip()
    )
    _accept(invitation, user, timezone.now())
    return user
