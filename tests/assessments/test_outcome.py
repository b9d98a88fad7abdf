"""The certification outcome (assessments.outcome): the pure function on hand-made years, its
settings, and ``outcome_of`` on the board paper's 2014–2018 record."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from assessments.figures import year_figures
from assessments.models import Assessment, ElementResult, RecommendationChoice
from assessments.outcome import (
    CriterionInfo,
    EffectiveResult,
    NcRule,
    Override,
    Recommendation,
    Thresholds,
    add_months,
    compute_outcome,
    configured_thresholds,
    outcome_of,
    outcomes_of,
)
from assessments.services import open_year

ROOT = Path(__file__).resolve().parents[2]

# --- hand-made years -------------------------------------------------------------------------

CRITERIA = [
    CriterionInfo("1", "Customer Insight"),
    CriterionInfo("2", "The Culture of the Organisation"),
    CriterionInfo("3", "Information and Access"),
    CriterionInfo("4", "Delivery"),
    CriterionInfo("5", "Timeliness and Quality of Service"),
]
REFS = [f"{c}.1.{n}" for c in "12345" for n in range(1, 5)]  # 20 elements, 4 a criterion
DEFAULTS = Thresholds()


def year(
    ratings: dict[str, str] | None = None,
    default: str = "C",
    sampled: tuple[str, ...] = (),
    carried: tuple[str, ...] = (),
) -> list[EffectiveResult]:
    """A year of REFS, each rated ``default`` unless ``ratings`` says otherwise."""
    ratings = ratings or {}
    return [
        EffectiveResult(
            ref, ref.split(".")[0], ratings.get(ref, default), ref in sampled, ref in carried
        )
        for ref in REFS
    ]


def outcome(results, previous=None, thresholds=DEFAULTS, **kwargs):
    return compute_outcome(results, previous, CRITERIA, thresholds, **kwargs)


def test_all_compliant_is_recommended():
    result = outcome(year())
    assert result.recommendation == Recommendation.RECOMMENDED == result.final
    assert result.counts == {"CP": 0, "C": 20, "PC": 0, "NC": 0}
    assert result.elements == 20 and result.rated == 20 and result.complete
    assert result.pc == result.nc == result.unrated == ()
    assert result.reasons == ("Every element is rated Compliance or Compliance Plus.",)
    assert result.label == "Certification recommended"
    assert result.code == "recommended"
    assert [c.counts["C"] for c in result.criteria] == [4, 4, 4, 4, 4]


def test_some_partial_compliance_is_recommended_with_actions_and_a_deadline():
    result = outcome(year({"4.1.2": "PC", "2.1.4": "PC"}), visit_date=date(2018, 11, 21))
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS
    assert result.pc == ("2.1.4", "4.1.2")  # in the standard's order
    assert result.counts == {"CP": 0, "C": 18, "PC": 2, "NC": 0}
    assert result.remedy_by == date(2019, 11, 21)
    assert result.reasons == (
        "2 elements are rated Partial Compliance (2.1.4 and 4.1.2), within the 10 allowed "
        "overall and the 3 allowed in any one criterion: each is to be remedied within "
        "12 months, by 21 November 2019.",
    )
    assert result.label == "Certification recommended; Partial Compliance on 2 elements to remedy"
    by_ref = {c.ref: c for c in result.criteria}
    assert by_ref["2"].pc == ("2.1.4",) and by_ref["4"].pc == ("4.1.2",)
    assert by_ref["1"].pc == ()


def test_no_visit_date_gives_no_deadline_date():
    result = outcome(year({"1.1.1": "PC"}))
    assert result.remedy_by is None
    assert result.reasons[0].endswith("it is to be remedied within 12 months.")


def test_partial_compliance_at_the_limits_is_still_recommended():
    rules = Thresholds(pc_allowed=3, pc_allowed_per_criterion=2)
    result = outcome(year({"1.1.1": "PC", "1.1.2": "PC", "3.1.1": "PC"}), thresholds=rules)
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS


def test_partial_compliance_over_the_overall_limit_is_not_recommended():
    rules = Thresholds(pc_allowed=2, pc_allowed_per_criterion=3)
    result = outcome(year({"1.1.1": "PC", "3.1.1": "PC", "5.1.4": "PC"}), thresholds=rules)
    assert result.recommendation == Recommendation.NOT_RECOMMENDED
    assert result.reasons == (
        "3 elements are rated Partial Compliance (1.1.1, 3.1.1 and 5.1.4): more than the 2 "
        "allowed overall.",
    )
    assert result.label == "Certification not recommended"


def test_partial_compliance_over_the_limit_in_one_criterion_is_not_recommended():
    rules = Thresholds(pc_allowed=10, pc_allowed_per_criterion=2)
    pcs = {"2.1.1": "PC", "2.1.2": "PC", "2.1.4": "PC", "4.1.1": "PC"}
    result = outcome(year(pcs), thresholds=rules)
    assert result.recommendation == Recommendation.NOT_RECOMMENDED
    assert result.reasons == (
        "Criterion 2 (The Culture of the Organisation) has 3 elements rated Partial Compliance "
        "(2.1.1, 2.1.2 and 2.1.4): more than the 2 allowed in any one criterion.",
    )


def test_one_non_compliance_under_the_default_rule_is_not_recommended():
    result = outcome(year({"3.1.2": "NC"}))
    assert DEFAULTS.nc_rule == NcRule.NOT_RECOMMENDED
    assert result.recommendation == Recommendation.NOT_RECOMMENDED
    assert result.nc == ("3.1.2",)
    assert result.reasons == (
        "1 element is rated Non-Compliance (3.1.2): any Non-Compliance means certification is "
        "not recommended.",
    )


def test_one_non_compliance_under_the_remedy_plan_rule_is_recommended_with_a_plan():
    rules = Thresholds(nc_rule=NcRule.REMEDY_PLAN)
    result = outcome(year({"3.1.2": "NC", "1.1.1": "PC"}), thresholds=rules)
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_REMEDY_PLAN
    assert result.reasons[0] == (
        "1 element is rated Non-Compliance (3.1.2): certification can be recommended only "
        "with a remedy plan agreed with the certification body."
    )
    assert "1.1.1" in result.reasons[1]  # the PC, within the limits
    assert result.label == (
        "Certification recommended, subject to a remedy plan for Non-Compliance on 1 element"
    )


def test_a_remedy_plan_does_not_excuse_too_many_partial_compliances():
    rules = Thresholds(pc_allowed=0, nc_rule=NcRule.REMEDY_PLAN)
    result = outcome(year({"3.1.2": "NC", "1.1.1": "PC"}), thresholds=rules)
    assert result.recommendation == Recommendation.NOT_RECOMMENDED


def test_compliance_plus_gained_and_lost_since_the_previous_year():
    before = year({"1.1.1": "CP", "1.1.2": "CP", "2.1.1": "PC"})
    now = year({"1.1.2": "CP", "1.1.3": "CP", "2.1.1": "CP"})
    result = outcome(now, before)
    assert result.compared
    assert result.cp == ("1.1.2", "1.1.3", "2.1.1")
    assert result.cp_gained == ("1.1.3", "2.1.1")
    assert result.cp_lost == ("1.1.1",)


def test_a_first_year_gains_and_loses_nothing():
    result = outcome(year({"1.1.1": "CP"}), None)
    assert not result.compared
    assert result.cp_gained == result.cp_lost == ()


def test_carried_forward_ratings_are_the_effective_ratings():
    """An element not re-rated this year keeps the rating carried forward into it: it counts,
    and a PC carried forward still needs remedying."""
    carried = tuple(REFS)  # nothing re-rated yet
    before = year({"1.1.1": "CP", "5.1.1": "PC"})
    now = year({"1.1.1": "CP", "5.1.1": "PC"}, carried=carried)
    result = outcome(now, before)
    assert result.counts == {"CP": 1, "C": 18, "PC": 1, "NC": 0}
    assert result.pc == ("5.1.1",)
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS
    assert result.carried_forward == carried
    assert result.cp_gained == result.cp_lost == ()
    # Re-rated this year: no longer carried forward, and the new rating counts.
    rerated = year({"1.1.1": "CP"}, carried=carried[1:])
    result = outcome(rerated, before)
    assert result.pc == () and "5.1.1" in result.carried_forward
    assert "1.1.1" not in result.carried_forward


def test_elements_sampled_per_criterion_and_in_total():
    result = outcome(year(sampled=("1.1.1", "1.1.2", "4.1.1", "4.1.2", "4.1.3")))
    assert result.sampled_by_criterion == {"1": 2, "2": 0, "3": 0, "4": 3, "5": 0}
    assert result.sampled == 5


def test_unrated_elements_are_not_counted_and_say_so():
    result = outcome(year({"2.1.3": "", "1.1.4": ""}))
    assert result.unrated == ("1.1.4", "2.1.3") and not result.complete
    assert result.counts["C"] == 18 and result.rated == 18 and result.elements == 20
    assert result.reasons == (
        "2 elements have no rating (1.1.4 and 2.1.3) and are not counted.",
        "Every rated element is rated Compliance or Compliance Plus.",
    )
    assert result.recommendation == Recommendation.RECOMMENDED


def test_nothing_rated_gives_no_recommendation():
    result = outcome(year(default=""))
    assert result.recommendation == Recommendation.PENDING
    assert result.label == "No recommendation yet"
    assert result.reasons[-1] == "No element is rated yet, so no recommendation can be made."


def test_a_criterion_without_results_shows_with_zeros():
    results = [r for r in year() if r.criterion != "5"]
    result = outcome(results)
    assert [c.ref for c in result.criteria] == ["1", "2", "3", "4", "5"]
    assert result.criteria[-1].elements == 0 and result.criteria[-1].counts["C"] == 0


@pytest.mark.parametrize(
    "results, message",
    [
        ([EffectiveResult("1.1.1", "1", "X")], "'X' is not a rating"),
        ([EffectiveResult("1.1.1", "1", "C")] * 2, "1.1.1 is given twice"),
        ([EffectiveResult("9.1.1", "9", "C")], "criterion '9' is not in criteria"),
    ],
)
def test_bad_results_are_refused(results, message):
    with pytest.raises(ValueError, match=message):
        outcome(results)


# --- the assessor's override -----------------------------------------------------------------


def test_an_override_stands_and_the_computed_recommendation_is_kept():
    override = Override(Recommendation.NOT_RECOMMENDED, "  Evidence of 2.1.4 was not genuine. ")
    result = outcome(year({"2.1.4": "PC"}), override=override)
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS  # computed
    assert result.final == Recommendation.NOT_RECOMMENDED and result.overridden
    assert result.code == "not_recommended"
    assert result.label == "Certification not recommended (the assessor's decision)"
    assert result.override.reason == "Evidence of 2.1.4 was not genuine."
    assert "2.1.4" in result.reasons[0]  # the computed reasons stay


def test_an_override_from_a_stored_value():
    assert Override("recommended", "why").recommendation is Recommendation.RECOMMENDED


@pytest.mark.parametrize(
    "recommendation, reason, message",
    [
        (Recommendation.RECOMMENDED, "   ", "Give the reason"),
        (Recommendation.RECOMMENDED, None, "Give the reason"),
        (Recommendation.PENDING, "why", "must recommend or not recommend"),
        ("certified", "why", "'certified' is not a recommendation"),
    ],
)
def test_an_override_needs_a_recommendation_and_a_reason(recommendation, reason, message):
    with pytest.raises(ValueError, match=message):
        Override(recommendation, reason)


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2018, 11, 21), 12, date(2019, 11, 21)),
        (date(2019, 1, 31), 1, date(2019, 2, 28)),
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2018, 8, 31), 6, date(2019, 2, 28)),
        (date(2018, 12, 1), 36, date(2021, 12, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


# --- the settings ----------------------------------------------------------------------------


def test_the_defaults():
    assert configured_thresholds() == Thresholds(10, 3, NcRule.NOT_RECOMMENDED, 12)


def test_thresholds_are_changed_by_settings(settings):
    settings.OUTCOME_PC_ALLOWED = "2"
    settings.OUTCOME_PC_ALLOWED_PER_CRITERION = 1
    settings.OUTCOME_NC_RULE = "remedy_plan"
    settings.OUTCOME_PC_REMEDY_MONTHS = "6"
    assert configured_thresholds() == Thresholds(2, 1, NcRule.REMEDY_PLAN, 6)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("OUTCOME_PC_ALLOWED", "ten", "OUTCOME_PC_ALLOWED must be a whole number 0 or more"),
        ("OUTCOME_PC_ALLOWED", "-1", "not '-1'"),
        ("OUTCOME_PC_ALLOWED", -1, "not -1"),
        ("OUTCOME_PC_ALLOWED", " 5", "not ' 5'"),
        ("OUTCOME_PC_ALLOWED", "٥", "not '٥'"),  # an Arabic-Indic five
        ("OUTCOME_PC_ALLOWED", True, "not True"),
        ("OUTCOME_PC_ALLOWED_PER_CRITERION", 1.5, "PER_CRITERION must be a whole number"),
        ("OUTCOME_PC_ALLOWED_PER_CRITERION", "", "not ''"),
        ("OUTCOME_PC_REMEDY_MONTHS", "0", "MONTHS must be a whole number from 1 to 36"),
        ("OUTCOME_PC_REMEDY_MONTHS", 37, "not 37"),
        ("OUTCOME_NC_RULE", "maybe", "OUTCOME_NC_RULE must be 'not_recommended' or"),
        ("OUTCOME_NC_RULE", "", "'remedy_plan', not ''"),
    ],
)
def test_a_bad_setting_fails_fast_naming_it(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        configured_thresholds()


@pytest.mark.django_db
def test_outcome_of_reads_the_settings(settings, y2018):
    assert outcome_of(y2018).recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS
    settings.OUTCOME_PC_ALLOWED = "2"  # 2018 has three
    result = outcome_of(y2018)
    assert result.recommendation == Recommendation.NOT_RECOMMENDED
    assert "more than the 2 allowed overall" in result.reasons[0]
    settings.OUTCOME_PC_ALLOWED = "five"
    with pytest.raises(ImproperlyConfigured, match="OUTCOME_PC_ALLOWED"):
        outcome_of(y2018)


def test_a_bad_setting_stops_the_app_at_start_up():
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, "OUTCOME_NC_RULE": "any_nc_fails"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "OUTCOME_NC_RULE must be 'not_recommended' or 'remedy_plan'" in result.stderr


# --- the board paper's record, 2014–2018 -----------------------------------------------------


@pytest.mark.django_db
def test_2018_from_the_seed(y2018):
    Assessment.objects.filter(pk=y2018.pk).update(visit_date=date(2018, 11, 21))
    y2018.refresh_from_db()
    result = outcome_of(y2018)
    assert result.elements == 57 and result.complete
    # The chart rates 14 elements CP; the board paper's text claims 15, listing 3.2.1,
    # which the chart rates C.
    assert result.counts == {"CP": 14, "C": 40, "PC": 3, "NC": 0}
    assert len(result.cp) == 14 and "3.2.1" not in result.cp
    assert result.pc == ("2.1.4", "4.1.2", "5.3.2")
    assert result.nc == ()
    assert result.cp_gained == ("2.2.4", "4.1.1") and result.compared
    assert result.cp_lost == ()
    assert result.sampled == 21
    assert result.sampled_by_criterion == {"1": 4, "2": 4, "3": 4, "4": 5, "5": 4}
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS
    assert result.remedy_by == date(2019, 11, 21)
    assert result.reasons == (
        "3 elements are rated Partial Compliance (2.1.4, 4.1.2 and 5.3.2), within the 10 "
        "allowed overall and the 3 allowed in any one criterion: each is to be remedied "
        "within 12 months, by 21 November 2019.",
    )
    assert [c.title for c in result.criteria][:2] == [
        "Customer Insight",
        "The Culture of the Organisation",
    ]
    assert {c.ref: c.pc for c in result.criteria}["2"] == ("2.1.4",)


@pytest.mark.django_db
def test_every_seeded_year_agrees_with_the_years_figures(seeded):
    years = list(Assessment.objects.filter(organisation=seeded).order_by("year"))
    outcomes = outcomes_of(years)
    figures = year_figures(years)
    for assessment in years:
        result, counted = outcomes[assessment.pk], figures[assessment.pk]
        assert result.counts == counted.counts, assessment.year
        assert result.sampled_by_criterion == counted.sampled_by_criterion, assessment.year
        assert result.elements == counted.elements == 57
    by_year = {a.year: outcomes[a.pk] for a in years}
    assert not by_year[2014].compared  # the first year
    assert len(by_year[2014].pc) == 7  # the initial assessment: recommended by the defaults
    assert by_year[2014].recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS
    # 2017's chart leaves four sampled elements without a rating.
    assert by_year[2017].unrated == ("2.2.3", "3.2.3", "3.2.4", "3.3.3")
    assert by_year[2017].reasons[0] == (
        "4 elements have no rating (2.2.3, 3.2.3, 3.2.4 and 3.3.3) and are not counted."
    )


@pytest.mark.django_db
def test_one_year_alone_matches_the_years_together(seeded):
    years = list(Assessment.objects.filter(organisation=seeded))
    together = outcomes_of(years)
    for assessment in years:
        assert outcome_of(assessment) == together[assessment.pk]


@pytest.mark.django_db
def test_a_year_opened_carries_the_ratings_forward(seeded, y2018):
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
    y2019 = open_year(seeded, 2019, acting_user=None)
    result = outcome_of(y2019)
    assert result.counts == {"CP": 14, "C": 40, "PC": 3, "NC": 0}
    assert len(result.carried_forward) == 57
    assert result.pc == ("2.1.4", "4.1.2", "5.3.2")
    assert result.cp_gained == result.cp_lost == () and result.compared
    assert result.sampled == 0  # sampling belongs to one visit


@pytest.mark.django_db
def test_the_previous_year_is_the_organisations_own(seeded, other_org, cse_standard):
    """Another organisation's earlier year is never the previous year."""
    other_2013 = Assessment.objects.create(organisation=other_org, standard=cse_standard, year=2013)
    ours_2014 = Assessment.objects.get(organisation=seeded, year=2014)
    ElementResult.objects.bulk_create(
        ElementResult(assessment=other_2013, element_id=r.element_id, rating="CP")
        for r in ElementResult.objects.filter(assessment=ours_2014)
    )
    result = outcome_of(ours_2014)
    assert not result.compared and result.cp_gained == ()


