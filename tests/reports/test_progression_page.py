"""The progression page (/o/<org>/progression/): Annex One on the seed data, the year
headings, the range, what changed, every role, and a constant query count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, ElementResult
from assessments.outcome import CriterionInfo
from organisations.models import Role
from reports.annex_one import Cell
from reports.progression import (
    PersistentPC,
    YearColumn,
    fallen,
    persistent_pcs,
    progression,
    year_changes,
    year_labels,
    year_outcomes,
)
from reports.views import year_range

URL = "/o/acme/progression/"


# --- plain functions -------------------------------------------------------------------------


def test_year_labels_count_from_the_start_of_each_cycle():
    initial, annual, re_ = "initial", "annual_review", "reassessment"
    assert year_labels([(2015, annual), (2014, initial), (2016, annual)]) == {
        2014: "2014",
        2015: "Y1 2015",
        2016: "Y2 2016",
    }
    # A reassessment starts a new cycle; a missing year keeps the count (2020 is Y2).
    assert year_labels([(2014, initial), (2017, re_), (2018, annual), (2020, annual)]) == {
        2014: "2014",
        2017: "2017",
        2018: "Y1 2018",
        2020: "Y3 2020",
    }
    # History imported from mid-cycle: the first year opens the count.
    assert year_labels([(2016, annual), (2017, annual)]) == {2016: "2016", 2017: "Y1 2017"}
    assert year_labels([]) == {}


def test_fallen_lists_only_rated_elements_rated_lower():
    before = {"1.1.1": "CP", "1.1.2": "C", "1.1.3": "PC", "1.1.4": "C", "1.1.5": ""}
    now = {"1.1.1": "C", "1.1.2": "NC", "1.1.3": "C", "1.1.4": "C", "1.1.5": "NC", "1.1.6": "PC"}
    assert fallen(before, now) == (("1.1.1", "CP", "C"), ("1.1.2", "C", "NC"))


def test_persistent_pcs_run_back_from_the_last_year_without_a_break():
    years = [2014, 2015, 2016, 2017]
    ratings = {
        "a": ["PC", "PC", "PC", "PC"],
        "b": ["C", "PC", "PC", "PC"],
        "c": ["PC", "PC", "PC", "C"],  # not PC now
        "d": ["PC", "", "PC", "PC"],  # a year without a rating breaks the run
        "e": ["C", "C", "C", "PC"],  # one year is not persistence
    }
    assert persistent_pcs(years, ratings) == (
        PersistentPC("a", 2014, 4),
        PersistentPC("b", 2015, 3),
        PersistentPC("d", 2016, 2),
    )
    assert persistent_pcs([], {}) == ()


def test_year_changes_compare_with_the_latest_earlier_year_with_ratings():
    columns = [YearColumn(2014, "2014"), YearColumn(2015, "Y1 2015"), YearColumn(2016, "Y2 2016")]
    cells = {
        "1.1.1": [Cell(rating="C"), Cell(), Cell(sampled=True, rating="CP")],
        "1.1.2": [Cell(rating="CP"), Cell(), Cell(rating="C")],
        "1.1.3": [Cell(rating="PC"), Cell(), Cell(rating="NC")],
    }
    criteria = [CriterionInfo("1", "Customer Insight")]
    outcomes = year_outcomes([2014, 2015, 2016], cells, criteria, dict.fromkeys(cells, "1"))
    assert outcomes[2].counts == {"CP": 1, "C": 1, "PC": 0, "NC": 1}
    assert outcomes[2].sampled == 1
    (change,) = year_changes(columns, cells, outcomes)  # 2015 has no rating: skipped
    assert change.year == 2016 and change.previous == 2014
    assert change.cp_gained == ("1.1.1",)
    assert change.cp_lost == ("1.1.2",)
    assert change.fell == (("1.1.2", "CP", "C"), ("1.1.3", "PC", "NC"))


def test_year_range_reads_ascii_years_among_the_organisations():
    years = [2014, 2015, 2016]
    assert year_range({}, years) == (None, None, "")
    assert year_range({"from": "2015", "to": ""}, years) == (2015, None, "")
    first, last, problem = year_range({"from": "2016", "to": "2014"}, years)
    assert (first, last) == (2014, 2016) and "swapped" in problem
    for bad in ("٢٠١٥", "2013", "abc", "2015\x00", "9" * 40, " +2015"):
        first, last, problem = year_range({"from": bad}, years)
        assert first is None and "2014 to 2016" in problem, bad
    assert year_range({"from": "2015"}, []) == (None, None, "")


# --- the seed data ---------------------------------------------------------------------------


def _column(page, year: int) -> int:
    return [c.year for c in page.columns].index(year)


def test_the_seed_counts_labels_and_sampled_rows(seeded):
    page = progression(seeded)
    assert [c.label for c in page.columns] == ["2014", "Y1 2015", "Y2 2016", "Y3 2017", "Y4 2018"]
    i = _column(page, 2018)
    figure = page.figures[i]
    assert figure.counts == {"CP": 14, "C": 40, "PC": 3, "NC": 0}
    assert figure.elements == 57
    assert figure.sampled == 21
    sampled = [row.counts[i] for row in page.rows if row.kind == "sampled"]
    assert sampled == [4, 4, 4, 5, 4]
    # Sub-elements sit under their element; each criterion ends with its sampled row.
    refs = [(row.kind, row.ref) for row in page.rows]
    at = refs.index(("element", "1.3.3"))
    assert refs[at + 1 : at + 3] == [("sub_element", "1.3.3.1"), ("sub_element", "1.3.3.2")]
    assert refs[0] == ("criterion", "1") and refs[1] == ("sub_criterion", "1.1")
    assert refs[-1] == ("sampled", "5")
    row = next(r for r in page.rows if r.ref == "1.1.1")
    assert [str(c) for c in row.cells] == ["C", "X CP", "CP", "CP", "X CP"]


def test_the_seed_changes_persistent_pcs_and_2018_gains(seeded):
    page = progression(seeded)
    persistent = {p.ref: (p.since, p.years) for p in page.persistent}
    assert persistent["4.1.2"] == (2014, 5)
    assert persistent["5.3.2"] == (2014, 5)
    assert persistent["2.1.4"] == (2014, 5)  # the seed's third PC in every year
    change = next(c for c in page.changes if c.year == 2018)
    assert change.previous == 2017
    assert change.cp_gained == ("2.2.4", "4.1.1")
    assert change.cp_lost == ()
    assert change.fell == ()
    change_2016 = next(c for c in page.changes if c.year == 2016)
    assert ("2.2.1", "CP", "C") in change_2016.fell  # CP in 2015, C in 2016


def test_a_range_narrows_the_columns_and_keeps_the_comparison(seeded):
    page = progression(seeded).between(2016, 2017)
    assert [c.label for c in page.columns] == ["Y2 2016", "Y3 2017"]
    assert [c.year for c in page.changes] == [2016, 2017]
    assert page.changes[0].previous == 2015  # outside the range, still compared
    row = next(r for r in page.rows if r.ref == "1.1.1")
    assert [str(c) for c in row.cells] == ["CP", "CP"]
    assert {p.ref: p.since for p in page.persistent}["4.1.2"] == 2016


# --- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY]
)
def test_every_member_sees_the_page(client, seeded, member_of, role):
    client.force_login(member_of(seeded, role))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("2014", "Y1 2015", "Y2 2016", "Y3 2017", "Y4 2018"):
        assert f">{label}<" in html
    assert 'aria-current="page">Progression</a>' in html
    assert "Elements sampled" in html and "<details" in html
    assert html.count("<svg") == 2
    assert "<script" not in html.split("</nav>", 1)[1]  # no script in the page's body
    assert "<style" not in html
    assert "Partial Compliance every year since 2014" in html
    assert "2.2.4, 4.1.1" in html  # CP gained in 2018


def test_a_cell_shows_its_letters_and_the_sampled_mark(client, seeded, lead):
    client.force_login(lead)
    html = client.get(URL).content.decode()
    row = re.search(r'<th scope="row" class="ref">1\.1\.1</th>(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="annex-cell([^"]*)">(.*?)</td>', row, re.S)
    assert [c[0].strip() for c in cells] == ["cell-c", "cell-cp", "cell-cp", "cell-cp", "cell-cp"]
    assert 'class="annex-x">X</span> CP' in cells[1][1]
    assert "sampled, Compliance Plus" in cells[1][1]


def test_a_chosen_range_and_bad_values(client, seeded, lead):
    client.force_login(lead)
    html = client.get(URL, {"from": "2016", "to": "2017"}).content.decode()
    assert ">Y2 2016<" in html and ">Y3 2017<" in html and ">Y4 2018</th>" not in html
    for params in ({"from": "x"}, {"to": "٢٠١٨"}, {"from": "1999"}, {"from": "2018", "to": "2014"}):
        response = client.get(URL, params)
        assert response.status_code == 200, params
        assert 'role="alert" id="range-problem"' in response.content.decode()


def test_no_years_yet(client, org, lead):
    client.force_login(lead)
    response = client.get(URL)
    assert response.status_code == 200
    assert "No year has been assessed yet" in response.content.decode()


def test_not_a_member_gets_404(client, seeded, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 404


def _add_years(org, until: int) -> None:
    """Years after 2018 to ``until``, each with 2018's results, annual reviews."""
    y2018 = Assessment.objects.get(organisation=org, year=2018)
    template = list(ElementResult.objects.filter(assessment=y2018))
    for year in range(2019, until + 1):
        assessment = Assessment.objects.create(
            organisation=org, standard=y2018.standard, year=year, kind=y2018.kind
        )
        ElementResult.objects.bulk_create(
            ElementResult(
                assessment=assessment, element_id=r.element_id, rating=r.rating, sampled=r.sampled
            )
            for r in template
        )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.usefixtures("drawn_pages")
