"""The key django-axes counts sign-in failures under (``AXES_USERNAME_CALLABLE``).

Addresses are compared case-insensitively everywhere (the user manager stores them
lower-case and signs in with ``iexact``), so failures must be counted the same way:
``victim@…``, ``VICTIM@…`` and `` Victim@… `` are one account and share one counter.
The key also always fits axes' ``username`` column (255 characters) whatever was typed.
"""

import hashlib

from django.conf import settings
from django.http import HttpRequest

from accounts.models import normalise_email

# axes.models.AccessBase.username (and AccessFailureLog's, AccessLog's).
USERNAME_COLUMN_LENGTH = 255


def lockout_username(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The normalised address that was typed, at most ``USERNAME_COLUMN_LENGTH`` characters.

    Read from the credentials given to ``authenticate`` or, failing those, from the posted
    form. None when no address was given. An address too long for the column keeps its
    beginning and ends with a digest of the whole, so two long addresses never share a
    counter; NUL bytes (which PostgreSQL cannot store) are dropped.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    value = None
    if credentials:
        value = credentials.get(field)
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", None) or {}
        value = data.get(field)
    if value is None:
        return None
    key = normalise_email(str(value)).replace("\x00", "")
    if not key:
        return None
    if len(key) > USERNAME_COLUMN_LENGTH:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        key = key[: USERNAME_COLUMN_LENGTH - len(digest) - 1] + "#" + digest
    return key
