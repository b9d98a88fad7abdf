"""The evidence library's year filter: by default the links of the organisation's current year
(its latest), so the links carried forward into every later year do not clutter it; another
year, or all years, on request. The element filter looks in the chosen year. Each chip links
to its element's page in its year; editors get a button to re-confirm the chosen open year's
carried-forward links in bulk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from organisations.models import Role
from tests.factories import (
    AssessmentFactory,
    ElementFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
)

pytestmark = pytest.mark.django_db


def library_url(org) -> str:
    return reverse("org:evidence-list", args=[org.slug])


def element_url(org, year: int, ref: str) -> str:
    return reverse("org:element", args=[org.slug, year, ref])


@pytest.fixture
def years(org):
    """2018 (finalised) and 2019 (open, the current year), on one standard."""
    first = ElementFactory(ref="1.1.1")
    second = ElementFactory(standard=first.standard, ref="1.2.1")
    y2018 = AssessmentFactory(
        organisation=org, standard=first.standard, year=2018, status=Assessment.Status.FINALISED
    )
    y2019 = AssessmentFactory(organisation=org, standard=first.standard, year=2019)
    return {"2018": y2018, "2019": y2019, "1.1.1": first, "1.2.1": second}


@pytest.fixture
def items(org, lead, years):
    """ "Profile" supports 1.1.1 in 2018, carried into 2019 (not yet re-confirmed); "Survey"
    supports 1.2.1 in 2018 only; "New policy" 1.2.1 in 2019 only; "Loose" nothing."""
    profile = EvidenceFactory(organisation=org, title="Profile")
    survey = EvidenceFactory(organisation=org, title="Survey")
    policy = EvidenceFactory(organisation=org, title="New policy")
    EvidenceFactory(organisation=org, title="Loose")
    EvidenceLinkFactory(evidence=profile, assessment=years["2018"], element=years["1.1.1"])
    EvidenceLinkFactory(
        evidence=profile, assessment=years["2019"], element=years["1.1.1"], carried_forward=True
    )
    EvidenceLinkFactory(evidence=survey, assessment=years["2018"], element=years["1.2.1"])
    EvidenceLinkFactory(evidence=policy, assessment=years["2019"], element=years["1.2.1"])
    return {"profile": profile, "survey": survey, "policy": policy}


def chips(response) -> dict[str, list[str]]:
    """Item title → the "year · ref" of the links shown beside it."""
    return {
        item.title: [f"{link.year} · {link.ref}" for link in item.chip_links]
        for item in response.context["items"]
    }


def test_the_current_year_is_shown_by_default(client, org, lead, items):
    client.force_login(lead)
    response = client.get(library_url(org))
    # Every item is listed, each with its links of 2019 only.
    assert chips(response) == {
        "Profile": ["2019 · 1.1.1"],
        "Survey": [],
        "New policy": ["2019 · 1.2.1"],
        "Loose": [],
    }
    page = response.content.decode()
    assert "2018 · 1.1.1" not in page
    assert "Supports in 2019" in page
    assert "with the elements they support in 2019" in page
    assert '<option value="2019" selected>2019</option>' in page
    assert "Clear filters" not in page  # the default view


def test_another_year_or_all_years(client, org, lead, items):
    client.force_login(lead)
    in_2018 = client.get(library_url(org), {"year": "2018"})
    assert chips(in_2018)["Profile"] == ["2018 · 1.1.1"]
    assert chips(in_2018)["Survey"] == ["2018 · 1.2.1"]
    assert "(finalised)" in in_2018.content.decode()
    assert "Clear filters" in in_2018.content.decode()
    every = client.get(library_url(org), {"year": "all"})
    assert chips(every)["Profile"] == ["2018 · 1.1.1", "2019 · 1.1.1"]
    assert '<option value="all" selected>All years</option>' in every.content.decode()


def test_other_filters_keep_the_current_year(client, org, lead, items):
    client.force_login(lead)
    response = client.get(library_url(org), {"q": "profile"})
    assert chips(response) == {"Profile": ["2019 · 1.1.1"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"element": "1.2.1"}, {"New policy"}),  # the current year
        ({"element": "1.2.1", "year": "2018"}, {"Survey"}),
        ({"element": "1.2.1", "year": "all"}, {"Survey", "New policy"}),
        ({"element": "1.1.1", "year": "all"}, {"Profile"}),  # once, though in two years
    ],
)
def test_the_element_filter_follows_the_year(client, org, lead, items, params, expected):
    client.force_login(lead)
    titles = [item.title for item in client.get(library_url(org), params).context["items"]]
    assert set(titles) == expected and len(titles) == len(expected)


@pytest.mark.parametrize("year", ["2017", "2031", "abc", "٢٠١٩", "9" * 30, ""])
def test_a_year_not_offered_falls_back_to_the_current_year(client, org, lead, items, year):
    client.force_login(lead)
    response = client.get(library_url(org), {"year": year})
    assert response.status_code == 200
    assert response.context["filters"].year == 2019
    if year:
        assert "Choose one of the years listed." in response.content.decode()


def test_another_organisations_year_is_not_offered(client, org, other_org, lead, items):
    AssessmentFactory(organisation=other_org, year=2030)
    client.force_login(lead)
    response = client.get(library_url(org), {"year": "2030"})
    assert response.context["filters"].year == 2019
    assert '<option value="2030"' not in response.content.decode()


def test_an_organisation_without_years_has_no_year_filter(client, org, lead):
    EvidenceFactory(organisation=org, title="Alone")
    client.force_login(lead)
    response = client.get(library_url(org))
    assert response.context["filters"].year is None
    page = response.content.decode()
    assert 'name="year"' not in page
    assert "Alone" in page and "Clear filters" not in page


def test_chips_link_to_the_element_in_their_year(client, org, lead, items):
    client.force_login(lead)
    page = client.get(library_url(org), {"year": "all"}).content.decode()
    assert f'href="{element_url(org, 2018, "1.1.1")}">2018 · 1.1.1</a>' in page
    assert f'href="{element_url(org, 2019, "1.1.1")}">2019 · 1.1.1</a>' in page
    assert f'href="{element_url(org, 2018, "1.2.1")}">2018 · 1.2.1</a>' in page


def test_the_item_page_links_each_row_to_its_element_in_its_year(client, org, lead, items):
    client.force_login(lead)
    detail = reverse("org:evidence-detail", args=[org.slug, items["profile"].pk])
    page = client.get(detail).content.decode()
    assert f'href="{element_url(org, 2018, "1.1.1")}"' in page
    assert f'href="{element_url(org, 2019, "1.1.1")}"' in page
    assert f'href="{reverse("org:year", args=[org.slug, 2019])}"' in page


# --- the bulk re-confirmation button -----------------------------------------------------------

BUTTON = "Re-confirm the 1 carried-forward link of 2019"


@pytest.mark.parametrize("role", [Role.QUALITY_LEAD, Role.ADMIN])
def test_editors_are_offered_the_bulk_reconfirmation(client, org, member_of, items, role):
    client.force_login(member_of(org, role))
    page = client.get(library_url(org)).content.decode()
    assert BUTTON in page
    assert reverse("org:evidence-reconfirm", args=[org.slug, 2019]) in page


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.GOVERNING_BODY])
def test_readers_are_not_offered_it(client, org, member_of, items, role):
    client.force_login(member_of(org, role))
    assert "Re-confirm" not in client.get(library_url(org)).content.decode()


def reconfirmation_counts(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and '"confirmed_at" IS NULL' in q["sql"]
    ]


@pytest.mark.parametrize(("role", "counted"), [(Role.ASSESSOR, False), (Role.QUALITY_LEAD, True)])
def test_links_to_reconfirm_are_counted_only_for_who_may_reconfirm_them(
    client, org, member_of, items, role, counted
):
    """A reader's library does not count the links to re-confirm (nothing offers them); an
    editor's counts those of the year shown, in one query."""
    client.force_login(member_of(org, role))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(library_url(org))
    assert len(reconfirmation_counts(queries)) == counted
    assert [y.year for y in response.context["years"]] == [2019, 2018]
    assert response.context["shown_year"].may_reconfirm is counted
    assert response.context["shown_year"].to_reconfirm == (1 if counted else None)


