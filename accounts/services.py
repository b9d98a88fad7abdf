"""Account actions that are more than Django's own: the password reset rate limit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import PasswordResetRequest, normalise_email

logger = logging.getLogger(__name__)


def reset_window() -> timedelta:
    return timedelta(seconds=settings.PASSWORD_RESET_LIMIT_WINDOW_SECONDS)


def address_key(email: str) -> str:
    """A keyed hash of the normalised address: the same for every spelling, not reversible."""
    normalised = normalise_email(email)
    return salted_hmac("accounts.password-reset", normalised, algorithm="sha256").hexdigest()


def allow_password_reset(email: str, client_ip: str | None) -> bool:
    """Whether a reset email may be sent for ``email`` asked from ``client_ip``, counting it.

    At most ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` requests for one address and
    ``PASSWORD_RESET_LIMIT_PER_IP`` from one client address are let through in
    ``PASSWORD_RESET_LIMIT_WINDOW_SECONDS``, whether or not an account exists (the answer
    page is the same, so the limit reveals nothing). Refused requests do not count, so
    hammering an address does not keep its owner waiting longer than the window.

    The request is written first and the count read after, each committed on its own
    outside a transaction: two processes racing both see each other's row and at worst both
    refuse; neither can send past the limit.
    """
    now = timezone.now()
    since = now - reset_window()
    PasswordResetRequest.objects.filter(created_at__lt=since).delete()
    key = address_key(email)
    mine = PasswordResetRequest.objects.create(address_hash=key, client_ip=client_ip or None)
    counted = PasswordResetRequest.objects.filter(created_at__gte=since, allowed=True)
    for_address = counted.filter(address_hash=key).count()
    from_ip = counted.filter(client_ip=client_ip).count() if client_ip else 0
    if (
        for_address <= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        and from_ip <= settings.PASSWORD_RESET_LIMIT_PER_IP
    ):
        return True
    PasswordResetRequest.objects.filter(pk=mine.pk).update(allowed=False)
    logger.warning(
        "Password reset refused by the rate limit (%s for the address, %s from %s in the window)",
        for_address,
        from_ip,
        client_ip or "an unknown client",
    )
    return False
