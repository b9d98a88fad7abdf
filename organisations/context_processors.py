from django.http import HttpRequest

from organisations.middleware import LAST_ORG_SESSION_KEY
from organisations.models import Organisation
from organisations.permissions import Action, can


def tenant(request: HttpRequest) -> dict:
    """The current organisation and membership, what the member may do, and — on pages
    outside any organisation — the organisation the user last worked in, to link back to."""
    membership = getattr(request, "membership", None)
    organisation = getattr(request, "organisation", None)
    last_organisation = None
    session = getattr(request, "session", None)
    if organisation is None and session is not None and request.user.is_authenticated:
        slug = session.get(LAST_ORG_SESSION_KEY)
        if slug:
            last_organisation = Organisation.objects.filter(
                slug=slug, memberships__user=request.user
            ).first()
    return {
        "organisation": organisation,
        "membership": membership,
        "last_organisation": last_organisation,
        "org_can": {action.value: can(membership, action) for action in Action},
    }
