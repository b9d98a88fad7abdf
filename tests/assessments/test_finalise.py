"""The checks before a year moves, on hand-made cases: what must be rated at this visit (all
57 at an initial assessment or reassessment, the sampled ones at an annual review), comments,
improvement actions, evidence, and self-ratings that differ; what is missing before
submitting; blocking kinds first; a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.finalise import (
    Kind,
    blocking_message,
    grouped,
    pre_finalise_check,
    submission_check,
)
from assessments.models import Assessment, ElementResult
from evidence.models import EvidenceLink
from tests.factories import EvidenceFactory

K = Assessment.Kind


def clean_slate(assessment: Assessment, **values) -> Assessment:
    """Every result rated C this year with a comment, self-rated C, not sampled."""
    ElementResult.objects.filter(assessment=assessment).update(
        rating="C", self_rating="C", comment="Seen", sampled=False, carried_forward=False,
        **values,
    )  # fmt: skip
    return assessment


def set_result(assessment: Assessment, ref: str, **values) -> None:
    ElementResult.objects.filter(assessment=assessment, element__ref=ref).update(**values)


def kinds(items) -> dict[Kind, list[str]]:
    found: dict[Kind, list[str]] = {}
    for item in items:
        found.setdefault(item.kind, []).append(item.ref)
    return found


def link(assessment: Assessment, ref: str, review_by=None) -> None:
    result = ElementResult.objects.select_related("element").get(
        assessment=assessment, element__ref=ref
    )
    item = EvidenceFactory(organisation=assessment.organisation, review_by=review_by)
    EvidenceLink.objects.create(evidence=item, assessment=assessment, element=result.element)


def check(assessment: Assessment, **kwargs):
    kwargs.setdefault("action_refs", set())
    return pre_finalise_check(assessment, **kwargs)


@pytest.fixture
def year(y2018):
    return clean_slate(y2018)


def test_an_annual_review_with_nothing_sampled_needs_no_rating(year):
    found = kinds(check(year))
    assert Kind.NOT_RATED not in found and Kind.NO_COMMENT not in found


def test_an_annual_review_needs_its_sampled_elements_rated_at_this_visit(year):
    set_result(year, "1.1.1", sampled=True, rating="")
    set_result(year, "1.1.2", sampled=True, carried_forward=True)  # last year's C
    set_result(year, "1.1.3", sampled=False, rating="")  # not sampled: not asked
    set_result(year, "1.3.3.1", sampled=True, rating="")  # a sub-element: not counted
    items = [item for item in check(year) if item.kind == Kind.NOT_RATED]
    assert [item.ref for item in items] == ["1.1.1", "1.1.2"]
    assert all(item.blocking for item in items)
    assert items[0].message == "1.1.1 is sampled at this visit and has no rating."
    assert "carries its rating (C) forward" in items[1].message


@pytest.mark.parametrize("kind", [K.INITIAL, K.REASSESSMENT])
def test_a_full_assessment_needs_every_element_rated(year, kind):
    Assessment.objects.filter(pk=year.pk).update(kind=kind)
    year.refresh_from_db()
    ElementResult.objects.filter(assessment=year).update(carried_forward=True)
    set_result(year, "5.3.2", rating="", carried_forward=False)
    not_rated = kinds(check(year))[Kind.NOT_RATED]
    assert len(not_rated) == 57  # the standard's elements, sub-elements not counted
    assert "5.3.2" in not_rated and "1.3.3.1" not in not_rated


@pytest.mark.parametrize(
    ("rating", "comment", "carried", "blocks"),
    [
        ("CP", "", False, True),
        ("PC", "  \n ", False, True),
        ("NC", "", False, True),
        ("C", "", False, False),  # Compliance needs no comment
        ("CP", "Exemplary survey work", False, False),
        ("PC", "", True, False),  # carried forward: not given at this visit
    ],
)
def test_a_rating_given_at_this_visit_needs_its_comment(year, rating, comment, carried, blocks):
    set_result(year, "2.1.4", sampled=True, rating=rating, comment=comment, carried_forward=carried)
    found = [item for item in check(year, action_refs={"2.1.4"}) if item.kind == Kind.NO_COMMENT]
    assert bool(found) is blocks
    if blocks:
        assert found[0].blocking
        assert found[0].message == f"2.1.4 is rated {rating} without a comment saying why."


def test_an_unsampled_rating_at_an_annual_review_needs_no_comment(year):
    set_result(year, "2.1.4", sampled=False, rating="PC", comment="")
    assert Kind.NO_COMMENT not in kinds(check(year))


def test_partial_and_non_compliance_without_an_action_are_warnings(year):
    set_result(year, "2.1.4", rating="PC")
    set_result(year, "4.1.2", rating="NC", self_rating="NC")
    set_result(year, "5.3.2", rating="PC", carried_forward=True)  # carried: still needs one
    found = [item for item in check(year, action_refs={"4.1.2"}) if item.kind == Kind.NO_ACTION]
    assert [item.ref for item in found] == ["2.1.4", "5.3.2"]
    assert not any(item.blocking for item in found)


def test_the_actions_come_from_the_actions_app_when_not_given(year, lead):
    """Through assessments.linked_actions, answered by the actions app."""
    from actions.services import raise_action

    set_result(year, "2.1.4", rating="PC")
    assert kinds(pre_finalise_check(year))[Kind.NO_ACTION] == ["2.1.4"]
    element = ElementResult.objects.get(assessment=year, element__ref="2.1.4").element
    raise_action(
        year,
        element,
        acting_user=lead,
        description="Publish the complaint figures",
        due_date=timezone.localdate() + timedelta(days=90),
    )
    assert Kind.NO_ACTION not in kinds(pre_finalise_check(year))


def test_compliance_without_evidence_is_a_warning(year):
    link(year, "1.1.1")
    found = kinds(check(year))[Kind.NO_EVIDENCE]
    assert "1.1.1" not in found and "1.1.2" in found
    assert "1.3.3.1" not in found  # sub-elements are detail under their element
    assert len(found) == 56


def test_evidence_past_its_review_date_is_a_warning(year):
    yesterday = timezone.localdate() - timedelta(days=1)
    link(year, "1.1.1", review_by=yesterday)
    link(year, "1.1.2", review_by=timezone.localdate())
    assert kinds(check(year))[Kind.EVIDENCE_OVERDUE] == ["1.1.1"]


def test_self_and_assessor_ratings_that_differ_are_a_warning(year):
    set_result(year, "3.4.1", self_rating="CP", rating="C")
    set_result(year, "3.4.2", self_rating="", rating="C")  # no self-rating: nothing to compare
    found = [item for item in check(year) if item.kind == Kind.RATINGS_DIFFER]
    assert [item.message for item in found] == ["3.4.1: self-rated CP, rated C by the assessor."]


def test_blocking_kinds_come_first(year):
    set_result(year, "2.1.4", sampled=True, rating="PC", comment="")
    groups = grouped(check(year))
    assert groups[0].kind == Kind.NO_COMMENT and groups[0].blocking
    assert not any(group.blocking for group in groups[1:])


def test_the_blocking_message_names_the_refs(year):
    for ref in ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "1.3.1", "1.3.2", "1.3.3", "1.3.4"]:
        set_result(year, ref, sampled=True, rating="")
    blocking = [item for item in check(year) if item.blocking]
    message = blocking_message(2018, blocking)
    assert message.startswith("2018 cannot be finalised yet: 9 blocking items (1.1.1, 1.1.2,")
    assert "and 1 more" in message


def test_the_submission_check_lists_what_is_missing(year):
    set_result(year, "1.1.1", self_rating="")
    set_result(year, "1.3.3.1", self_rating="")  # a sub-element: not listed
    link(year, "1.1.2")
    found = kinds(submission_check(year))
    assert found[Kind.NOT_SELF_RATED] == ["1.1.1"]
    assert "1.1.2" not in found[Kind.NO_EVIDENCE] and len(found[Kind.NO_EVIDENCE]) == 56
    assert not any(item.blocking for item in submission_check(year))


def test_the_check_in_a_fixed_number_of_queries(year, django_assert_num_queries):
    for ref in ["1.1.1", "2.1.4", "3.4.1"]:
        link(year, ref)
    # the results with their elements, the evidence figures (two), the elements with actions
    with django_assert_num_queries(4):
        pre_finalise_check(year)
    with django_assert_num_queries(3):
        pre_finalise_check(year, action_refs=set())
    # the results, the evidence figures (two)
    with django_assert_num_queries(3):
        submission_check(year)
