"""The dashboard's current year (status, counts), its open and overdue improvement actions,
and its next visit with a readiness figure: elements self-rated, evidenced (a link made or
re-confirmed this year), PC/NC with an action in hand; in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.queries import open_and_overdue, refs_with_actions
from assessments.models import Assessment, ElementResult
from dashboard.queries import Readiness, current_actions, readiness
from standards.models import Element
from tests.factories import ActionFactory, EvidenceFactory, EvidenceLinkFactory

pytestmark = pytest.mark.django_db


def dashboard_url(org) -> str:
    return reverse("org:dashboard", args=[org.slug])


@pytest.fixture
def prepared(y2018, cse_standard, lead):
    """2018 with 1.1.1-1.1.3 self-rated; evidence linked to 1.1.1 this year (twice), to 1.1.2
    carried forward and re-confirmed, to 1.1.3 carried forward and not re-confirmed."""
    refs = ["1.1.1", "1.1.2", "1.1.3"]
    ElementResult.objects.filter(assessment=y2018, element__ref__in=refs).update(self_rating="C")
    item = EvidenceFactory(organisation=y2018.organisation)
    e = {ref: Element.objects.get(standard=cse_standard, ref=ref) for ref in refs}
    EvidenceLinkFactory(evidence=item, assessment=y2018, element=e["1.1.1"])
    # Two links to one element count it once; an unconfirmed carried-forward link not at all.
    EvidenceLinkFactory(evidence=EvidenceFactory(organisation=y2018.organisation),
                        assessment=y2018, element=e["1.1.1"])  # fmt: skip
    EvidenceLinkFactory(evidence=item, assessment=y2018, element=e["1.1.3"], carried_forward=True)
    confirmed = EvidenceLinkFactory(
        evidence=item, assessment=y2018, element=e["1.1.2"], carried_forward=True
    )
    confirmed.confirmed_at = timezone.now()
    confirmed.save()
    return y2018


def test_readiness_counts_the_standards_elements(prepared):
    ready = readiness(prepared, today=timezone.localdate())
    assert ready.elements == 57
    assert ready.self_rated == 3
    assert ready.evidenced == 2  # 1.1.1 (made this year) and 1.1.2 (re-confirmed)
    assert ready.pc_nc_refs == {"2.1.4", "4.1.2", "5.3.2"}  # PC in 2018
    assert ready.pc_nc_with_actions is None
    assert ready.percent == round(100 * 5 / 114)


def test_a_link_to_a_sub_element_evidences_its_element(y2018, cse_standard):
    sub = Element.objects.filter(standard=cse_standard, parent__isnull=False).first()
    EvidenceLinkFactory(evidence__organisation=y2018.organisation, assessment=y2018, element=sub)
    assert readiness(y2018).evidenced == 1


def test_the_percent_counts_actions_once_they_are_counted(y2018):
    ready = Readiness(y2018, elements=10, self_rated=10, evidenced=5, pc_nc_refs={"1", "2"})
    assert ready.percent == 75
    ready.count_actions({"1", "2", "3"})  # "3" is no PC/NC: not counted
    assert ready.pc_nc_with_actions == 2
    assert ready.percent == round(100 * 17 / 22)
    assert Readiness(y2018).percent == 0  # a year with no results yet


def test_the_dashboard_shows_the_current_year_and_the_next_visit(client, prepared, lead):
    visit = timezone.localdate() + timedelta(days=12)
    Assessment.objects.filter(pk=prepared.pk).update(visit_date=visit)
    client.force_login(lead)
    body = client.get(dashboard_url(prepared.organisation)).content.decode()
    assert "Current year:" in body and "Assessor review" in body
    assert f"{visit:%A} {visit.day} {visit:%B %Y}</time>, in 12 days" in body
    assert f"{round(100 * 5 / 114)}% ready" in body
    assert "3 of 57 elements" in body  # self-rated
    assert "2 of 57 elements, with evidence linked or re-confirmed this year" in body
    assert "0 of 3 with an improvement action in hand" in body
    assert "No action is open or in progress" in body


def actions_on(year, refs_statuses, due):
    for ref, status in refs_statuses:
        element = Element.objects.get(standard=year.standard, ref=ref)
        ActionFactory(raised_in=year, element=element, status=status, due_date=due)


def test_pc_nc_with_actions_in_hand_and_open_and_overdue(client, y2018, y2017, lead):
    today = timezone.localdate()
    # In hand for 2018: raised in 2018 (any status), or earlier and not yet verified.
    actions_on(y2018, [("2.1.4", Action.Status.DONE)], today - timedelta(1))
    actions_on(y2017, [("4.1.2", Action.Status.IN_PROGRESS)], today - timedelta(5))
    actions_on(y2017, [("5.3.2", Action.Status.VERIFIED)], today - timedelta(5))
    actions_on(y2018, [("1.1.1", Action.Status.OPEN)], today + timedelta(5))  # not a PC/NC
    client.force_login(lead)
    body = client.get(dashboard_url(y2018.organisation)).content.decode()
    assert "2 of 3 with an improvement action in hand" in body
    # Unfinished: 4.1.2's (overdue) and 1.1.1's (due in five days).
    assert "2 open or in progress</a>;" in body and "1 overdue</a>" in body
    assert "?status=unfinished&amp;overdue=on" in body


def test_a_year_without_pc_or_nc_is_fully_ready_on_actions(client, y2018, lead):
    y2018.results.filter(rating__in=["PC", "NC"]).update(rating="C")
    client.force_login(lead)
    body = client.get(dashboard_url(y2018.organisation)).content.decode()
    assert "No element is rated PC or NC." in body


def test_a_visit_passed_while_the_year_is_open(client, y2018, lead):
    Assessment.objects.filter(pk=y2018.pk).update(visit_date=timezone.localdate() - timedelta(1))
    client.force_login(lead)
    body = client.get(dashboard_url(y2018.organisation)).content.decode()
    assert "This year's visit" in body and "(passed: the year is still open)" in body


def test_a_year_without_a_visit_date_says_where_to_set_it(client, y2018, lead):
    Assessment.objects.filter(pk=y2018.pk).update(visit_date=None)
    client.force_login(lead)
    body = client.get(dashboard_url(y2018.organisation)).content.decode()
    assert "No visit date set yet" in body
    assert reverse("org:year-details", args=[y2018.organisation.slug, 2018]) in body


def test_a_finalised_latest_year_has_no_next_visit_panel(client, y2018, lead):
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
    client.force_login(lead)
    body = client.get(dashboard_url(y2018.organisation)).content.decode()
    assert "Current year:" in body and "Next visit" not in body


def test_no_year_yet(client, org, lead):
    client.force_login(lead)
    body = client.get(dashboard_url(org)).content.decode()
    assert "No assessment years yet" in body and "Next visit" not in body


@pytest.mark.usefixtures("drawn_pages")
@pytest.mark.parametrize("years", [1, 5])
def test_a_fixed_number_of_queries(client, org, seeded, lead, years, django_assert_num_queries):
    """The dashboard of a lead with 1 year (2018 alone) or all five (2014-2018)."""
    Assessment.objects.filter(organisation=org, year__lt=2019 - years).delete()
    EvidenceFactory.create_batch(3, organisation=org, review_by=timezone.localdate())
    client.force_login(lead)
    client.get(dashboard_url(org))  # the session remembers the organisation (a write)
    # 1 the session, 2 the user, 3 the membership (tenant middleware), 4 the years, 5 their
    # results counted (grouped in the database), 6-7 readiness: the current year's results
    # (counted, and its PC/NC; the standard's elements were read by the first request:
    # standards.memo), its evidenced elements, 8 the actions in hand (the refs with one, and
    # the open and overdue ones), 9 evidence due for review
    with django_assert_num_queries(9):
        response = client.get(dashboard_url(org))
    assert response.status_code == 200


@pytest.mark.parametrize("days", [-3, 0, 3])
def test_the_actions_in_hand_are_what_the_actions_queries_say(y2018, y2017, days):
    """current_actions reads in one query what refs_with_actions and open_and_overdue read in
    two: actions of every status, raised in the latest year and an earlier one, due before,
    on and after today."""
    today = timezone.localdate()
    due = today + timedelta(days=days)
    statuses = list(Action.Status)
    refs = ["1.1.1", "1.1.2", "2.1.4", "3.1.1", "4.1.2", "5.3.2"]
    for n, status in enumerate(statuses):
        actions_on(y2018, [(refs[n], status)], due)
        actions_on(y2017, [(refs[-1 - n], status)], due - timedelta(days=n))
    drawn = current_actions(y2018, today)
    assert drawn.refs_in_hand == refs_with_actions(y2018)
    assert drawn.counts == open_and_overdue(y2018.organisation, today)
    assert drawn.counts.unfinished == 4  # open and in progress, in either year


def test_no_action_at_all(y2018):
    drawn = current_actions(y2018)
    assert drawn.refs_in_hand == set() and drawn.counts == open_and_overdue(y2018.organisation)
