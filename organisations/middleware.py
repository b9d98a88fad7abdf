"""Resolves the organisation named in a tenant URL (``/o/<org_slug>/…``).

Anyone who is not a member gets 404 — never 403, which would confirm that the organisation
exists. Views behind it read ``request.organisation`` and ``request.membership``. A tenant view
that declares no action (``organisations.decorators``) is refused to members too: a page
whose ``@require`` was forgotten is closed (403, logged as an error), not open to every role.
"""

import logging
from collections.abc import Callable
from contextlib import ExitStack

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from cse_portal.row_reads import ModelColumns, fetch
from organisations import tenancy
from organisations.decorators import declared_action
from organisations.models import Membership, Organisation

logger = logging.getLogger(__name__)

LAST_ORG_SESSION_KEY = "last_org_slug"


def find_membership(user, slug: str) -> Membership | None:
    """The user's current membership of the organisation with this slug (its organisation
    loaded), or None: the one lookup of who belongs, for this middleware and the API's
    permission. A lapsed membership (its end date passed) is none: 404, as for outsiders.

    One query for all the user's memberships (a handful), whose current ones are also their
    ``organisation_count`` (the navigation's "Switch organisation"). On every tenant request,
    so its SQL is written once (cse_portal.row_reads: 0.4 ms of the ORM's query building
    otherwise), unordered; "current" is ``Membership.is_current``, the rule ``current_q``
    writes for queries."""
    today = timezone.localdate()
    with tenancy.all_tenants("finding which organisations a user belongs to"):
        memberships = [
            membership for membership in _memberships_of(user.pk) if membership.is_current(today)
        ]
    for membership in memberships:
        if membership.organisation.slug == slug:
            membership.organisation_count = len(memberships)
            return membership
    return None


_MEMBERSHIP = ModelColumns(Membership, "m")
_ORGANISATION = ModelColumns(Organisation, "o")


def _memberships_of(user_id: int) -> list[Membership]:
    """Every membership of the user, each with its organisation, as
    ``Membership.objects.select_related("organisation").filter(user=…)`` reads them."""
    using = router.db_for_read(Membership)
    connection = connections[using]
    m, o = _MEMBERSHIP, _ORGANISATION
    width = len(m.fields)
    rows = fetch(
        f"SELECT {m.select(connection)}, {o.select(connection)} "
        f"FROM {m.table(connection)} INNER JOIN {o.table(connection)} "
        f"ON {m.column(connection, 'organisation')} = {o.column(connection, 'id')} "
        f"WHERE {m.column(connection, 'user')} = %s",
        [user_id],
        using,
    )
    memberships = []
    for row in rows:
        membership = m.instance(connection, row[:width])
        Membership.organisation.field.set_cached_value(
            membership, o.instance(connection, row[width:])
        )
        memberships.append(membership)
    return memberships


def enter_tenant(request: HttpRequest, organisation) -> None:
    """Run the rest of this request as ``organisation`` (tenancy.tenant), until its response
    is made: the TenantMiddleware for a page, api.permissions.IsMember for the API (which
    resolves its organisation itself, after token authentication)."""
    request.organisation = organisation
    request.tenancy_context.enter_context(tenancy.tenant(organisation))


class TenancyScopeMiddleware:
    """First of the stack: every request starts from no tenant context (whatever the thread
    held before: the test client runs requests in the test's own thread) and runs in an
    enabled, empty scope, so a scoped query in a page that is not a tenant's raises instead of
    leaking, and PostgreSQL shows it no tenant row. The context is reset when the response is
    made, so a kept connection never carries one request's organisation into the next."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with tenancy.isolated():
            return self.get_response(request)


class TenantMiddleware:
    """Resolves the organisation and runs the view in its context (``tenancy.tenant``); the
    Django admin runs across tenants (``tenancy.all_tenants``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organisation = None
        request.membership = None
        request.tenancy_context = ExitStack()
        with request.tenancy_context:
            return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        response = self._resolve(request, view_func, view_kwargs)
        context = getattr(request, "tenancy_context", None)
        if context is not None and response is None:
            if request.organisation is not None:
                enter_tenant(request, request.organisation)
            elif getattr(request.resolver_match, "app_name", None) == "admin":
                context.enter_context(
                    tenancy.all_tenants("the Django admin: staff manage every organisation")
                )
        return response

    def _resolve(self, request: HttpRequest, view_func, view_kwargs):
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        if getattr(view_func, "resolves_tenant", False):
            # The API: a token signs its requests in after this middleware has run, so the
            # view resolves the membership itself, with find_membership (api.permissions).
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = find_membership(request.user, slug)
        if membership is None:
            raise Http404("No such organisation")
        if declared_action(view_func, request.method) is None:
            logger.error(
                "%s is a tenant view that declares no action: decorate it with "
                "@require(Action.…) (organisations.decorators); refused with 403.",
                getattr(view_func, "__qualname__", view_func),
            )
            raise PermissionDenied
        request.membership = membership
        request.organisation = membership.organisation
        # Remembered so that pages outside the tenant (the standard) can link back.
        if request.session.get(LAST_ORG_SESSION_KEY) != slug:
            request.session[LAST_ORG_SESSION_KEY] = slug
        return None
