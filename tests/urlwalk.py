"""Every URL pattern of the site, read from the resolver, and its path filled with real values:
for the tests that request every URL (tests/test_permissions_by_url.py, the tenant walk of
tests/test_tenant_isolation.py), so that a page added later is covered without a list to keep.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

TENANT_PREFIX = "o/<slug:org_slug>/"
# Django's admin has regular-expression routes of its own (and django-simple-history's): they
# are walked (so that they are listed) but never filled.
REGEX_ALLOWED = "admin"
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # "o/<slug:org_slug>/evidence/<int:evidence_pk>/"
    name: str  # "org:evidence-detail" (the route itself when it has no name)
    callback: Callable  # the view the URL resolves to
    namespace: str = ""  # "org", "admin", … ("" for none)

    def __str__(self) -> str:
        return self.name

    @property
    def is_tenant(self) -> bool:
        return self.route.startswith(TENANT_PREFIX)

    @property
    def keywords(self) -> list[str]:
        return [match["name"] for match in PARAMETER.finditer(self.route)]


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern) and namespace != REGEX_ALLOWED:
            raise AssertionError(
                f"{prefix}{entry.pattern} is a re_path(): use path(), or teach "
                "tests/urlwalk.py to fill regular expressions"
            )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name or route]))
            yield Route(route, name, entry.callback, namespace)


def routes() -> list[Route]:
    """Every route once, in the resolver's order; a route shadowed by an earlier pattern of
    the same path (django.contrib.auth's password reset, replaced by accounts') is left out:
    nothing reaches it."""
    seen: dict[str, Route] = {}
    for route in walk(get_resolver().url_patterns):
        seen.setdefault(route.route, route)
    return list(seen.values())


def fill(route: Route, values: Mapping[str, str], *, where: str) -> str:
    """The route's path with each ``<converter:keyword>`` replaced by ``values[keyword]``; an
    unknown keyword fails, saying to add a real value for it ``where``. The path must
    resolve to the route's own view, or a test walking it would prove nothing."""

    def value(match: re.Match) -> str:
        keyword = match["name"]
        if keyword not in values:
            raise AssertionError(
                f"{route} ({route.route}) has the URL keyword {keyword!r}, which {where} does "
                "not know: add a real value for it there."
            )
        return str(values[keyword])

    path = "/" + PARAMETER.sub(value, route.route)
    assert resolve(path).func is route.callback, f"{path} does not resolve to {route}"
    return path
