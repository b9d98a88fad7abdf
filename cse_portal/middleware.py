"""Refuse, with a clear 400 page, a request whose text no view could store or search.

PostgreSQL refuses a NUL character in any string, so a NUL in an address, a search or a form
field would otherwise end as a 500 deep inside whichever view first hands it to the database.
Bytes that are not UTF-8 in the query string would be silently replaced by "�" and searched
for. Both are refused here, once, before any view runs. (Django already re-encodes a path
that is not UTF-8, so such a path simply leads nowhere: a 404.)

A session cookie that no session key could be (a forged one holding a NUL) is dropped instead:
the visitor is simply signed out, as with an expired session.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

NUL = "\x00"

NUL_MESSAGE = (
    "The {where} holds an invisible NUL character (often left by text pasted from another "
    "program), which cannot be stored. Remove it and try again."
)
NOT_UTF8_MESSAGE = (
    "The web address holds bytes that are not UTF-8 text, so it cannot be read. Type the "
    "search again in the page's own search box."
)


def raw_query_bytes(request: HttpRequest) -> bytes:
    """The query string as the client sent it, percent-decoded, before any text decoding."""
    query = request.META.get("QUERY_STRING", "")
    try:
        raw = query.encode("latin-1")  # WSGI hands bytes over as latin-1 text
    except UnicodeEncodeError:
        raw = query.encode("utf-8")  # already decoded text (ASGI)
    return unquote_to_bytes(raw.replace(b"+", b" "))


def malformed_input(request: HttpRequest) -> str:
    """What makes the request unreadable, in plain English, or "" when nothing does."""
    if NUL in request.path_info:
        return NUL_MESSAGE.format(where="web address")
    query = raw_query_bytes(request)
    if b"\x00" in query:
        return NUL_MESSAGE.format(where="web address")
    try:
        query.decode("utf-8")
    except UnicodeDecodeError:
        return NOT_UTF8_MESSAGE
    if request.method == "POST":
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return NUL_MESSAGE.format(where="form you sent")
    return ""


def is_plausible_session_key(key: str) -> bool:
    """Django's session keys are lowercase letters and digits."""
    return key.isascii() and key.isalnum()


class MalformedInputMiddleware:
    """Answers 400 with the reason when the path, query or a form value cannot be stored.

    Placed after the authentication middleware (the page shows who is signed in) and after the
    security and CSP middleware (the page gets their headers), before any view or middleware
    that reads the request's values.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        key = session.session_key if session is not None else None
        if key is not None and not is_plausible_session_key(key):
            request.session = type(session)()  # signed out, as with an expired session
        problem = malformed_input(request)
        if problem:
            return render(request, "400.html", {"problem": problem}, status=400)
        return self.get_response(request)
