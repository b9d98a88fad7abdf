"""Deleting an item that a finalised year was assessed on.

A finalised year is read-only, its evidence links too: deleting the item is refused, naming
the finalised years, and the quality lead is offered to withdraw it from the open years only
(their links go, the finalised year's links and the item stay).
"""

import pytest
from django.urls import reverse

from assessments.models import Assessment
from evidence import queries, services
from evidence.models import Evidence, EvidenceLink
from tests.evidence import samples
from tests.factories import AssessmentFactory, ElementFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"org:{name}", args=[org.slug, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def element():
    return ElementFactory(ref="1.1.1", text="We understand our customers.")


@pytest.fixture
def years(org, element):
    """2017 and 2018 finalised, 2019 open."""
    made = {}
    for year, status in [
        (2017, Assessment.Status.FINALISED),
        (2018, Assessment.Status.FINALISED),
        (2019, Assessment.Status.SELF_ASSESSMENT),
    ]:
        made[year] = AssessmentFactory(
            organisation=org, standard=element.standard, year=year, status=status
        )
    return made


@pytest.fixture
def item(org, lead, element, years):
    """A file item linked to 1.1.1 in 2017, 2018 (finalised) and 2019 (open)."""
    item = services.add_file(
        org,
        services.check_upload(samples.upload("Complaints policy.pdf", samples.PDF)),
        acting_user=lead,
    )
    for assessment in years.values():
        EvidenceLink.objects.create(evidence=item, assessment=assessment, element=element)
    return item


def test_deleting_an_item_of_a_finalised_year_is_refused_naming_the_years(org, lead, item):
    with pytest.raises(services.InFinalisedYear) as refused:
        services.delete_evidence(item, acting_user=lead)
    assert refused.value.years == [2017, 2018]
    assert "2017 and 2018" in str(refused.value)
    assert "finalised" in str(refused.value)
    assert Evidence.objects.filter(pk=item.pk).exists()
    assert EvidenceLink.objects.filter(evidence=item).count() == 3


def test_withdraw_from_open_years_keeps_the_finalised_links_and_the_item(org, lead, item, years):
    withdrawal = services.withdraw_from_open_years(item, acting_user=lead)
    assert (withdrawal.years, withdrawal.links) == ([2019], 1)
    kept = EvidenceLink.objects.filter(evidence=item)
    assert sorted(kept.values_list("assessment__year", flat=True)) == [2017, 2018]
    removed = EvidenceLink.history.filter(history_type="-").get()
    assert (removed.assessment_id, removed.history_user) == (years[2019].pk, lead)
    assert Evidence.objects.filter(pk=item.pk).exists()


def test_an_item_of_open_years_only_is_deleted_with_its_links(
    org, lead, element, years, django_capture_on_commit_callbacks
):
    item = EvidenceFactory(organisation=org)
    EvidenceLink.objects.create(evidence=item, assessment=years[2019], element=element)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(item, acting_user=lead)
    assert not Evidence.objects.filter(pk=item.pk).exists()
    assert not EvidenceLink.objects.exists()


def test_the_deletion_plan(org, item):
    plan = queries.deletion(item)
    assert plan.finalised_years == [2017, 2018]
    assert plan.open_years == [2019]
    assert plan.open_links == 1
    assert not plan.may_delete


def test_the_confirmation_page_says_what_will_happen(client, org, lead, item):
    client.force_login(lead)
    page = client.get(url("evidence-delete", org, item.pk)).content.decode()
    assert "cannot be deleted" in page
    assert "2017 and 2018" in page and "finalised" in page
    # The offer says what goes and what stays, before anything happens.
    assert "Withdraw from 2019" in page
    assert url("evidence-withdraw", org, item.pk) in page
    assert "btn-danger" not in page  # no delete button for an item a finalised year keeps


def test_a_delete_post_for_an_item_of_a_finalised_year_is_refused(client, org, lead, item):
    client.force_login(lead)
    response = client.post(url("evidence-delete", org, item.pk), follow=True)
    assert response.redirect_chain == [(url("evidence-delete", org, item.pk), 302)]
    shown = messages_of(response)
    assert any("2017 and 2018" in m and "was not deleted" in m for m in shown)
    assert Evidence.objects.filter(pk=item.pk).exists()
    assert EvidenceLink.objects.filter(evidence=item).count() == 3


def test_withdraw_through_the_page(client, org, lead, item):
    client.force_login(lead)
    response = client.post(url("evidence-withdraw", org, item.pk), follow=True)
    assert response.redirect_chain == [(url("evidence-detail", org, item.pk), 302)]
    shown = " ".join(messages_of(response))
    assert "withdrawn from 2019" in shown and "2017 and 2018 keep it" in shown
    assert sorted(
        EvidenceLink.objects.filter(evidence=item).values_list("assessment__year", flat=True)
    ) == [2017, 2018]


def test_withdraw_takes_only_post_and_only_editors(client, org, lead, item, member_of):
    from organisations.models import Role

    client.force_login(lead)
    assert client.get(url("evidence-withdraw", org, item.pk)).status_code == 405
    client.force_login(member_of(org, Role.ASSESSOR))
    assert client.post(url("evidence-withdraw", org, item.pk)).status_code == 403
    assert EvidenceLink.objects.filter(evidence=item).count() == 3


def test_nothing_to_withdraw_says_so(client, org, lead, item, years):
    services.withdraw_from_open_years(item, acting_user=lead)
    client.force_login(lead)
    page = client.get(url("evidence-delete", org, item.pk)).content.decode()
    assert "cannot be deleted" in page
    assert "Withdraw from" not in page
    assert "no links in open years" in page


def test_the_confirmation_page_of_a_deletable_item_names_the_open_years(
    client, org, lead, element, years
):
    item = EvidenceFactory(organisation=org, title="Survey")
    EvidenceLink.objects.create(evidence=item, assessment=years[2019], element=element)
    client.force_login(lead)
    page = client.get(url("evidence-delete", org, item.pk)).content.decode()
    assert "Delete “Survey”?" in page
    assert "It supports 1 element in 2019" in page
    assert "btn-danger" in page
