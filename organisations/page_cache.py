"""The page cache: a tenant page's answer kept for the session that asked for it, under the
data generations it was drawn from (organisations.generations), so that asking again for the
same page with nothing changed is answered without drawing it again.

A kept answer is served only to the same session (and CSRF secret: its forms carry that
session's token), the same user as they are now (name, email, staff flags), the same
membership (role, end date, how many organisations they belong to), the same address and
HTMX headers, on the same day, with the same code (``RELEASE``), and while neither the
organisation's generation nor the global one has changed: any committed write to the
organisation's data, by anyone, anywhere (web, worker, command), renews the first; any
write outside an organisation the second.

Never kept: anything but a plain GET answered 200 by the view, an answer that sets a cookie
or the session, an answer drawn while messages were waiting to be shown (or that leaves one),
an answer a view marks with ``no_page_cache`` (a report still being made: its page polls), a
request without a session or CSRF cookie yet, a request inside a transaction that holds
uncommitted writes (its generation has not changed yet). A cache that cannot be reached is a
miss: the page is drawn as if there were no cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from organisations import generations

logger = logging.getLogger(__name__)

# Says whether the answer was kept ("hit") or drawn and kept ("miss"); absent when not kept.
HEADER = "X-Page-Cache"

# Which organisations' data a page is drawn from (their ids), for a page that is not one
# organisation's.
Scopes = Callable[[HttpRequest], Iterable[int]]

# Headers the view sets that a kept answer must carry again (the middleware adds the rest).
_KEPT = ("Content-Type", "Content-Language", "HX-Trigger", "HX-Push-Url", "HX-Retarget")


def _release() -> str:
    """The code that draws the pages (every module and template of the project's apps): a kept
    answer is not served by other code (after a deploy)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR).resolve()
    folders = {root / "templates", root / "cse_portal"}
    folders.update(
        Path(app.path).resolve()
        for app in apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(root)
    )
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".txt") and "migrations" not in path.parts:
                stat = path.stat()
                name = path.relative_to(root)
                digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


RELEASE = _release()


def _key(request: HttpRequest, scopes: Scopes | None) -> str | None:
    """The key of this request's answer, or None when it may not be kept or served."""
    if request.method != "GET" or not settings.PAGE_CACHE_SECONDS:
        return None
    session = getattr(request, "session", None)
    secret = request.META.get("CSRF_COOKIE")
    organisation = getattr(request, "organisation", None)
    membership = getattr(request, "membership", None)
    if session is None or not session.session_key or not secret:
        return None
    if not request.user.is_authenticated:
        return None
    if scopes is not None:
        drawn_from = list(scopes(request))
    elif organisation is not None:
        drawn_from = [organisation.pk]
    else:
        return None
    if session.modified or _messages_waiting(request):
        return None
    uncommitted = generations.uncommitted_writes()
    user = request.user
    parts = (
        RELEASE,
        generations.tokens(drawn_from),
        uncommitted,
        session.session_key,
        secret,
        user.pk,
        user.get_username(),
        getattr(user, "full_name", ""),
        user.is_staff,
        user.is_superuser,
        membership.pk if membership else None,
        membership.role if membership else None,
        str(getattr(membership, "ends_on", None)),
        getattr(membership, "organisation_count", None),
        timezone.localdate().isoformat(),
        request.get_full_path(),
        request.headers.get("Accept", ""),
        sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-")),
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _messages_waiting(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(response, "no_page_cache", False)
        and not request.session.modified
        and not _messages_waiting(request)
        and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
    )


def _get(key: str):
    try:
        return cache.get(key)
    except Exception:  # a cache that cannot be reached is a miss  # noqa: BLE001
        logger.warning("The page cache could not be read: pages are drawn afresh", exc_info=True)
        return None


def _set(key: str, value) -> None:
    try:
        cache.set(key, value, settings.PAGE_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("The page cache could not be written", exc_info=True)


class StalePage(AssertionError):
    """A kept answer differs from the page drawn now: something changed the data without
    renewing its generation (raised only with PAGE_CACHE_CHECK, as in the tests)."""


# Per-request values a kept answer may differ in from one drawn now: CSRF tokens (a new mask
# each request; 64 letters and digits).
_PER_REQUEST = re.compile(rb"[A-Za-z0-9]{64}")


def _check(kept: bytes, drawn: HttpResponse, request: HttpRequest) -> None:
    """With PAGE_CACHE_CHECK, every kept answer served is compared with the page drawn anew."""
    if drawn.status_code != 200:
        raise StalePage(f"{request.get_full_path()}: kept 200, drawn now {drawn.status_code}")
    old, new = _PER_REQUEST.sub(b"T", kept), _PER_REQUEST.sub(b"T", drawn.content)
    if old != new:
        same = (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
        at = next(same, min(len(old), len(new)))
        raise StalePage(
            f"{request.get_full_path()}: the kept answer differs from the page drawn now at "
            f"byte {at}: kept {old[max(0, at - 80) : at + 80]!r}, "
            f"drawn {new[max(0, at - 80) : at + 80]!r}"
        )


def not_kept(response: HttpResponse) -> HttpResponse:
    """Mark an answer that must not be kept (a page that polls while a job runs)."""
    response.no_page_cache = True
    return response


def cached_page(
    view: Callable[..., HttpResponse] | None = None, *, drawn_from: Scopes | None = None
):
    """Keep a page's answer for its session (above). Put it under ``@require``, so that
    permissions are checked on every request, kept answer or not.

    A tenant page is drawn from its organisation's data; a page drawn from several
    organisations' (the assessor's home) names them: ``drawn_from(request)`` gives their ids,
    and any of them changing draws the page again."""
    if view is None:
        return functools.partial(cached_page, drawn_from=drawn_from)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = _key(request, drawn_from)
        if key is not None:
            kept = _get(key)
            if kept is not None:
                content, headers = kept
                if settings.PAGE_CACHE_CHECK:
                    _check(content, view(request, *args, **kwargs), request)
                response = HttpResponse(content)
                for name, value in headers:
                    response[name] = value
                response.page_cache = response[HEADER] = "hit"
                return response
        response = view(request, *args, **kwargs)
        if key is not None and _keepable(request, response):
            headers = [(name, response[name]) for name in _KEPT if response.has_header(name)]
            _set(key, (response.content, headers))
            response.page_cache = response[HEADER] = "miss"
        return response

    return wrapped
