"""View decorators for tenant views: the middleware has already 404'd non-members.

Every tenant view declares the action it serves, and the declaration is what is checked:
``@require(Action.X)`` on a function view (outermost, so the role is checked before anything
else, the method included), ``action_required = Action.X`` on a class-based view (the API's,
checked by ``api.permissions.IsMember``). ``declared_action`` reads either back from the
resolved view; the TenantMiddleware refuses a tenant view that declares none, and
``tests/test_permissions_by_url.py`` requests every URL as every role against
``organisations.permissions.PERMISSIONS`` and the declared action.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from organisations.permissions import Action, can

# What a member whose role does not allow the view's action is told (the API says the same).
ROLE_REFUSED = "Your role in this organisation does not allow this."

# Methods that only read: the view's ``action``. Any other method needs its ``post`` action.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require(action: Action, *, post: Action | None = None) -> Callable:
    """403 for a member whose role does not allow ``action``; with ``post``, a request that
    is not a read (POST) needs ``post`` instead: a page every member reads whose form only
    some may send (``@require(Action.VIEW, post=Action.RATE)``). Declares both on the view
    (``action_required``, ``unsafe_action_required``) for ``declared_action``."""
    unsafe = post if post is not None else action

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.membership is None:  # not a tenant URL: a wiring mistake
                raise PermissionDenied
            needed = action if request.method in SAFE_METHODS else unsafe
            if not can(request.membership, needed):
                raise PermissionDenied(ROLE_REFUSED)
            # The middleware resolved the slug into request.organisation already.
            kwargs.pop("org_slug", None)
            return view(request, *args, **kwargs)

        wrapped.action_required = action
        wrapped.unsafe_action_required = unsafe
        return wrapped

    return decorator


def declared_action(view: Callable, method: str = "GET") -> Action | None:
    """The action ``view`` (as resolved from a URL) declares for a request ``method``: that of
    ``@require`` (found through decorators that keep ``__wrapped__``), or a class-based view's
    ``action_required`` for every method (as ``api.permissions.IsMember`` checks it); None
    when it declares none."""
    seen = view
    while seen is not None:
        view_class = getattr(seen, "view_class", None)
        if view_class is not None:
            action = getattr(view_class, "action_required", None)
            return None if action is None else Action(action)
        action = getattr(seen, "action_required", None)
        if action is not None:
            if method.upper() not in SAFE_METHODS:
                action = getattr(seen, "unsafe_action_required", action)
            return Action(action)
        seen = getattr(seen, "__wrapped__", None)
    return None
