"""Opening a year carries the previous year forward; the self-assessment records who and when."""

import pytest
from django.core.management import call_command

from assessments.models import Assessment, ElementResult
from assessments.services import YearExists, YearLocked, open_year, set_self_assessment
from evidence.models import EvidenceLink
from standards.models import Element
from tests.factories import EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

SEED = "fixtures/demo/annex_one_2014_2018.csv"


@pytest.fixture
def history(org, cse_standard):
    call_command("import_annex_one", "--org", org.slug, SEED, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return org


def test_opening_a_year_carries_ratings_and_evidence_forward(history, lead):
    org = history
    y2018 = Assessment.objects.get(organisation=org, year=2018)
    r111 = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    set_self_assessment(
        r111, acting_user=lead, self_rating="CP", self_notes="Profile refreshed in October."
    )
    item = EvidenceFactory(organisation=org)
    EvidenceLink.objects.create(
        evidence=item, assessment=y2018, element=r111.element, note="Customer profile"
    )
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)

    y2019 = open_year(org, 2019, acting_user=lead)

    results = ElementResult.objects.filter(assessment=y2019)
    assert results.count() == Element.objects.count() == 72
    new111 = results.get(element__ref="1.1.1")
    assert (new111.rating, new111.self_rating, new111.self_notes) == (
        "CP", "CP", "Profile refreshed in October.",
    )  # fmt: skip
    assert new111.carried_forward and not new111.sampled and new111.comment == ""
    assert results.get(element__ref="2.1.4").rating == "PC"
    # A sub-element with nothing in 2018 starts empty, not carried forward.
    assert not results.get(element__ref="1.3.3.1").carried_forward
    carried = EvidenceLink.objects.get(assessment=y2019)
    assert (carried.evidence, carried.element.ref, carried.note) == (
        item,
        "1.1.1",
        "Customer profile",
    )
    assert carried.carried_forward and carried.needs_confirmation
    assert new111.history.latest().history_user == lead


def test_the_first_year_starts_empty(org, cse_standard, lead):
    first = open_year(org, 2025, acting_user=lead, kind=Assessment.Kind.INITIAL)
    assert first.kind == "initial"
    assert not ElementResult.objects.filter(assessment=first).exclude(rating="").exists()
    assert not ElementResult.objects.filter(assessment=first, carried_forward=True).exists()


def test_a_year_opens_once(history, lead):
    with pytest.raises(YearExists):
        open_year(history, 2018, acting_user=lead)


def test_self_assessment_keeps_who_and_when(history, lead):
    result = ElementResult.objects.get(assessment__year=2018, element__ref="1.2.3")
    assert set_self_assessment(
        result, acting_user=lead, self_rating="C", self_notes="Reviewed the engagement strategy."
    )
    assert not set_self_assessment(
        result, acting_user=lead, self_rating="C", self_notes="Reviewed the engagement strategy."
    )
    result.refresh_from_db()
    assert (result.self_rating, result.updated_by) == ("C", lead)
    assert result.history.latest().history_user == lead
    # The assessor's rating is untouched by the self-assessment.
    assert result.rating == "C"


def test_a_finalised_year_is_read_only(history):
    year = Assessment.objects.get(organisation=history, year=2017)
    year.status = Assessment.Status.FINALISED
    year.save()
    result = ElementResult.objects.get(assessment=year, element__ref="1.1.1")
    with pytest.raises(YearLocked, match="2017 is finalised"):
        set_self_assessment(result, acting_user=UserFactory(), self_rating="NC", self_notes="")