@pytest.mark.parametrize("query", ["year=2018", "year=all"])
def test_no_count_for_a_finalised_year_or_every_year(client, org, lead, items, query):
    """A finalised year offers no re-confirmation, every year together no button: no count."""
    client.force_login(lead)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"{library_url(org)}?{query}").content.decode()
    assert reconfirmation_counts(queries) == []
    assert "Re-confirm" not in page


def test_only_the_years_own_links_are_counted(client, org, other_org, lead, years, items):
    """Confirmed, made this year, of another year or of another organisation: not counted."""
    confirmed = EvidenceLinkFactory(
        evidence=EvidenceFactory(organisation=org),
        assessment=years["2019"],
        element=years["1.2.1"],
        carried_forward=True,
    )
    confirmed.confirmed_at = timezone.now()
    confirmed.save()
    other_year = AssessmentFactory(organisation=other_org, standard=years["1.1.1"].standard)
    EvidenceLinkFactory(
        evidence=EvidenceFactory(organisation=other_org),
        assessment=other_year,
        element=years["1.1.1"],
        carried_forward=True,
    )
    client.force_login(lead)
    assert BUTTON in client.get(library_url(org)).content.decode()  # still the 1 of "Profile"


def test_no_button_when_nothing_is_left_to_reconfirm(client, org, lead, items):
    items["profile"].links.filter(assessment__year=2019).update(
        confirmed_at=timezone.now(), confirmed_by=lead
    )
    client.force_login(lead)
    assert "Re-confirm" not in client.get(library_url(org)).content.decode()


def test_no_button_for_a_finalised_year_or_all_years(client, org, lead, items, years):
    # A link carried into 2018 and never re-confirmed before 2018 was finalised.
    EvidenceLinkFactory(
        evidence=items["survey"],
        assessment=years["2018"],
        element=years["1.1.1"],
        carried_forward=True,
    )
    client.force_login(lead)
    assert "Re-confirm" not in client.get(library_url(org), {"year": "2018"}).content.decode()
    assert "Re-confirm" not in client.get(library_url(org), {"year": "all"}).content.decode()
