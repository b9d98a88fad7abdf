"""Organisation actions: each is atomic and takes the acting user where one exists."""

from django.db.models import QuerySet

from organisations.models import Membership


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their organisations, by organisation name."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def members_of(organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__email")
    )
