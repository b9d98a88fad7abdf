"""Improvement actions in a year's grid: each row says how many of its element's actions are
open or in progress (a link to the element page's actions panel), and a PC or NC (by its
rating or its self-rating) without an action in hand needs attention — in the grid, its
filter and progress, and in the row's answer to a self-rating save."""

import datetime

import pytest

from actions.models import Action
from assessments import linked_actions
from assessments.models import ElementResult
from assessments.queries import GridFilters, year_grid
from assessments.rules import NO_ACTION, attention_reasons
from standards.models import Element
from tests.assessments.support import HX, add_evidence, url
from tests.factories import ActionFactory, AssessmentFactory

pytestmark = pytest.mark.django_db


def element(assessment, ref: str) -> Element:
    return Element.objects.get(standard=assessment.standard, ref=ref)


def rows_of(assessment) -> dict:
    grid = year_grid(assessment)
    return {row.element.ref: row for g in grid.groups for s in g.sub_criteria for row in s.rows}


class Result:
    def __init__(self, rating: str = "", self_rating: str = "C"):
        self.rating, self.self_rating = rating, self_rating


@pytest.mark.parametrize(
    ("rating", "self_rating", "has_action", "needs"),
    [
        ("PC", "C", False, True),
        ("NC", "", False, True),
        ("C", "PC", False, True),  # the lead's own PC
        ("C", "NC", False, True),
        ("PC", "PC", True, False),
        ("C", "C", False, False),
        ("CP", "", False, False),
    ],
)
def test_the_rule(rating, self_rating, has_action, needs):
    reasons = attention_reasons(Result(rating, self_rating), 1, False, has_action)
    assert (NO_ACTION in reasons) is needs
    # Without the actions' answer (the element page), nothing is said of actions.
    assert NO_ACTION not in attention_reasons(Result(rating, self_rating), 1, False)


def test_pc_elements_without_an_action_need_attention(y2018, y2017):
    # The board paper's 2018: 2.1.4, 4.1.2 and 5.3.2 rated PC.
    pcs = {"2.1.4", "4.1.2", "5.3.2"}
    rows = rows_of(y2018)
    assert {ref for ref, row in rows.items() if NO_ACTION in row.reasons} >= pcs
    # An open action raised in 2018; a done one raised in 2018 (in hand: it was done);
    # a 2017 action not yet verified (in hand); a verified 2017 one is not.
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"))
    ActionFactory(raised_in=y2018, element=element(y2018, "4.1.2"), status=Action.Status.DONE)
    ActionFactory(raised_in=y2017, element=element(y2017, "5.3.2"), status="verified")
    rows = rows_of(y2018)
    assert NO_ACTION not in rows["2.1.4"].reasons
    assert NO_ACTION not in rows["4.1.2"].reasons
    assert NO_ACTION in rows["5.3.2"].reasons
    ActionFactory(raised_in=y2017, element=element(y2017, "5.3.2"), status="in_progress")
    assert NO_ACTION not in rows_of(y2018)["5.3.2"].reasons


def test_each_row_counts_its_unfinished_actions(y2018, y2017):
    pc = element(y2018, "2.1.4")
    ActionFactory(raised_in=y2018, element=pc)
    ActionFactory(raised_in=y2018, element=pc, status=Action.Status.IN_PROGRESS)
    ActionFactory(raised_in=y2017, element=element(y2017, "2.1.4"))  # an earlier year's
    ActionFactory(raised_in=y2018, element=pc, status=Action.Status.DONE)  # finished
    ActionFactory(raised_in=y2018, element=element(y2018, "1.1.1"), status="verified")
    rows = rows_of(y2018)
    assert rows["2.1.4"].unfinished_actions == 3
    assert rows["1.1.1"].unfinished_actions == 0
    # Not an action raised in a later year.
    assert rows_of(y2017)["2.1.4"].unfinished_actions == 1


