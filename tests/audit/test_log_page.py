"""The organisation-wide audit log, /o/<org>/audit/: admins only, filters, pages, isolation."""

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from organisations.models import Role
from tests.audit.support import mark

pytestmark = pytest.mark.django_db


def log_url(org, **query) -> str:
    url = reverse("org:audit-log", args=[org.slug])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.QUALITY_LEAD, 403),
        (Role.ASSESSOR, 403),
        (Role.GOVERNING_BODY, 403),
    ],
)
def test_only_admins_see_the_log(client, org, member_of, role, status):
    client.force_login(member_of(org, role))
    assert client.get(log_url(org)).status_code == status


def test_outsiders_get_404(client, org, outsider):
    client.force_login(outsider)
    assert client.get(log_url(org)).status_code == 404


def test_the_navigation_offers_the_log_to_admins_only(client, org, admin, lead):
    client.force_login(admin)
    assert log_url(org) in client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    client.force_login(lead)
    assert (
        log_url(org) not in client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    )


def test_the_log_shows_who_changed_what_newest_first(client, org, admin, result_111, named):
    lead = named("Lee Lead")
    assessment_services.set_self_assessment(result_111, acting_user=lead, self_rating="PC")
    mark(result_111, named("Ana Assessor", Role.ASSESSOR), rating="NC")
    client.force_login(admin)
    page = client.get(log_url(org)).content.decode()
    page = page[page.index('class="list-unstyled audit-events') :]  # after the filters
    assert page.index("Ana Assessor") < page.index("Lee Lead")  # newest first
    assert "Non-Compliance" in page and "Partial Compliance" in page
    assert "2018 · 1.1.1" in page
