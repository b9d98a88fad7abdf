"""The read side of a year: the grid's assembly, its filters and progress, one element's page
and the list of years. (The evidence figures and the library search are the evidence app's:
tests/evidence/test_year_links.py.)"""

from datetime import date, timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from assessments.forms import GridFilterForm
from assessments.models import ElementResult
from assessments.outcome import Recommendation
from assessments.queries import (
    GridFilters,
    anchor,
    criteria_of,
    element_page,
    element_page_of,
    year_grid,
    year_rows,
)
from assessments.rules import NO_EVIDENCE, NO_SELF_RATING, OVERDUE_EVIDENCE
from evidence.models import EvidenceLink
from standards.models import Element
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - timedelta(days=1)
NEXT_YEAR = timezone.localdate() + timedelta(days=365)


def link(assessment, ref, **evidence):
    element = Element.objects.get(standard=assessment.standard, ref=ref)
    item = EvidenceFactory(organisation=assessment.organisation, **evidence)
    return EvidenceLink.objects.create(evidence=item, assessment=assessment, element=element)


def self_rate(assessment, ref, rating):
    ElementResult.objects.filter(assessment=assessment, element__ref=ref).update(self_rating=rating)


def rows_of(grid):
    return [row for group in grid.groups for sub in group.sub_criteria for row in sub.rows]


def refs(grid):
    return [row.element.ref for row in rows_of(grid)]


# --- the grid --------------------------------------------------------------------------------


def test_the_grid_nests_every_element_under_its_criterion_and_sub_criterion(y2018):
    grid = year_grid(y2018)
    assert [g.criterion.ref for g in grid.groups] == ["1", "2", "3", "4", "5"]
    assert sum(len(g.sub_criteria) for g in grid.groups) == 15
    assert grid.total == grid.shown == 72
    assert refs(grid)[:5] == ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2"]
    # Sub-elements follow their element.
    position = refs(grid).index("1.3.3")
    assert refs(grid)[position : position + 3] == ["1.3.3", "1.3.3.1", "1.3.3.2"]
    row = rows_of(grid)[position + 1]
    assert row.is_sub_element and row.anchor == "el-1-3-3-1"
    assert [c.ref for c in grid.criteria] == ["1", "2", "3", "4", "5"]


def test_attention_and_progress(y2018):
    link(y2018, "1.1.1", review_by=YESTERDAY)
    link(y2018, "1.1.2")
    link(y2018, "1.3.3.1")
    self_rate(y2018, "1.1.2", "C")
    self_rate(y2018, "1.1.3", "CP")
    self_rate(y2018, "1.3.3.2", "C")

    grid = year_grid(y2018)
    by_ref = {row.element.ref: row for row in rows_of(grid)}
    assert by_ref["1.1.1"].reasons == [NO_SELF_RATING, OVERDUE_EVIDENCE]
    assert by_ref["1.1.1"].evidence_count == 1 and by_ref["1.1.1"].has_overdue
    assert by_ref["1.1.2"].reasons == [] and not by_ref["1.1.2"].needs_attention
    assert by_ref["1.1.3"].reasons == [NO_EVIDENCE]
    assert by_ref["1.2.1"].reasons == [NO_SELF_RATING, NO_EVIDENCE]

    progress = grid.progress
    assert (progress.elements, progress.self_rated, progress.evidenced, progress.complete) == (
        57,
        2,
        2,
        1,
    )
    assert (progress.sub_elements, progress.sub_self_rated, progress.sub_evidenced) == (15, 1, 1)
    assert progress.needing_attention == 71  # all but 1.1.2
    assert progress.percent_complete == 2  # 1 of 57


def test_filters_choose_the_rows_but_progress_counts_the_whole_year(y2018):
    self_rate(y2018, "2.1.1", "CP")
    link(y2018, "2.1.1")

    only_2 = year_grid(y2018, GridFilters(criterion="2"))
    assert {ref.split(".")[0] for ref in refs(only_2)} == {"2"}
    assert [g.criterion.ref for g in only_2.groups] == ["2"]
    assert only_2.shown == len(refs(only_2)) < only_2.total == 72
    assert only_2.progress.elements == 57

    self_cp = year_grid(y2018, GridFilters(self_rating="CP"))
    assert refs(self_cp) == ["2.1.1"]

    not_self_rated = year_grid(y2018, GridFilters(self_rating="none"))
    assert "2.1.1" not in refs(not_self_rated) and len(refs(not_self_rated)) == 71

    # The assessor's 2018 ratings from the board paper: 2.1.4 is PC.
    pc = year_grid(y2018, GridFilters(rating="PC"))
    assert "2.1.4" in refs(pc)
    assert all(row.result.rating == "PC" for row in rows_of(pc))
    unrated = year_grid(y2018, GridFilters(rating="none"))
    assert refs(unrated) and all(row.result.rating == "" for row in rows_of(unrated))
    assert "1.3.3.1" in refs(unrated)  # sub-elements are not rated in 2018

    attention = year_grid(y2018, GridFilters(attention=True))
    assert "2.1.1" not in refs(attention) and len(refs(attention)) == 71

    combined = year_grid(y2018, GridFilters(criterion="1", rating="CP", attention=True))
    assert refs(combined) == ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.3.5"]


