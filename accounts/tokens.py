"""Personal API tokens: made, named and revoked by their owner on the profile page; they sign
the read-only API's requests in (``Authorization: Token <secret>``, api.authentication).

A token's secret is ``cse_`` and 43 random URL-safe characters. It is shown once, when it is
made; the database keeps only its sha256 (``ApiToken.digest``, unique: a request's token is
found by hashing it) and its first characters (``ApiToken.prefix``), which identify it in
lists. A token expires after the lifetime chosen when it was made (``API_TOKEN_LIFETIME_DAYS``
by default) and may be revoked at any time; an expired or revoked token signs nothing in.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from cse_portal.text import single_line

SECRET_START = "cse_"
PREFIX_LENGTH = len(SECRET_START) + 8  # "cse_Ab3dE7fG": enough to tell one's tokens apart
LONGEST_SECRET = 200  # anything longer in a header is not one of ours: refused unhashed
LIFETIMES_DAYS = (7, 30, 90, 365)  # the choices offered, with the setting's default
MAX_USABLE_TOKENS = 20  # per person; revoke one to make another
LAST_USED_PRECISION = timedelta(minutes=5)  # "last used" is written at most this often


class TokenError(Exception):
    """A token may not be made (the message says why, in words for the form)."""


class TokenRefused(Exception):
    """A request's token signs nobody in: unknown, expired, revoked, or its owner inactive."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def lifetime_choices() -> list[int]:
    """The lifetimes (in days) offered when a token is made, the setting's default among them."""
    return sorted({*LIFETIMES_DAYS, default_lifetime()})


def default_lifetime() -> int:
    return settings.API_TOKEN_LIFETIME_DAYS


def name_error(name: str) -> str:
    """Why a token's name is refused, in words; "" when it is fine."""
    if not name.strip():
        return "Give the token a name, e.g. the script or tool that will use it."
    if len(name) > ApiToken._meta.get_field("name").max_length:
        return "Keep the name to 100 characters."
    try:
        single_line(name)
    except ValidationError as error:
        return error.messages[0]
    return ""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once to its owner, never stored


@transaction.atomic
def create_token(user: User, *, name: str, lifetime_days: int, acting_user: User) -> NewToken:
    """A new token of ``user``, named and expiring after ``lifetime_days``; its secret is in
    the answer and nowhere else. Made by its owner only (``acting_user``), and refused past
    MAX_USABLE_TOKENS usable ones (counted under a lock on the user's row, so two requests
    at once cannot both pass the limit)."""
    if acting_user.pk != user.pk:
        raise TokenError("Only its owner makes a personal API token.")
    name = name.strip()
    if error := name_error(name):
        raise TokenError(error)
    if lifetime_days not in lifetime_choices():
        days = ", ".join(str(d) for d in lifetime_choices())
        raise TokenError(f"Choose one of the lifetimes offered ({days} days).")
    User.objects.select_for_update(of=("self",)).filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).usable().count() >= MAX_USABLE_TOKENS:
        raise TokenError(
            f"You have {MAX_USABLE_TOKENS} tokens in use, the most one person may hold: "
            "revoke one you no longer need, then make the new one."
        )
    secret = SECRET_START + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        digest=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    return NewToken(token, secret)


@transaction.atomic
def revoke_token(token: ApiToken, *, acting_user: User) -> bool:
    """Revoke the token (from now on it signs nothing in); False when it was revoked already.
    The row is kept: the profile page shows when it was revoked."""
    if acting_user.pk != token.user_id and not acting_user.is_superuser:
        raise TokenError("Only its owner revokes a personal API token.")
    stored = ApiToken.objects.select_for_update(of=("self",)).filter(pk=token.pk).first()
    if stored is None or stored.revoked_at is not None:
        if stored is not None:
            token.revoked_at = stored.revoked_at
        return False
    token.revoked_at = stored.revoked_at = timezone.now()
    stored.save(update_fields=["revoked_at"])
    return True


def authenticate(secret: str) -> ApiToken:
    """The usable token with this secret, its user loaded (one query; a second, at most every
    LAST_USED_PRECISION, records when it was last used); else TokenRefused, saying why."""
    if not secret.startswith(SECRET_START) or len(secret) > LONGEST_SECRET:
        raise TokenRefused("This is not a CSE Portal API token.")
    token = ApiToken.objects.select_related("user").filter(digest=hash_secret(secret)).first()
    if token is None:
        raise TokenRefused("This API token is not known: check it was copied whole.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused(
            f"This API token was revoked on {timezone.localtime(token.revoked_at):%d %b %Y}: "
            "make a new one on your profile page."
        )
    if token.expires_at <= now:
        raise TokenRefused(
            f"This API token expired on {timezone.localtime(token.expires_at):%d %b %Y}: "
            "make a new one on your profile page."
        )
    if not token.user.is_active:
        raise TokenRefused("The account of this API token is disabled.")
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
