"""View decorators for tenant views: the middleware has already 404'd non-members."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from organisations.permissions import Action, can


def require(action: Action) -> Callable:
    """403 for a member whose role does not allow ``action``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.membership is None:  # not a tenant URL: a wiring mistake
                raise PermissionDenied
            if not can(request.membership, action):
                raise PermissionDenied
            # The middleware resolved the slug into request.organisation already.
            kwargs.pop("org_slug", None)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