def test_the_filter_form_ignores_values_it_does_not_offer(y2018):
    criteria = criteria_of(y2018)
    data = QueryDict("criterion=9&self_rating=ZZ&rating=PC&attention=on")
    filters = GridFilterForm(data, criteria=criteria).filters()
    assert filters == GridFilters(criterion="", self_rating="", rating="PC", attention=True)
    assert GridFilterForm(None, criteria=criteria).filters() == GridFilters()
    assert not GridFilters().active and GridFilters(attention=True).active


def test_a_filter_that_matches_nothing_leaves_no_empty_groups(y2018):
    grid = year_grid(y2018, GridFilters(criterion="1", rating="NC"))
    assert grid.groups == [] and grid.shown == 0 and grid.total == 72


# --- one element -----------------------------------------------------------------------------


def test_element_page_of_an_element_with_sub_elements(y2018):
    first = link(y2018, "1.3.3", review_by=YESTERDAY)
    carried = link(y2018, "1.3.3")
    carried.carried_forward = True
    carried.save()
    page = element_page(y2018, "1.3.3")
    assert page.element.ref == "1.3.3" and page.anchor == "el-1-3-3"
    assert [r.ref for r in page.sub_elements] == ["1.3.3.1", "1.3.3.2"]
    assert {link.pk for link in page.links} == {first.pk, carried.pk}
    assert page.evidence_count == 2 and page.to_confirm == 1
    assert page.reasons == [NO_SELF_RATING, OVERDUE_EVIDENCE]
    # The same ref in every earlier year, latest first, with that year's marks.
    assert [(r.year, r.rating, r.sampled) for r in page.earlier] == [
        (2017, "C", True),
        (2016, "C", False),
        (2015, "C", True),
        (2014, "PC", False),
    ]


def test_element_page_of_a_sub_element(y2018):
    page = element_page(y2018, "1.3.3.1")
    assert page.element.parent.ref == "1.3.3"
    assert page.sub_elements == []
    assert [r.year for r in page.earlier] == [2017, 2016, 2015, 2014]


def test_element_page_of_an_unknown_ref(y2018):
    assert element_page(y2018, "9.9.9") is None
    assert element_page(y2018, "1.1") is None  # a sub-criterion, not an element


def test_element_page_of_reads_the_year_with_the_result(
    y2018, other_org, django_assert_num_queries
):
    """The view's way in: the organisation's year found in the result's query, the same page
    as element_page's; another organisation's year, a year it does not have, or a ref that
    is not one of the year's elements is None."""
    from assessments.services import open_year

    organisation = y2018.organisation
    with django_assert_num_queries(3):  # the result with its year, results and earlier, links
        page = element_page_of(organisation, 2018, "1.3.3")
    same = element_page(y2018, "1.3.3")
    assert page.assessment.pk == y2018.pk and page.assessment.organisation is organisation
    assert page.result.pk == same.result.pk and page.element.ref == "1.3.3"
    assert page.result.changed_in_year == same.result.changed_in_year
    assert [s.ref for s in page.sub_elements] == [s.ref for s in same.sub_elements]
    assert [(e.year, e.url) for e in page.earlier] == [(e.year, e.url) for e in same.earlier]
    assert (page.previous, page.next) == (same.previous, same.next)
    open_year(other_org, 2019, acting_user=None)
    assert element_page_of(organisation, 2019, "1.1.1") is None  # the other's year only
    assert element_page_of(other_org, 2018, "1.1.1") is None
    assert element_page_of(organisation, 2018, "9.9.9") is None
    assert element_page_of(organisation, 2018, "1.1") is None  # a sub-criterion


def test_earlier_years_stay_within_the_organisation(y2018, other_org, cse_standard):
    from assessments.services import open_year

    open_year(other_org, 2017, acting_user=None)
    page = element_page(y2018, "1.1.1")
    assert [r.year for r in page.earlier] == [2017, 2016, 2015, 2014]
    assert all(r.url.startswith(f"/o/{y2018.organisation.slug}/") for r in page.earlier)


# --- the years -------------------------------------------------------------------------------


def test_year_rows_give_counts_and_the_outcome_of_finalised_years(seeded):
    rows = year_rows(seeded)
    assert [row.assessment.year for row in rows] == [2018, 2017, 2016, 2015, 2014]
    latest, y2017 = rows[0], rows[1]
    assert latest.outcome is None  # with the assessor: not known yet
    assert y2017.outcome.final == Recommendation.RECOMMENDED_WITH_ACTIONS
    assert sum(y2017.figures.counts.values()) == 53 and y2017.figures.elements == 57


def test_anchor():
    assert anchor("1.3.3.1") == "el-1-3-3-1"


def test_visit_date_is_kept(seeded):
    from assessments.models import Assessment

    Assessment.objects.filter(organisation=seeded, year=2018).update(visit_date=date(2018, 11, 21))
    assert year_rows(seeded)[0].assessment.visit_date == date(2018, 11, 21)
