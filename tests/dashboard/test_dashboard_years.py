"""The dashboard's years (dashboard.queries.dashboard_years) count each year's results in the
database, grouped, instead of reading every result of every year: the same counts, carried
counts, samples and notes as the years list's rows (assessments.queries.year_rows), and the
current year's outcome once it is finalised, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, ElementResult
from assessments.queries import year_rows
from dashboard.queries import dashboard_years
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db


def figures_of(rows) -> list[tuple]:
    return [
        (
            row.assessment.year,
            dict(row.figures.counts),
            row.figures.carried_total,
            row.figures.assessed_total,
            row.figures.sampled_total,
            row.note,
        )
        for row in rows
    ]


def test_the_same_counts_as_the_years_list(seeded, y2018):
    """Ratings carried forward (some of them sub-elements', which never count), unrated and
    sampled sub-elements, a year with no result at all."""
    results = ElementResult.objects.filter(assessment=y2018)
    subs = results.filter(element__parent__isnull=False)
    assert subs.exists()
    subs.update(rating="NC", sampled=True, carried_forward=True)
    tops = results.filter(element__parent__isnull=True).order_by("element__position")
    carried = [r.pk for r in tops[:9]]
    ElementResult.objects.filter(pk__in=carried).update(carried_forward=True)
    ElementResult.objects.filter(pk__in=[r.pk for r in tops[10:14]]).update(rating="")
    ElementResult.objects.filter(pk__in=[r.pk for r in tops[20:26]]).update(sampled=True)
    AssessmentFactory(organisation=seeded, standard=y2018.standard, year=2013)  # no results

    drawn = dashboard_years(seeded)
    assert figures_of(drawn) == figures_of(year_rows(seeded))
    assert [row.assessment.year for row in drawn] == [2018, 2017, 2016, 2015, 2014, 2013]
    assert drawn[0].note == "44 assessed so far; 9 carried forward from 2017"  # 57 - 4 unrated - 9
    assert sum(drawn[-1].figures.counts.values()) == 0


def test_every_year_carried_forward_and_not_yet_assessed(seeded, y2018):
    ElementResult.objects.filter(assessment=y2018).update(carried_forward=True)
    drawn = dashboard_years(seeded)
    assert figures_of(drawn) == figures_of(year_rows(seeded))
    assert drawn[0].note == "Carried forward from 2017, not yet assessed"


def test_a_finalised_current_year_has_its_outcome(seeded, y2018):
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
    drawn = dashboard_years(seeded)
    expected = year_rows(seeded)[0].outcome
    assert drawn[0].outcome is not None and drawn[0].outcome.label == expected.label
    assert drawn[0].outcome == expected
    assert all(row.outcome is None for row in drawn[1:])  # the dashboard shows no other


def test_an_open_current_year_has_no_outcome(y2018):
    assert dashboard_years(y2018.organisation)[0].outcome is None


def test_no_year(org):
    assert dashboard_years(org) == []


def test_another_organisations_years_are_not_counted(seeded, y2018, other_org):
    other = AssessmentFactory(organisation=other_org, standard=y2018.standard, year=2018)
    ElementResult.objects.bulk_create(
        ElementResult(assessment=other, element=r.element, rating="NC")
        for r in ElementResult.objects.filter(assessment=y2018)
    )
    assert figures_of(dashboard_years(seeded)) == figures_of(year_rows(seeded))
    assert dashboard_years(other_org)[0].figures.counts["NC"] == 57


@pytest.mark.parametrize("finalised", [False, True])
def test_two_queries_whatever_the_number_of_years(seeded, y2018, finalised):
    """The years and their grouped counts; a finalised current year's outcome, one more."""
    if finalised:
        Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
    with CaptureQueriesContext(connection) as queries:
        dashboard_years(seeded)
    assert len(queries.captured_queries) == 2 + finalised
