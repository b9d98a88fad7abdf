"""Re-confirming a year's carried-forward links in bulk: one service (atomic, ``acting_user``
keyword-only, refusing a finalised year, a history row per link) and its confirmation page,
reached from the library's button."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import YearLocked
from evidence import services
from evidence.models import EvidenceLink
from organisations.models import Role
from tests.factories import (
    AssessmentFactory,
    ElementFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(org):
    """2019, open, with three links carried forward (one re-confirmed already) and one new."""
    element = ElementFactory(ref="1.1.1")
    other = ElementFactory(standard=element.standard, ref="2.1.1")
    earlier = AssessmentFactory(
        organisation=org, standard=element.standard, year=2018, status=Assessment.Status.FINALISED
    )
    assessment = AssessmentFactory(organisation=org, standard=element.standard, year=2019)
    for title, target in [("Profile", element), ("Survey", other), ("Minutes", element)]:
        item = EvidenceFactory(organisation=org, title=title)
        EvidenceLinkFactory(evidence=item, assessment=earlier, element=target)
        EvidenceLinkFactory(
            evidence=item, assessment=assessment, element=target, carried_forward=True
        )
    EvidenceLink.objects.filter(assessment=assessment, evidence__title="Minutes").update(
        confirmed_at=timezone.now()
    )
    EvidenceLinkFactory(
        evidence=EvidenceFactory(organisation=org, title="New"),
        assessment=assessment,
        element=other,
    )
    return assessment


def pending(assessment) -> set[str]:
    return set(
        EvidenceLink.objects.filter(
            assessment=assessment, carried_forward=True, confirmed_at__isnull=True
        ).values_list("evidence__title", flat=True)
    )


# --- the service -------------------------------------------------------------------------------


def test_reconfirms_the_years_pending_links_with_history(org, lead, year):
    assert pending(year) == {"Profile", "Survey"}
    before = timezone.now()
    assert services.reconfirm_carried_forward(year, acting_user=lead) == 2
    assert pending(year) == set()
    for link in EvidenceLink.objects.filter(
        assessment=year, evidence__title__in=["Profile", "Survey"]
    ):
        assert link.confirmed_by == lead and link.confirmed_at >= before
        latest = link.history.latest()
        assert latest.history_user == lead and latest.history_type == "~"
        assert latest.confirmed_at == link.confirmed_at
    # The link re-confirmed before, the new link and the earlier year are left as they were.
    minutes = EvidenceLink.objects.get(assessment=year, evidence__title="Minutes")
    assert minutes.confirmed_at < before and minutes.confirmed_by is None
    assert not EvidenceLink.objects.get(evidence__title="New").confirmed_at
    assert not EvidenceLink.objects.filter(assessment__year=2018, confirmed_at__isnull=False)


def test_a_second_run_confirms_nothing(org, lead, year):
    services.reconfirm_carried_forward(year, acting_user=lead)
    history = EvidenceLink.history.count()
    assert services.reconfirm_carried_forward(year, acting_user=lead) == 0
    assert EvidenceLink.history.count() == history


def test_a_finalised_year_is_refused_and_nothing_changes(org, lead, year):
    Assessment.objects.filter(pk=year.pk).update(status=Assessment.Status.FINALISED)
    history = EvidenceLink.history.count()
    with pytest.raises(YearLocked):
        # The object still says "open": the stored status decides.
        services.reconfirm_carried_forward(year, acting_user=lead)
    assert pending(year) == {"Profile", "Survey"}
    assert EvidenceLink.history.count() == history


def test_acting_user_is_keyword_only(org, lead, year):
    with pytest.raises(TypeError):
        services.reconfirm_carried_forward(year, lead)


# --- the confirmation page ---------------------------------------------------------------------


def reconfirm_url(org, year: int) -> str:
    return reverse("org:evidence-reconfirm", args=[org.slug, year])


def test_the_page_lists_the_links_and_asks(client, org, lead, year):
    client.force_login(lead)
    response = client.get(reconfirm_url(org, 2019))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Re-confirm the 2 carried-forward links of 2019?" in page
    assert "Profile" in page and "Survey" in page
    assert "Minutes" not in page and ">New<" not in page
    assert reverse("org:element", args=[org.slug, 2019, "2.1.1"]) in page
    assert pending(year) == {"Profile", "Survey"}  # asking changes nothing


def test_posting_reconfirms_and_returns_to_the_year(client, org, lead, year):
    client.force_login(lead)
    response = client.post(reconfirm_url(org, 2019), follow=True)
    library = reverse("org:evidence-list", args=[org.slug]) + "?year=2019"
    assert response.redirect_chain == [(library, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Re-confirmed the 2 carried-forward links of 2019."
    ]
    assert pending(year) == set()
    assert "Re-confirm the" not in response.content.decode()


def test_nothing_left_says_so(client, org, lead, year):
    services.reconfirm_carried_forward(year, acting_user=lead)
    client.force_login(lead)
    assert "Nothing to re-confirm in 2019" in client.get(reconfirm_url(org, 2019)).content.decode()
    response = client.post(reconfirm_url(org, 2019), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Every carried-forward link of 2019 was re-confirmed already."
    ]


def test_a_finalised_year_says_so_and_keeps_its_links(client, org, lead, year):
    client.force_login(lead)
    page = client.get(reconfirm_url(org, 2018)).content.decode()
    assert "2018 is finalised" in page and "<form" not in page.split("<main")[-1]
    Assessment.objects.filter(pk=year.pk).update(status=Assessment.Status.FINALISED)
    response = client.post(reconfirm_url(org, 2019), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "2019 is finalised: its record can no longer be changed."
    ]
    assert pending(year) == {"Profile", "Survey"}


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.GOVERNING_BODY])
def test_readers_may_not(client, org, member_of, year, role):
    client.force_login(member_of(org, role))
    assert client.get(reconfirm_url(org, 2019)).status_code == 403
    assert client.post(reconfirm_url(org, 2019)).status_code == 403
    assert pending(year) == {"Profile", "Survey"}


@pytest.mark.parametrize("year_value", [2031, 10**30])
def test_a_year_the_organisation_does_not_have_is_404(client, org, lead, year, year_value):
    client.force_login(lead)
    assert client.get(reconfirm_url(org, year_value)).status_code == 404
    assert client.post(reconfirm_url(org, year_value)).status_code == 404


def test_another_organisations_year_is_404(client, org, other_org, outsider, year):
    client.force_login(outsider)
    AssessmentFactory(organisation=other_org, year=2019)
    # Under its own organisation's address the outsider's 2019 has nothing of org's.
    response = client.post(reconfirm_url(other_org, 2019), follow=True)
    assert response.status_code == 200
    assert pending(year) == {"Profile", "Survey"}
    # Under org's address: not a member, 404.
    assert client.post(reconfirm_url(org, 2019)).status_code == 404