def test_the_query_count_is_the_same_at_5_and_10_years(client, seeded, lead):
    client.force_login(lead)
    client.get(URL)  # the first page of a session also notes the organisation worked in
    five = _queries(client)
    _add_years(seeded, 2023)
    html = client.get(URL).content.decode()
    assert ">Y9 2023<" in html and "progression-sticky" in html
    assert _queries(client) == five
    # the session, user and membership (with the navigation), the page's 1: the years with
    # their results (the standard's elements were read by the first request: standards.memo)
    assert five == 4


def test_the_years_ratings_that_fell_are_listed_as_text():
    from reports.templatetags.progression_tags import fell_list

    assert fell_list((("2.1.4", "C", "PC"), ("4.1.2", "CP", "C"))) == (
        "2.1.4 (C to PC), 4.1.2 (CP to C)"
    )
    assert fell_list(()) == ""


def test_an_earlier_year_on_another_version_of_the_standard_shows_by_ref(seeded):
    """Results are read by ids; a year assessed on an earlier version of the standard still
    shows in the row of the element with the same ref."""
    from tests.factories import ElementFactory, SubCriterionFactory

    older = ElementFactory(
        ref="1.1.1", sub_criterion=SubCriterionFactory(ref="1.1", criterion__ref="1")
    )
    year = Assessment.objects.create(
        organisation=seeded, standard=older.standard, year=2013, kind="initial"
    )
    ElementResult.objects.create(assessment=year, element=older, rating="NC", sampled=True)
    chart = progression(seeded)
    assert [c.year for c in chart.columns][:2] == [2013, 2014]
    row = next(r for r in chart.rows if r.kind == "element" and r.ref == "1.1.1")
    assert row.cells[0] == Cell(sampled=True, rating="NC")
    other = next(r for r in chart.rows if r.kind == "element" and r.ref == "1.1.2")
    assert other.cells[0] == Cell()  # not in the older version: empty that year


def test_a_year_without_any_result_is_a_column_of_empty_cells(seeded):
    """The years and their results are read together: a year with no result yet (opened, not
    carried forward) is still a column, every cell empty, its figures nought, and the others
    are as they were."""
    before = progression(seeded)
    Assessment.objects.create(
        organisation=seeded,
        standard=Assessment.objects.get(organisation=seeded, year=2018).standard,
        year=2019,
        kind="annual_review",
    )
    chart = progression(seeded)
    assert [c.year for c in chart.columns] == [2014, 2015, 2016, 2017, 2018, 2019]
    assert all(row.cells[-1] == Cell() for row in chart.rows if row.cells)
    assert [list(row.cells[:-1]) for row in chart.rows] == [list(r.cells) for r in before.rows]
    assert chart.figures[-1].rated == 0 and chart.figures[-1].sampled == 0
    assert [(f.counts, f.sampled) for f in chart.figures[:-1]] == [
        (f.counts, f.sampled) for f in before.figures
    ]
