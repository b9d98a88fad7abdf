"""The years list and opening a year: /o/<org>/assessments/ and …/new/."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ElementResult
from evidence.models import EvidenceLink
from tests.assessments.support import (
    body,
    messages_of,
    url,
)

pytestmark = pytest.mark.django_db


def test_the_years_list(client, seeded, lead):
    Assessment.objects.filter(organisation=seeded, year=2018).update(visit_date=date(2018, 11, 21))
    client.force_login(lead)
    response = client.get(url("assessment-list", seeded))
    page = body(response)
    for year in range(2014, 2019):
        assert f'href="{url("year", seeded, year)}"' in page
    assert "Initial assessment" in page and "Annual review" in page
    assert "21 Nov 2018" in page
    assert "Certification recommended; Partial Compliance on 3 elements to remedy" in page  # 2017
    assert "Not yet known" in page  # 2018
    # 2018 is with the assessor: no year can be opened, and the page says why.
    assert "No new year can be opened yet" in page and "2018 is still in assessor review" in page
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    assert "Open 2019" in body(client.get(url("assessment-list", seeded)))


def test_the_board_sees_no_open_button(client, seeded, board):
    client.force_login(board)
    assert "Open a new year" not in body(client.get(url("assessment-list", seeded)))


def test_the_dashboard_links_each_year_to_its_grid(client, seeded, lead):
    client.force_login(lead)
    page = body(client.get(reverse("org:dashboard", args=[seeded.slug])))
    assert f'href="{url("year", seeded, 2018)}"' in page
    assert f'href="{url("assessment-list", seeded)}"' in page


def test_the_open_form_defaults_to_the_next_year(client, seeded, lead):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(lead)
    form = client.get(url("assessment-open", seeded)).context["form"]
    # 2014 initial, then four annual reviews: the cycle calls for a reassessment.
    assert form["year"].value() == 2019 and form["kind"].value() == "reassessment"


def test_the_first_year_defaults_to_an_initial_assessment(client, org, cse_standard, lead):
    client.force_login(lead)
    form = client.get(url("assessment-open", org)).context["form"]
    assert form["year"].value() == timezone.localdate().year
    assert form["kind"].value() == "initial"


def test_opening_a_year_carries_results_and_evidence_forward(client, y2018, lead, carried_link):
    org = y2018.organisation
    Assessment.objects.filter(pk=y2018.pk).update(status="finalised")
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    result.self_rating, result.self_notes = "CP", "Profile refreshed"
    result.save()
    client.force_login(lead)
    response = client.post(
        url("assessment-open", org),
        {"year": 2019, "kind": "reassessment", "visit_date": "2019-11-20"},
        follow=True,
    )
    assert response.redirect_chain == [(url("year", org, 2019), 302)]
    [message] = messages_of(response)
    assert "Carried forward from 2018" in message and "1 evidence link" in message
    y2019 = Assessment.objects.get(organisation=org, year=2019)
    assert (y2019.kind, y2019.visit_date) == ("reassessment", date(2019, 11, 20))
    new = ElementResult.objects.get(assessment=y2019, element__ref="1.1.1")
    assert (new.rating, new.self_rating, new.self_notes, new.carried_forward) == (
        "CP",
        "CP",
        "Profile refreshed",
        True,
    )
    carried = EvidenceLink.objects.get(assessment=y2019)
    assert carried.carried_forward and carried.needs_confirmation
    # The grid and the element page say so.
    assert "carried forward" in body(response)
    page = body(client.get(url("element", org, 2019, "1.1.1")))
    assert "Re-confirm for 2019" in page and "carried forward" in page


def test_a_year_that_exists_is_a_form_error(client, seeded, lead):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(lead)
    response = client.post(url("assessment-open", seeded), {"year": 2018, "kind": "annual_review"})
    assert response.status_code == 200
    assert "There is a 2018 assessment already" in response.context["form"].errors["year"][0]
    assert Assessment.objects.filter(organisation=seeded).count() == 5


@pytest.mark.parametrize("year", ["", "abc", "1999", "2101"])
def test_a_bad_year_is_a_form_error(client, seeded, lead, year):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(lead)
    response = client.post(url("assessment-open", seeded), {"year": year, "kind": "annual_review"})
    assert response.status_code == 200 and response.context["form"].errors["year"]


@pytest.mark.usefixtures("drawn_pages")
def test_the_years_list_in_a_constant_number_of_queries(
    client, seeded, lead, django_assert_num_queries
):
    client.force_login(lead)
    path = url("assessment-list", seeded)
    client.get(path)
    # session, user, membership with organisation, assessments, every year's results (read
    # once for the figures and the finalised years' outcomes); the standard's elements were
    # read by the first request (standards.memo)
    with django_assert_num_queries(5):
        client.get(path)


def test_the_years_rows_read_once_give_the_figures_and_outcomes_read_apart(seeded):
    """year_rows reads every year's results once for both; the same as year_figures and
    outcomes_of reading their own."""
    from assessments.figures import year_figures
    from assessments.outcome import outcomes_of
    from assessments.queries import year_rows

    rows = year_rows(seeded)
    assessments = [row.assessment for row in rows]
    figures = year_figures(assessments)
    outcomes = outcomes_of([a for a in assessments if a.is_finalised])
    assert [row.figures for row in rows] == [figures[a.pk] for a in assessments]
    assert [row.outcome for row in rows] == [outcomes.get(a.pk) for a in assessments]
    assert sum(row.outcome is not None for row in rows) == 4  # 2014-2017 are finalised


def test_the_rows_read_by_ids_are_the_rows_read_with_joins(seeded, django_assert_num_queries):
    """figures.rows_of_years (one query, no join: what year_rows reads) gives exactly what
    figures.result_rows gives: every year's standard elements, sub-elements left out, in
    the standard's order."""
    from django.db.models import Q

    from assessments.figures import result_rows, rows_of_years, standard_elements
    from standards import memo

    assessments = list(Assessment.objects.for_org(seeded).order_by("-year"))
    memo.forget()
    with django_assert_num_queries(2):
        elements = standard_elements(a.standard_id for a in assessments)
        by_ids = rows_of_years(assessments, elements)
    with django_assert_num_queries(1):  # the standard's elements are kept (standards.memo)
        elements = standard_elements(a.standard_id for a in assessments)
        assert rows_of_years(assessments, elements) == by_ids
    assert by_ids == result_rows(Q(assessment_id__in=[a.pk for a in assessments]))
    assert len(by_ids) == 5 * 57
