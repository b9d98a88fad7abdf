from django.http import HttpRequest

from organisations.permissions import Action, can


def tenant(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "organisation": getattr(request, "organisation", None),
        "membership": membership,
        "org_can": {action.value: can(membership, action) for action in Action},
    }
