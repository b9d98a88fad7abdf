"""Who may read an organisation through the API: its members, by their role.

The TenantMiddleware leaves the API's views alone (they are marked ``resolves_tenant``): it
runs before DRF authenticates a token, so to it a token's request is anonymous. Here, after
authentication, the membership is resolved by the same lookup the middleware uses
(organisations.middleware.find_membership), and ``request.organisation`` and
``request.membership`` are set as for any tenant view. Anyone who is not a member gets 404,
never 403 (which would confirm that the organisation exists); a member whose role does not
allow the view's ``action`` gets 403; nobody signed in, 401.
"""

from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from organisations.decorators import ROLE_REFUSED
from organisations.middleware import enter_tenant, find_membership
from organisations.permissions import can


class IsMember(BasePermission):
    message = ROLE_REFUSED  # what a page says too

    def has_permission(self, request: Request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401, with WWW-Authenticate: Token
        membership = find_membership(request.user, view.kwargs.get("org_slug", ""))
        if membership is None:
            raise Http404("No such organisation.")
        # On Django's request, which DRF's request reads through.
        request._request.membership = membership
        # The rest of the request runs as this organisation (both walls: tenancy.tenant).
        enter_tenant(request._request, membership.organisation)
        return can(membership, view.action_required)