@pytest.mark.django_db
def test_an_override_through_outcome_of(y2018):
    result = outcome_of(y2018, override=Override("not_recommended", "Too many repeat PCs."))
    assert result.final == Recommendation.NOT_RECOMMENDED
    assert result.recommendation == Recommendation.RECOMMENDED_WITH_ACTIONS
    assert outcome_of(y2018).override is None  # none stored


@pytest.mark.django_db
def test_the_override_stored_on_the_year_stands(y2018, y2017):
    Assessment.objects.filter(pk=y2018.pk).update(
        recommendation_override="not_recommended",
        recommendation_override_reason="The PCs of 2.1.4 and 4.1.2 are in their fifth year.",
    )
    y2018.refresh_from_db()
    result = outcome_of(y2018)
    assert result.final == Recommendation.NOT_RECOMMENDED and result.overridden
    assert result.override.reason == "The PCs of 2.1.4 and 4.1.2 are in their fifth year."
    # An override given as an argument stands in place of the stored one.
    given = Override("recommended", "Remedied on the day.")
    assert outcome_of(y2018, override=given).final == Recommendation.RECOMMENDED
    # Many years at once read each one's own.
    outcomes = outcomes_of([y2017, y2018])
    assert outcomes[y2018.pk].overridden and not outcomes[y2017.pk].overridden


