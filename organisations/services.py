"""Organisation actions: each is atomic and takes ``acting_user`` as a keyword (None for a
command or a script), which the history rows of Membership and Invitation name.

Views, management commands and setup scripts call these functions; none of them touch the
organisation, membership or invitation tables directly. A rule that is broken raises an
``OrganisationError`` whose message is written for the person who asked (the views show it,
the commands print it). Side effects (the invitation email) are sent on
``transaction.on_commit``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import normalise_email
from cse_portal.text import describe, unsafe_characters
from organisations.models import (
    INVITATION_LIFETIME,
    Invitation,
    Membership,
    Organisation,
    Role,
    hash_token,
    role_phrase,
)
from organisations.tenancy import all_tenants

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from accounts.models import User


def _who(acting_user: User | None) -> str:
    return str(acting_user) if acting_user is not None else "a command"


def _save(row: Membership | Invitation, acting_user: User | None, **kwargs) -> None:
    """Save ``row`` with a history row that names ``acting_user`` (None: a command did it)."""
    row._history_user = acting_user
    row.save(**kwargs)


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


def check_text(value: str, model: type[models.Model], field_name: str, what: str) -> str:
    """``value`` if it is one plain line that fits the column ``model.field_name``.

    Otherwise an OrganisationError saying what to change, with ``what`` ("The organisation
    name") naming the value. The views' forms apply the same limits; this is for commands,
    scripts and anything else that reaches the services directly.
    """
    bad = unsafe_characters(value)
    if bad:
        raise OrganisationError(
            f"{what} has invisible control characters ({describe(bad)}): remove them, they "
            "would change how the text is shown or sent."
        )
    limit = model._meta.get_field(field_name).max_length
    if limit is not None and len(value) > limit:
        raise OrganisationError(
            f"{what} is too long: {limit} characters at most (it has {len(value)})."
        )
    return value


def check_email(email: str, model: type[models.Model] | None = None) -> str:
    """The normalised ``email`` if it is a valid address that fits ``model``'s email column
    (the user's by default); an OrganisationError otherwise."""
    email = normalise_email(email)
    check_text(email, model or get_user_model(), "email", "The email address")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise OrganisationError(f"{email!r} is not a valid email address.") from exc
    return email


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
    """The user's current memberships with their organisations, by organisation name (a
    lapsed one is no longer an organisation of theirs)."""
    return list(
        Membership.objects.current()
        .filter(user=user)
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


def membership_by_email(organisation, email: str) -> Membership | None:
    """The membership (current or lapsed) of ``email`` in ``organisation``, or None."""
    return (
        Membership.objects.filter(
            organisation=organisation, user__email__iexact=normalise_email(email)
        )
        .select_related("user")
        .first()
    )


def find_organisation(slug: str) -> Organisation | None:
    """The organisation with ``slug``, or None; a slug that could not be stored (too long, a
    control character, a NUL byte that PostgreSQL refuses) is simply not found."""
    limit = Organisation._meta.get_field("slug").max_length
    if not slug or len(slug) > limit or unsafe_characters(slug):
        return None
    return Organisation.objects.filter(slug=slug).first()


def find_user(email: str):
    """The account with ``email`` (any case, spaces around ignored), or None; an address that
    could not be stored is simply not found."""
    email = normalise_email(email)
    User = get_user_model()
    limit = User._meta.get_field("email").max_length
    if not email or len(email) > limit or unsafe_characters(email):
        return None
    return User.objects.filter(email__iexact=email).first()


def find_invitation(token: str) -> Invitation | None:
    """The invitation whose link carries ``token`` (usable or not), or None."""
    with all_tenants("an invitation link is found by its token, before its organisation"):
        return (
            Invitation.objects.select_related("organisation", "invited_by")
            .filter(token_hash=hash_token(token))
            .first()
        )


def already_member_message(membership: Membership, organisation: Organisation) -> str:
    """Why ``membership``'s address cannot be invited, and what to do instead."""
    email = membership.user.email
    if membership.is_current():
        return (
            f"{email} is already a member of {organisation.name}. "
            "Change their role in the list of members instead."
        )
    return (
        f"{email}'s membership of {organisation.name} lapsed on "
        f"{membership.ends_on:%-d %B %Y}. To give them access again, clear or move its "
        "end date in the list of members instead."
    )


# --- organisations -------------------------------------------------------------------------


def create_organisation(slug: str, name: str, *, acting_user: User | None) -> Organisation:
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
    check_text(name, Organisation, "name", "The organisation name")
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
    Organisation.objects.select_for_update(of=("self",)).filter(pk=organisation.pk).first()


def _keeps_the_organisation(membership: Membership) -> bool:
    """An admin with no end date: the organisation always keeps at least one such, because
    every end date comes, so admins who all have one would leave it without an admin."""
    return membership.role == Role.ADMIN and membership.ends_on is None


def _check_keeps_an_admin(membership: Membership, losing_admin: bool) -> None:
    """Refuse a change that would take away the organisation's last admin with no end date
    (a removal, a new role, an end date: ``losing_admin`` says the change does that)."""
    if not losing_admin or not _keeps_the_organisation(membership):
        return
    others = (
        Membership.objects.filter(
            organisation_id=membership.organisation_id, role=Role.ADMIN, ends_on__isnull=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise LastAdminError(
            f"{membership.user.email} is the last admin of {membership.organisation.name} "
            "with no end date: make someone else an admin (with no end date) first, so the "
            "organisation is never left without one."
        )


@dataclass
class MemberAdded:
    membership: Membership
    user_created: bool
    membership_created: bool
    previous_role: str | None  # the role before, when the user was already a member
    lapsed_on: date | None = None  # the last day of a lapsed membership this restored


@transaction.atomic
def add_member(
    organisation: Organisation,
    email: str,
    role: str,
    *,
    acting_user: User | None,
    password: str | None = None,
    full_name: str = "",
) -> MemberAdded:
    """Make ``email`` a member with ``role``, creating the user if new.

    A new user gets ``password`` (or an unusable one, to be set by a password reset). An
    existing user's password is left alone. An existing member has their role updated.
    """
    role = parse_role(role)
    User = get_user_model()
    email = check_email(email, User)
    full_name = check_text(full_name.strip(), User, "full_name", "The full name")
    _lock(organisation)
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
        membership = Membership(organisation=organisation, user=user, role=role)
        _save(membership, acting_user)
        logger.info("%s added to %s as %s by %s", email, organisation.slug, role, _who(acting_user))
        return MemberAdded(membership, user_created, True, None)
    previous = membership.role
    lapsed_on = None if membership.is_current() else membership.ends_on
    if lapsed_on is not None:
        # Adding someone whose membership lapsed makes them a member again: open-ended.
        membership.ends_on = None
        _save(membership, acting_user, update_fields=["ends_on"])
        logger.info("%s of %s restored (by %s)", email, organisation.slug, _who(acting_user))
    if previous != role:
        _check_keeps_an_admin(membership, losing_admin=True)
        membership.role = role
        _save(membership, acting_user, update_fields=["role"])
        logger.info("%s now %s of %s (by %s)", email, role, organisation.slug, _who(acting_user))
    return MemberAdded(membership, user_created, False, previous, lapsed_on)


@transaction.atomic
def change_role(membership: Membership, role: str, *, acting_user: User | None) -> Membership:
    role = parse_role(role)
    _lock(membership.organisation)
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    if membership.role == role:
        return membership
    _check_keeps_an_admin(membership, losing_admin=True)
    membership.role = role
    _save(membership, acting_user, update_fields=["role"])
    logger.info(
        "%s now %s of %s (by %s)",
        membership.user.email,
        role,
        membership.organisation.slug,
        _who(acting_user),
    )
    return membership


def end_date_error(membership: Membership, ends_on: date | None) -> str:
    """Why ``ends_on`` may not be the membership's last day ("" when it may): not before the
    day it was created (the history would not read true)."""
    if ends_on is not None and ends_on < timezone.localtime(membership.created_at).date():
        joined = timezone.localtime(membership.created_at).date()
        return (
            f"The last day cannot be before {membership.user.email} joined "
            f"({joined:%-d %B %Y}): choose that day or a later one, or remove them instead."
        )
    return ""


@transaction.atomic
def set_end_date(
    membership: Membership, ends_on: date | None, *, acting_user: User | None
) -> Membership:
    """Set (or with None clear) the membership's last day; it lapses the day after.

    A lapsed membership gives no access; clearing or moving its end date restores it. The
    organisation's last admin with no end date cannot be given one (make another admin
    first). Returns the stored membership."""
    _lock(membership.organisation)
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    if membership.ends_on == ends_on:
        return membership
    error = end_date_error(membership, ends_on)
    if error:
        raise OrganisationError(error)
    _check_keeps_an_admin(membership, losing_admin=ends_on is not None)
    membership.ends_on = ends_on
    _save(membership, acting_user, update_fields=["ends_on"])
    logger.info(
        "%s of %s: last day %s (by %s)",
        membership.user.email,
        membership.organisation.slug,
        ends_on.isoformat() if ends_on else "none",
        _who(acting_user),
    )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, acting_user: User | None) -> None:
    _lock(membership.organisation)
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership.pk)
    _check_keeps_an_admin(membership, losing_admin=True)
    membership._history_user = acting_user
    membership.delete()
    logger.info(
        "%s removed from %s by %s",
        membership.user.email,
        membership.organisation.slug,
        _who(acting_user),
    )


# --- invitations ---------------------------------------------------------------------------


def invitation_url(token: str, base_url: str | None = None) -> str:
    """The absolute link in the email.

    ``base_url`` is where the inviting request came to (``request.build_absolute_uri("/")``),
    so the link names the host and port the app is served on; ``settings.SITE_URL`` is used
    only where there is no request (commands, tasks).
    """
    base = base_url or settings.SITE_URL
    return base.rstrip("/") + reverse("invitations:accept", args=[token])


@dataclass
class Delivery:
    """Whether an email went: ``sent`` is None until the transaction that queued it commits."""

    sent: bool | None = None
    error: str = ""


def send_invitation_email(invitation: Invitation, token: str, base_url: str | None = None) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "role": role_phrase(invitation.role),
        "link": invitation_url(token, base_url),
    }
    # One line whatever the names hold: a line break in a header stops the email.
    subject = " ".join(render_to_string("invitations/email_subject.txt", context).split())
    body = render_to_string("invitations/email.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invite(
    organisation: Organisation,
    email: str,
    role: str,
    *,
    acting_user: User | None,
    base_url: str | None = None,
) -> Invitation:
    """Invite ``email`` with ``role``: a one-time link is emailed once the transaction commits.

    A pending invitation to the same address is revoked, so only the newest link works.
    The returned invitation has ``replaced`` set to how many earlier invitations it replaced,
    and ``delivery`` (a Delivery) saying, once committed, whether the email went. The link
    starts with ``base_url`` (the request's) or else ``settings.SITE_URL``.
    """
    role = parse_role(role)
    email = check_email(email, Invitation)
    _lock(organisation)
    existing = membership_by_email(organisation, email)
    if existing is not None:
        raise AlreadyMemberError(already_member_message(existing, organisation))
    now = timezone.now()
    earlier = list(
        Invitation.objects.pending()
        .select_for_update(of=("self",))
        .filter(organisation=organisation, email__iexact=email)
        .order_by("pk")
    )
    for old in earlier:
        old.revoked_at = now
        _save(old, acting_user, update_fields=["revoked_at"])
    token = Invitation.new_token()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=acting_user,
        expires_at=now + INVITATION_LIFETIME,
    )
    _save(invitation, acting_user)
    invitation.replaced = len(earlier)
    invitation.delivery = Delivery()
    logger.info("%s invited to %s as %s by %s", email, organisation.slug, role, _who(acting_user))

    def send() -> None:
        # The invitation stands even if the mail server is down; re-inviting sends anew. The
        # failure is recorded so the page says so instead of "sent".
        try:
            send_invitation_email(invitation, token, base_url)
        except Exception as exc:  # any mail backend's error: SMTP, socket, bad header
            logger.exception("The invitation email to %s could not be sent", email)
            invitation.delivery.sent = False
            invitation.delivery.error = exc.__class__.__name__
        else:
            invitation.delivery.sent = True

    transaction.on_commit(send, robust=True)
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, acting_user: User | None) -> bool:
    """Revoke a pending invitation; False if it was no longer pending."""
    pending = (
        Invitation.objects.pending()
        .select_for_update(of=("self",))
        .filter(pk=invitation.pk)
        .first()
    )
    if pending is None:
        return False
    pending.revoked_at = timezone.now()
    _save(pending, acting_user, update_fields=["revoked_at"])
    invitation.revoked_at = pending.revoked_at
    logger.info("Invitation %s revoked by %s", invitation.pk, _who(acting_user))
    return True


