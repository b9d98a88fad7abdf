"""The main navigation, on every page: the organisation it is for, what the member may do
there, its current year and the section the page is in. It reads organisations and
assessments, so it lives here, above them, beside the dashboard."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest

from assessments.models import Assessment
from organisations.middleware import LAST_ORG_SESSION_KEY
from organisations.models import Membership
from organisations.permissions import Action, can
from organisations.tenancy import all_tenants

# The navigation's sections, by URL name (the "org" and "standard" namespaces).
NAV_SECTIONS = {
    "dashboard": "dashboard",
    "members": "members",
    "member-role": "members",
    "member-remove": "members",
    "member-end-date": "members",
    "invitation-revoke": "members",
    "audit-log": "audit",
}


def nav_section(request: HttpRequest) -> str:
    """Which section of the main navigation the page belongs to (marked aria-current)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "standard":
        return "standard"
    if match.namespace != "org":
        return ""
    name = match.url_name or ""
    if name in NAV_SECTIONS:
        return NAV_SECTIONS[name]
    if name.startswith("evidence"):
        return "evidence"
    if name.startswith("action"):
        return "actions"
    if name.startswith(("progression", "board-report")):
        return "progression"
    return "assessments"


@dataclass(frozen=True)
class CurrentYear:
    """An organisation's latest assessment year and the standard it is assessed on."""

    year: int
    standard_id: int


def _latest_year(field: str) -> Subquery:
    latest = Assessment.objects.filter(organisation=OuterRef("organisation")).order_by("-year")
    return Subquery(latest.values(field)[:1])


def tenant(request: HttpRequest) -> dict:
    """The current organisation and membership and what the member may do; the navigation's
    organisation (the current one, or on pages outside any organisation the one the user last
    worked in), so that the navigation is the same on every page.

    On pages outside any organisation, ``nav_year`` is that organisation's current year (a
    CurrentYear; None before its first year), read with the navigation's own query, so the
    standard's element pages link into it at no cost. Tenant pages know their own year: there
    it is None."""
    membership = getattr(request, "membership", None)
    organisation = getattr(request, "organisation", None)
    nav_membership = membership
    session = getattr(request, "session", None)
    if membership is None and session is not None and request.user.is_authenticated:
        slug = session.get(LAST_ORG_SESSION_KEY)
        if slug:
            with all_tenants("the navigation outside an organisation names the user's last"):
                nav_membership = (
                    Membership.objects.current()
                    .with_organisation_count()
                    .annotate(
                        latest_year=_latest_year("year"),
                        latest_year_standard=_latest_year("standard_id"),
                    )
                    .select_related("organisation")
                    .filter(organisation__slug=slug, user=request.user)
                    .first()
                )
    nav_year = None
    if getattr(nav_membership, "latest_year", None) is not None:
        nav_year = CurrentYear(nav_membership.latest_year, nav_membership.latest_year_standard)

    return {
        "organisation": organisation,
        "membership": membership,
        "org_can": {action.value: can(membership, action) for action in Action},
        "nav_organisation": nav_membership.organisation if nav_membership else None,
        "nav_can": {action.value: can(nav_membership, action) for action in Action},
        "nav_organisation_count": getattr(nav_membership, "organisation_count", 0),
        "nav_year": nav_year,
        "nav_section": nav_section(request),
    }