def test_the_models_override_choices_are_the_recommendations():
    """An override is stored as a RecommendationChoice: the same values and words, less
    "pending"."""
    assert dict(RecommendationChoice.choices) == {
        r.value: r.label for r in Recommendation if r != Recommendation.PENDING
    }


# --- the query count, at two data sizes ------------------------------------------------------


def _import(org, path: Path) -> None:
    with open(os.devnull, "w") as quiet:
        call_command("import_annex_one", "--org", org.slug, str(path), stdout=quiet)


@pytest.fixture
def one_year(other_org, cse_standard, tmp_path):
    """An organisation with its 2018 alone (72 results)."""
    source = (ROOT / "fixtures/demo/annex_one_2014_2018.csv").read_text().splitlines()
    path = tmp_path / "2018.csv"
    path.write_text("\n".join(",".join([r.split(",")[0], r.split(",")[-1]]) for r in source))
    _import(other_org, path)
    return Assessment.objects.get(organisation=other_org, year=2018)


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["one year", "five years"])
def test_outcome_of_takes_one_query(size, request, django_assert_num_queries):
    assessment = request.getfixturevalue("one_year" if size == "one year" else "y2018")
    # 1. the results of the standard's elements in the year and in the organisation's
    #    previous year (found by a subquery), with their refs and criteria
    with django_assert_num_queries(1):
        result = outcome_of(assessment)
    assert result.elements == 57
    assert result.compared == (size == "five years")


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["one year", "five years"])
def test_outcomes_of_many_years_take_one_query(size, request, django_assert_num_queries):
    org = request.getfixturevalue("one_year" if size == "one year" else "seeded")
    if size == "one year":
        org = org.organisation
    years = list(Assessment.objects.filter(organisation=org))
    # 1. the results of these years and of the year before each
    with django_assert_num_queries(1):
        outcomes = outcomes_of(years)
    assert len(outcomes) == len(years)
    with django_assert_num_queries(0):
        assert outcomes_of([]) == {}


def test_a_remembered_outcome_never_outlives_a_change_of_its_ratings(y2017):
    """outcomes_of remembers outcomes by the year's rows (a pure function of them): reading
    again after a rating changed, even behind the services' back, gives the new outcome."""
    from assessments.outcome import outcomes_of

    before = outcomes_of([y2017])[y2017.pk]
    assert outcomes_of([y2017])[y2017.pk] is before  # remembered: the same rows
    ElementResult.objects.filter(assessment=y2017, element__ref="1.1.1").update(rating="NC")
    after = outcomes_of([y2017])[y2017.pk]
    assert "1.1.1" in after.nc and "1.1.1" not in before.nc
    assert after.counts["NC"] == before.counts["NC"] + 1