def _usable_invitation(invitation: Invitation) -> Invitation:
    """The invitation, re-read under the organisation's lock (taken first, as by every
    membership and invitation change, so that two of them never wait on each other)."""
    _lock(invitation.organisation)
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None or not locked.is_usable:
        raise InvitationUnusable("This invitation link no longer works.")
    return locked


def _accept(invitation: Invitation, user: User, now: datetime) -> Membership:
    """``user`` joins through the (locked) invitation; the history names them as who did it."""
    membership = Membership.objects.filter(organisation=invitation.organisation, user=user).first()
    if membership is None:
        membership = Membership(
            organisation=invitation.organisation, user=user, role=invitation.role
        )
        _save(membership, user)
    invitation.accepted_at = now
    invitation.accepted_by = user
    _save(invitation, user, update_fields=["accepted_at", "accepted_by"])
    logger.info("%s accepted invitation %s", user.email, invitation.pk)
    return membership


@transaction.atomic
def accept_invitation(invitation: Invitation, *, acting_user: User) -> Membership:
    """The signed-in invitee (``acting_user``) joins. One-time: a used, revoked or expired
    invitation fails.

    Someone who became a member by another route keeps the role they have.
    """
    invitation = _usable_invitation(invitation)
    if normalise_email(acting_user.email) != normalise_email(invitation.email):
        raise WrongInvitee(f"This invitation is for {invitation.email}, not {acting_user.email}.")
    return _accept(invitation, acting_user, timezone.now())


@transaction.atomic
def register_and_accept(invitation: Invitation, full_name: str, password: str) -> User:
    """Create the invitee's account with ``password`` and accept. Returns the new user.

    The one service without ``acting_user``: a visitor who is nobody yet does it, and the
    history names the account it creates."""
    User = get_user_model()
    full_name = check_text(full_name.strip(), User, "full_name", "Your name")
    invitation = _usable_invitation(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise OrganisationError(
            f"An account for {invitation.email} already exists: sign in to accept."
        )
    user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    _accept(invitation, user, timezone.now())
    return user
