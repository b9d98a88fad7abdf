"""The years in the API: the list (a page at a time, latest first, each with its outcome in
brief) and a year's detail (its details, its outcome in full and every element's result), on
the seed's real 2014–2018 history."""

import datetime

import pytest

from assessments.models import Assessment, ElementResult
from assessments.outcome import Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, lead):
    client.force_login(lead)
    return client


def test_the_years_list_latest_first_with_outcomes(api, seeded):
    body = api.get("/o/acme/api/years/").json()
    assert body["count"] == 5 and body["next"] is None and body["previous"] is None
    assert [y["year"] for y in body["results"]] == [2018, 2017, 2016, 2015, 2014]
    y2018 = body["results"][0]
    assert y2018["status"] == "assessor_review" and y2018["finalised"] is False
    assert y2018["url"] == "http://testserver/o/acme/api/years/2018/"
    assert y2018["outcome"]["counts"] == {"CP": 14, "C": 40, "PC": 3, "NC": 0}
    assert y2018["outcome"]["elements"] == 57
    assert y2018["outcome"]["final"] == Recommendation.RECOMMENDED_WITH_ACTIONS
    assert body["results"][1]["finalised"] is True


def test_the_list_comes_a_page_at_a_time(api, seeded):
    first = api.get("/o/acme/api/years/?page_size=2").json()
    assert [y["year"] for y in first["results"]] == [2018, 2017]
    assert first["next"] == "http://testserver/o/acme/api/years/?page=2&page_size=2"
    last = api.get("/o/acme/api/years/?page=3&page_size=2").json()
    assert [y["year"] for y in last["results"]] == [2014] and last["next"] is None
    assert api.get("/o/acme/api/years/?page=last&page_size=2").json() == last


def test_2018_in_detail(api, seeded):
    body = api.get("/o/acme/api/years/2018/").json()
    assert body["year"] == 2018 and body["kind"] == "annual_review"
    outcome = body["outcome"]
    # The chart: 14 CP (the board paper's text claims 15 with 3.2.1, which the chart rates C),
    # Partial Compliance in exactly 2.1.4, 4.1.2 and 5.3.2, and 2.2.4 and 4.1.1 newly CP.
    assert outcome["counts"] == {"CP": 14, "C": 40, "PC": 3, "NC": 0}
    assert "3.2.1" not in outcome["cp"] and len(outcome["cp"]) == 14
    assert outcome["pc"] == ["2.1.4", "4.1.2", "5.3.2"] and outcome["nc"] == []
    assert outcome["cp_gained"] == ["2.2.4", "4.1.1"] and outcome["cp_lost"] == []
    assert outcome["compared"] is True
    assert outcome["sampled"] == sum(outcome["sampled_by_criterion"].values())
    assert [c["ref"] for c in outcome["criteria"]] == ["1", "2", "3", "4", "5"]
    assert outcome["thresholds"]["pc_allowed"] == 10
    assert outcome["reasons"] and outcome["override"] is None


def test_every_element_and_sub_element_with_its_flags(api, seeded, y2018):
    results = api.get("/o/acme/api/years/2018/").json()["results"]
    stored = ElementResult.objects.filter(assessment=y2018)
    assert len(results) == stored.count() == 72
    by_ref = {r["ref"]: r for r in results}
    r = stored.select_related("element").get(element__ref="2.1.4")
    assert by_ref["2.1.4"] == {
        "ref": "2.1.4",
        "parent": None,
        "criterion": "2",
        "rating": "PC",
        "self_rating": r.self_rating,
        "sampled": r.sampled,
        "carried_forward": r.carried_forward,
    }
    subs = [x for x in results if x["parent"]]
    assert subs and all(x["ref"].startswith(x["parent"] + ".") for x in subs)
    assert results[0]["ref"] == "1.1.1"  # the standard's order


def test_a_carried_forward_rating_is_the_effective_rating(api, seeded, y2018):
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(
        carried_forward=True, self_rating="C"
    )
    body = api.get("/o/acme/api/years/2018/").json()
    [row] = [r for r in body["results"] if r["ref"] == "1.1.1"]
    assert (row["rating"], row["self_rating"], row["carried_forward"]) == ("CP", "C", True)
    assert body["outcome"]["carried_forward"] == ["1.1.1"]


def test_the_years_details_and_the_assessors_override(api, seeded, y2018, assessor):
    Assessment.objects.filter(pk=y2018.pk).update(
        document_review_date=datetime.date(2018, 5, 1),
        visit_date=datetime.date(2018, 6, 4),
        visit_end_date=datetime.date(2018, 6, 5),
        lead_assessor=assessor,
        certification_body="Example Certification Ltd",
        assessor_summary="A strong year.",
        recommendation_override="not_recommended",
        recommendation_override_reason="Evidence of 2.1.4 was not genuine.",
    )
    body = api.get("/o/acme/api/years/2018/").json()
    assert body["document_review_date"] == "2018-05-01"
    assert (body["visit_date"], body["visit_end_date"]) == ("2018-06-04", "2018-06-05")
    assert body["lead_assessor"] == {"name": assessor.get_full_name(), "email": assessor.email}
    assert body["certification_body"] == "Example Certification Ltd"
    assert body["assessor_summary"] == "A strong year."
    outcome = body["outcome"]
    assert outcome["recommendation"] == "recommended_with_actions"
    assert outcome["final"] == "not_recommended" and outcome["overridden"] is True
    assert outcome["override"] == {
        "recommendation": "not_recommended",
        "reason": "Evidence of 2.1.4 was not genuine.",
    }
    listed = api.get("/o/acme/api/years/").json()["results"][0]
    assert listed["outcome"]["final"] == "not_recommended"


def test_a_year_the_organisation_does_not_hold_is_404(api, seeded, other_org):
    Assessment.objects.create(
        organisation=other_org, year=2019, standard=seeded.assessments.first().standard
    )
    for year in ["2019", "2013", "0", "99999999999999999999"]:
        assert api.get(f"/o/acme/api/years/{year}/").status_code == 404, year


def test_an_organisation_with_no_year(client, other_org, member_of):
    client.force_login(member_of(other_org))
    assert client.get("/o/elsewhere/api/years/").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page=%D9%A2", "page"),  # an Arabic-Indic 2: not a page number here
        ("page=1e400", "page"),
        ("page=99999999999999999999", "page"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=x", "page_size"),
    ],
)
def test_a_page_it_cannot_read_is_a_400_that_says_what_to_send(api, seeded, query, field):
    response = api.get(f"/o/acme/api/years/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_page_past_the_last_is_404(api, seeded):
    assert api.get("/o/acme/api/years/?page=2").status_code == 404