def test_the_figures_of_actions_of_every_shape(y2018, y2017):
    """Every status, raised in the year, an earlier one or a later one: the grid's figures
    per ref are the unfinished actions as of the year and whether one is in hand (as the
    pre-finalise check's refs), and a ref with none in hand is left out."""
    y2019 = AssessmentFactory(organisation=y2018.organisation, year=2019, standard=y2018.standard)
    refs = {
        y2017: ["1.1.1", "1.1.2", "1.1.3", "1.2.1"],
        y2018: ["1.1.1", "1.2.2", "1.3.2", "1.3.3"],
        y2019: ["1.1.1", "1.1.2", "1.1.3", "1.2.1"],  # a later year's: not counted
    }
    expected = {}
    for year, year_refs in refs.items():
        for ref, status in zip(year_refs, Action.Status, strict=True):
            ActionFactory(raised_in=year, element=element(year, ref), status=status)
    actions = Action.objects.filter(organisation=y2018.organisation).select_related(
        "element", "raised_in"
    )
    for action in actions:
        if action.raised_in.year > 2018:
            continue
        held = action.raised_in_id == y2018.pk or action.status != Action.Status.VERIFIED
        unfinished, in_hand = expected.get(action.element.ref, (0, False))
        expected[action.element.ref] = (unfinished + action.is_unfinished, in_hand or held)
    expected = {ref: figures for ref, figures in expected.items() if figures[1]}
    provider = linked_actions.provider()
    assert provider.element_figures(y2018) == expected
    assert set(expected) == provider.refs_with_actions(y2018)
    assert provider.element_figures(y2018, "1.1.1") == {"1.1.1": expected["1.1.1"]}
    assert expected["1.1.1"] == (2, True)
    assert expected["1.3.3"] == (0, True)  # verified, but raised in the year
    assert expected["1.1.3"] == (0, True)  # done in 2017, not yet verified
    assert "1.2.1" not in expected  # verified in 2017: nothing in hand in 2018


def test_the_grid_page_links_the_count_to_the_actions_panel(client, y2018, lead, other_org):
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"))
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"), status="in_progress")
    ActionFactory(raised_in=y2018, element=element(y2018, "4.1.2"))
    ActionFactory(raised_in__organisation=other_org, element=element(y2018, "1.1.1"))
    client.force_login(lead)
    page = client.get(url("year", y2018.organisation, 2018)).content.decode()
    link = '<a href="/o/acme/assessments/2018/elements/2.1.4/#actions">2 unfinished improvement'
    assert link + ' actions<span class="visually-hidden"> on 2.1.4</span></a>' in page
    assert "1 unfinished improvement action<span" in page  # 4.1.2
    assert page.count("unfinished improvement action") == 2  # not another organisation's
    assert NO_ACTION in page  # 5.3.2 has none


def test_the_attention_filter_and_progress_count_it(y2018):
    # Every element self-rated C and evidenced: what needs attention is the PCs alone.
    ElementResult.objects.filter(assessment=y2018).update(self_rating="C")
    add_evidence(y2018, 72)
    ElementResult.objects.filter(assessment=y2018).update(self_rating="C")
    pcs = {ref for ref, row in rows_of(y2018).items() if row.result.rating in ("PC", "NC")}
    grid = year_grid(y2018, GridFilters(attention=True), today=datetime.date(1990, 1, 1))
    shown = {r.element.ref for g in grid.groups for s in g.sub_criteria for r in s.rows}
    assert pcs and shown == pcs
    assert grid.progress.needing_attention == len(pcs)
    ActionFactory(raised_in=y2018, element=element(y2018, sorted(pcs)[0]))
    grid = year_grid(y2018, GridFilters(attention=True), today=datetime.date(1990, 1, 1))
    assert grid.progress.needing_attention == len(pcs) - 1


def test_a_self_rating_save_redraws_the_reason(client, y2018, lead):
    y2018.status = "self_assessment"
    y2018.save(update_fields=["status"])
    client.force_login(lead)
    path = url("self-assessment", y2018.organisation, 2018, "1.1.1")
    answer = client.post(path, {"self_rating": "PC", "layout": "grid"}, headers=HX).content.decode()
    assert NO_ACTION in answer
    ActionFactory(raised_in=y2018, element=element(y2018, "1.1.1"))
    answer = client.post(path, {"self_rating": "NC", "layout": "grid"}, headers=HX).content.decode()
    assert NO_ACTION not in answer


def test_a_finalised_year_shows_counts_and_no_reasons(y2018):
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"))
    y2018.status = "finalised"
    y2018.save(update_fields=["status"])
    rows = rows_of(y2018)
    assert rows["2.1.4"].unfinished_actions == 1
    assert rows["5.3.2"].reasons == []


def test_without_the_actions_app_nothing_is_counted(y2018, monkeypatch):
    monkeypatch.setattr(linked_actions, "_provider", linked_actions.NoActions())
    ActionFactory(raised_in=y2018, element=element(y2018, "2.1.4"))
    assert rows_of(y2018)["2.1.4"].unfinished_actions == 0
