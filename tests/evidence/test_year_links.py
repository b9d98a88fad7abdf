"""What the evidence app answers an assessment year (assessments.linked_evidence): the grid's
figures, an element's links, the element page's library search, and the registration that
lets assessments ask without importing evidence."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import linked_evidence
from evidence.models import EvidenceLink
from evidence.queries import search_evidence
from evidence.year_links import YearLinks
from standards.models import Element
from tests.factories import AssessmentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
NEXT_YEAR = TODAY + timedelta(days=365)


@pytest.fixture
def year(org, cse_standard):
    return AssessmentFactory(organisation=org, standard=cse_standard, year=2018)


@pytest.fixture
def element(cse_standard):
    return Element.objects.get(standard=cse_standard, ref="1.1.1")


def link(assessment, ref, **evidence):
    element = Element.objects.get(standard=assessment.standard, ref=ref)
    item = EvidenceFactory(organisation=assessment.organisation, **evidence)
    return EvidenceLink.objects.create(evidence=item, assessment=assessment, element=element)


def test_the_evidence_app_answers_for_assessments():
    assert isinstance(linked_evidence.provider(), YearLinks)


def test_evidence_counts_and_overdue_per_element(year, django_assert_num_queries):
    link(year, "1.1.1", review_by=NEXT_YEAR)
    link(year, "1.1.1", review_by=YESTERDAY)
    link(year, "1.2.1")
    e111 = Element.objects.get(ref="1.1.1").pk
    e121 = Element.objects.get(ref="1.2.1").pk
    with django_assert_num_queries(2):  # the counts, the overdue elements
        figures = YearLinks().figures(year, TODAY)
    assert figures == {e111: (2, True), e121: (1, False)}
    assert YearLinks().figures(year, TODAY, element_id=e121) == {e121: (1, False)}
    # Review due today is not yet overdue.
    assert YearLinks().figures(year, YESTERDAY)[e111] == (2, False)


def test_figures_count_only_the_years_links_and_its_overdue_items(org, year, cse_standard):
    """The counts are read from the year's side and the overdue from the items' side: an
    overdue item linked in another year, or to another element, marks nothing here; a year
    without links has no figures."""
    e111 = Element.objects.get(ref="1.1.1").pk
    e121 = Element.objects.get(ref="1.2.1").pk
    other_year = AssessmentFactory(organisation=org, standard=cse_standard, year=2017)
    overdue = link(other_year, "1.2.1", review_by=YESTERDAY).evidence
    EvidenceLink.objects.create(evidence=overdue, assessment=year, element_id=e111)
    link(year, "1.2.1", review_by=NEXT_YEAR)
    link(year, "1.2.1")
    assert YearLinks().figures(year, TODAY) == {e111: (1, True), e121: (2, False)}
    assert YearLinks().figures(year, TODAY, element_id=e121) == {e121: (2, False)}
    assert YearLinks().figures(year, TODAY, element_id=e111) == {e111: (1, True)}
    assert YearLinks().figures(other_year, TODAY) == {e121: (1, True)}
    empty = AssessmentFactory(organisation=org, standard=cse_standard, year=2016)
    assert YearLinks().figures(empty, TODAY) == {}


def test_an_elements_links_by_title_with_overdue_and_to_confirm(
    year, element, django_assert_num_queries
):
    second = link(year, "1.1.1", title="B minutes", review_by=YESTERDAY)
    first = link(year, "1.1.1", title="A policy")
    EvidenceLink.objects.filter(pk=first.pk).update(carried_forward=True)
    link(year, "1.2.1", title="Elsewhere")
    with django_assert_num_queries(1):
        linked = YearLinks().element_links(year, element, TODAY)
        assert [x.evidence.title for x in linked.links] == ["A policy", "B minutes"]
        assert linked.links[0].element == element  # known already: no query per link
    assert linked.links[1].pk == second.pk
    assert linked.overdue and linked.to_confirm == 1
    assert not YearLinks().element_links(year, element, YESTERDAY).overdue


def test_counts_of_a_year(year):
    link(year, "1.1.1")
    carried = link(year, "1.2.1")
    EvidenceLink.objects.filter(pk=carried.pk).update(carried_forward=True)
    counts = YearLinks().counts(year)
    assert (counts.total, counts.added) == (2, 1)


# --- the library search ----------------------------------------------------------------------


def test_search_finds_titles_of_this_organisation_only(year, other_org, element):
    mine = EvidenceFactory(organisation=year.organisation, title="Customer survey 2018")
    linked = EvidenceFactory(organisation=year.organisation, title="Survey method")
    EvidenceLink.objects.create(evidence=linked, assessment=year, element=element)
    EvidenceFactory(organisation=year.organisation, title="Complaints log")
    EvidenceFactory(organisation=other_org, title="Their survey")

    search = search_evidence(year.organisation, year, element, "  SURVEY ")
    assert search.query == "SURVEY"
    assert [(hit.evidence, hit.linked) for hit in search.hits] == [(mine, False), (linked, True)]
    assert not search.more
    assert search_evidence(year.organisation, year, element, "   ").hits == []


def test_search_says_when_there_are_more(year, element):
    for n in range(5):
        EvidenceFactory(organisation=year.organisation, title=f"Policy {n}")
    search = search_evidence(year.organisation, year, element, "policy", limit=3)
    assert len(search.hits) == 3 and search.more


def test_the_element_pages_search_is_cut_to_the_search_box(year, element):
    EvidenceFactory(organisation=year.organisation, title="Policy")
    search = YearLinks().search(year.organisation, year, element, "Policy" + "x" * 500)
    assert len(search.query) == 200 and search.hits == []
