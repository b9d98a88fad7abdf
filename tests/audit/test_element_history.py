"""An element's history in a year: /o/<org>/assessments/<year>/elements/<ref>/history/."""

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import ElementResult
from evidence import services as evidence_services
from organisations.models import Role
from standards.models import Element
from tests.audit.support import mark
from tests.factories import AssessmentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def history_url(org, year=2018, ref="1.1.1") -> str:
    return reverse("org:element-history", args=[org.slug, year, ref])


@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_it_and_the_element_page_links_it(
    client, org, result_111, member_of, role
):
    client.force_login(member_of(org, role))
    assert client.get(history_url(org)).status_code == 200
    element_page = client.get(reverse("org:element", args=[org.slug, 2018, "1.1.1"]))
    assert history_url(org) in element_page.content.decode()


def test_outsiders_get_404(client, org, result_111, outsider):
    client.force_login(outsider)
    assert client.get(history_url(org)).status_code == 404


def test_an_unknown_year_or_element_is_404(client, org, result_111, lead):
    client.force_login(lead)
    assert client.get(history_url(org, year=2017)).status_code == 404
    assert client.get(history_url(org, ref="9.9.9")).status_code == 404


def test_it_lists_the_results_and_links_changes_of_that_element_and_year_only(
    client, org, year, result_111, element_111, named, cse_standard
):
    lead = named("Lee Lead")
    assessor = named("Ana Assessor", Role.ASSESSOR)
    assessment_services.set_self_assessment(result_111, acting_user=lead, self_rating="PC")
    mark(result_111, assessor, rating="C", comment="Seen the policy.")
    item = EvidenceFactory(organisation=org, title="Safeguarding policy")
    link, _ = evidence_services.link(item, year, element_111, acting_user=lead)
    evidence_services.unlink(link, acting_user=lead)
    # Changes elsewhere: another element of the year, the same element in another year.
    other = ElementResult.objects.create(
        assessment=year, element=Element.objects.get(standard=cse_standard, ref="1.1.2")
    )
    assessment_services.set_self_assessment(other, acting_user=lead, self_notes="Not this one")
    y2019 = AssessmentFactory(organisation=org, year=2019, standard=cse_standard)
    later = ElementResult.objects.create(assessment=y2019, element=element_111)
    assessment_services.set_self_assessment(later, acting_user=lead, self_notes="Nor this one")

    client.force_login(lead)
    page = client.get(history_url(org)).content.decode()
    for shown in [
        "Partial Compliance",
        "Seen the policy.",
        "Ana Assessor",
        "Lee Lead",
        "Safeguarding policy",
        "unlinked",
    ]:
        assert shown in page
    assert "Not this one" not in page and "Nor this one" not in page
