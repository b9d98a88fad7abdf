"""The assessor's home (/assessor/, and the home page of anyone who assesses somewhere): every
organisation where the user is a current assessor, its current year, status and visit date,
and what waits there: the self-assessment submitted, elements to rate, PC/NC to re-check."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from dashboard.queries import assessor_overview
from organisations.models import Role
from tests.factories import (
    AssessmentFactory,
    ElementFactory,
    ElementResultFactory,
    MembershipFactory,
    OrganisationFactory,
    StandardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Kind = Assessment.Kind
Status = Assessment.Status


@pytest.fixture
def elements():
    """Four elements of a small standard (one sub-element of the first, which never counts)."""
    standard = StandardFactory()
    tops = [ElementFactory(sub_criterion__criterion__standard=standard) for _ in range(4)]
    sub = ElementFactory(
        sub_criterion=tops[0].sub_criterion, parent=tops[0], ref=f"{tops[0].ref}.1"
    )
    return standard, tops, sub


@pytest.fixture
def inspector():
    return UserFactory(email="inspector@example.test")


def assessed_org(user, elements, name, *, kind=Kind.ANNUAL_REVIEW, status=Status.ASSESSOR_REVIEW):
    """An organisation ``user`` assesses: 2023 finalised (element 0 PC, 1 NC, 2 C, 3 CP) and
    2024 (``kind``, ``status``), carried forward, elements 0 and 2 sampled, 0 re-rated C."""
    standard, tops, sub = elements
    organisation = OrganisationFactory(name=name)
    MembershipFactory(organisation=organisation, user=user, role=Role.ASSESSOR)
    before = AssessmentFactory(
        organisation=organisation, standard=standard, year=2023, status=Status.FINALISED
    )
    for element, rating in zip(tops, ["PC", "NC", "C", "CP"], strict=True):
        ElementResultFactory(assessment=before, element=element, rating=rating)
    ElementResultFactory(assessment=before, element=sub, rating="NC")  # detail: not counted
    current = AssessmentFactory(
        organisation=organisation,
        standard=standard,
        year=2024,
        kind=kind,
        status=status,
        visit_date=date(2024, 5, 14),
    )
    for index, (element, rating) in enumerate(zip(tops, ["PC", "NC", "C", "CP"], strict=True)):
        ElementResultFactory(
            assessment=current,
            element=element,
            rating="C" if index == 0 else rating,
            carried_forward=index != 0,
            sampled=index in (0, 2),
        )
    ElementResultFactory(assessment=current, element=sub, rating="NC", carried_forward=True)
    return organisation


def test_an_annual_review_waits_for_its_sampled_elements_and_rechecks(inspector, elements):
    org = assessed_org(inspector, elements, "Acme Care")
    [entry] = assessor_overview(inspector)
    assert entry.organisation == org and entry.assessment.year == 2024
    # Sampled: 0 (re-rated C this year) and 2 (C carried forward: not yet rated this year).
    assert (entry.must_rate, entry.to_rate) == (2, 1)
    # 2023's PC (0) and NC (1): 0 is re-rated, 1 waits. The sub-element's NC does not count.
    assert (entry.recheck.year, entry.recheck.total, entry.recheck.done) == (2023, 2, 1)
    assert entry.waiting and not entry.submitted


def test_an_initial_assessment_or_reassessment_rates_every_element(inspector, elements):
    assessed_org(inspector, elements, "Acme Care", kind=Kind.REASSESSMENT)
    [entry] = assessor_overview(inspector)
    assert (entry.must_rate, entry.to_rate) == (4, 3)


def test_only_current_assessor_memberships_are_listed(inspector, elements):
    assessed_org(inspector, elements, "Acme Care")
    lapsed = assessed_org(inspector, elements, "Lapsed Trust")
    lapsed.memberships.filter(user=inspector).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    MembershipFactory(user=inspector, role=Role.QUALITY_LEAD)  # leads there: not assessed
    assessed_org(UserFactory(), elements, "Someone Else's")
    assert [e.organisation.name for e in assessor_overview(inspector)] == ["Acme Care"]


def test_the_page_shows_year_status_visit_and_what_waits(client, inspector, elements):
    org = assessed_org(inspector, elements, "Acme Care", status=Status.SUBMITTED)
    client.force_login(inspector)
    body = client.get(reverse("assessor-home")).content.decode()
    assert "Acme Care" in body and reverse("org:dashboard", args=[org.slug]) in body
    assert reverse("org:year", args=[org.slug, 2024]) in body
    assert "Annual review" in body and "Submitted for review" in body
    assert "14 May 2024" in body
    assert "Self-assessment submitted" in body
    assert "1 element to rate</a>" in body and "(of 2 sampled)" in body
    assert "1 element rated Partial or Non-Compliance in 2023 to re-check" in body
    assert "(1 of 2 re-rated)" in body


def test_a_year_with_the_organisation_waits_for_nothing(client, inspector, elements):
    assessed_org(inspector, elements, "Acme Care", status=Status.CHANGES_REQUESTED)
    client.force_login(inspector)
    body = client.get(reverse("assessor-home")).content.decode()
    assert "the year is with the organisation (changes requested)" in body


def test_a_review_with_nothing_left_to_rate_offers_to_finalise(client, inspector, elements):
    org = assessed_org(inspector, elements, "Acme Care")
    Assessment.objects.filter(organisation=org, year=2024).update(kind=Kind.ANNUAL_REVIEW)
    org.assessments.get(year=2024).results.update(carried_forward=False)  # all rated now
    client.force_login(inspector)
    body = client.get(reverse("assessor-home")).content.decode()
    assert "Every element to rate is rated" in body and "review 2024 and finalise it" in body


def test_an_organisation_without_a_year(client, inspector):
    MembershipFactory(user=inspector, role=Role.ASSESSOR, organisation__name="New Start")
    client.force_login(inspector)
    body = client.get(reverse("assessor-home")).content.decode()
    assert "New Start" in body and "No assessment year opened yet" in body


def test_someone_who_assesses_nowhere_gets_a_plain_404(client, lead):
    client.force_login(lead)
    response = client.get(reverse("assessor-home"))
    assert response.status_code == 404
    assert b"You are not an assessor in any organisation" in response.content


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(reverse("assessor-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_home_page_of_an_assessor_lists_what_waits(client, inspector, elements):
    assessed_org(inspector, elements, "Acme Care")
    elsewhere = MembershipFactory(user=inspector, role=Role.GOVERNING_BODY).organisation
    client.force_login(inspector)
    response = client.get(reverse("home"))
    assert response.status_code == 200  # not sent straight into one organisation
    body = response.content.decode()
    assert "Your assessments" in body and "1 element to rate" in body
    assert "Your other organisations" in body and elsewhere.name in body


@pytest.mark.parametrize("count", [2, 10])
def test_a_fixed_number_of_queries(client, inspector, elements, count, django_assert_num_queries):
    for n in range(count):
        assessed_org(inspector, elements, f"Organisation {n:02}")
    client.force_login(inspector)
    # The standard's elements are read once per process (standards.memo): one query more
    # the first time.
    with django_assert_num_queries(4):
        assessor_overview(inspector)
    with django_assert_num_queries(3):
        assessor_overview(inspector)
    # 1 the session, 2 the user, 3 the assessor memberships, 4 their organisations' years,
    # 5 the current years' results with the previous years' PC/NC
    with django_assert_num_queries(5):
        response = client.get(reverse("assessor-home"))
    assert response.content.decode().count("to re-check") == count
    # The home page: the same, its assessor memberships taken from the user's memberships.
    with django_assert_num_queries(5):
        response = client.get(reverse("home"))
    assert response.content.decode().count("to re-check") == count


def test_the_overview_from_the_users_memberships_is_the_same(inspector, elements):
    """Given the user's memberships (the home page reads them anyway), the overview is the one
    read from the assessor memberships: the same organisations in the same order (two of the
    same name by their id), the same years and counts; other roles and lapsed ones left out."""
    from organisations.services import memberships_of

    for name, kind in (
        ("Beta", Kind.ANNUAL_REVIEW),
        ("Alpha", Kind.INITIAL),
        ("Beta", Kind.REASSESSMENT),
    ):
        assessed_org(inspector, elements, name, kind=kind)
    MembershipFactory(user=inspector, role=Role.GOVERNING_BODY)
    MembershipFactory(
        user=inspector, role=Role.ASSESSOR, ends_on=timezone.localdate() - timedelta(days=1)
    )
    read = assessor_overview(inspector)
    given = assessor_overview(inspector, memberships=memberships_of(inspector))
    assert [e.organisation.pk for e in given] == [e.organisation.pk for e in read]
    assert [e.organisation.name for e in read] == ["Alpha", "Beta", "Beta"]
    assert [(e.assessment.pk, e.must_rate, e.to_rate, e.recheck) for e in given] == [
        (e.assessment.pk, e.must_rate, e.to_rate, e.recheck) for e in read
    ]
    assert [(e.must_rate, e.to_rate) for e in read] == [(4, 3), (2, 1), (4, 3)]


def test_the_results_are_read_without_joins_or_sorting(inspector, elements):
    """The results are counted here: read from their own table alone, not joined to the
    elements, years and organisations that the model's default ordering would sort them by."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assessed_org(inspector, elements, "Acme Care")
    assessor_overview(inspector)  # the standard's elements, once per process
    with CaptureQueriesContext(connection) as captured:
        [entry] = assessor_overview(inspector)
    [results] = [q["sql"] for q in captured if "assessments_elementresult" in q["sql"]]
    assert "JOIN" not in results and "ORDER BY" not in results
    assert (entry.must_rate, entry.to_rate) == (2, 1)
