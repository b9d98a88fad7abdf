"""actions.services: raising, changing and linking improvement actions — who may, what is
refused, and that every change leaves a history row naming who made it."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from actions import rules, services
from actions.models import Action
from assessments.models import Assessment
from organisations.models import Role
from standards.models import Element
from tests.factories import ActionFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def raise_one(y2018, element, user, **extra) -> Action:
    details = {"description": "Publish the complaints data.", "due_date": date(2019, 6, 30)}
    return services.raise_action(y2018, element, acting_user=user, **(details | extra))


# --- raising ---------------------------------------------------------------------------------


def test_raising_an_action_records_who(y2018, pc_element, lead):
    action = raise_one(y2018, pc_element, lead, owner=lead)
    assert action.organisation == y2018.organisation
    assert (action.raised_in, action.element, action.status) == (y2018, pc_element, "open")
    assert action.created_by == lead
    [row] = action.history.all()
    assert (row.history_type, row.history_user) == ("+", lead)


def test_the_assessor_may_raise_one_too(y2018, pc_element, assessor):
    assert raise_one(y2018, pc_element, assessor).created_by == assessor


def test_a_finalised_year_takes_no_new_action(y2017, pc_element, lead):
    with pytest.raises(services.RaiseRefused, match="2017 is finalised: raise the action"):
        raise_one(y2017, pc_element, lead)
    assert not Action.objects.exists()


def test_the_owner_must_be_a_member(y2018, pc_element, lead, outsider):
    with pytest.raises(ValidationError) as error:
        raise_one(y2018, pc_element, lead, owner=outsider)
    assert "owner" in error.value.message_dict
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("description", "message"),
    [("   ", "Say what will be done."), ("a\x00b", "control characters"), ("x" * 4001, "4000")],
)
def test_a_description_is_refused_with_a_reason(y2018, pc_element, lead, description, message):
    with pytest.raises(ValidationError, match=message):
        raise_one(y2018, pc_element, lead, description=description)


def test_an_element_not_in_the_year_is_refused(y2018, lead, cse_standard, other_org):
    other_year = Assessment.objects.create(
        organisation=y2018.organisation, standard=cse_standard, year=2019
    )  # no results
    element = Element.objects.get(standard=cse_standard, ref="1.1.1")
    with pytest.raises(ValidationError, match="2019 has no element 1.1.1"):
        raise_one(other_year, element, lead)


# --- the default due date --------------------------------------------------------------------


@override_settings(OUTCOME_PC_REMEDY_MONTHS="12")
def test_the_default_due_date_is_the_pc_remedy_deadline(y2018):
    y2018.visit_date = date(2018, 11, 20)
    assert rules.default_due_date(y2018, today=date(2018, 12, 1)) == date(2019, 11, 20)
    # That deadline past, or no visit date: from today.
    assert rules.default_due_date(y2018, today=date(2020, 1, 31)) == date(2021, 1, 31)
    y2018.visit_date = None
    assert rules.default_due_date(y2018, today=date(2018, 12, 1)) == date(2019, 12, 1)


@override_settings(OUTCOME_PC_REMEDY_MONTHS="6")
def test_the_default_due_date_follows_the_setting(y2018):
    y2018.visit_date = date(2018, 8, 31)
    assert rules.default_due_date(y2018, today=date(2018, 9, 1)) == date(2019, 2, 28)


# --- details ---------------------------------------------------------------------------------


def test_an_update_writes_only_what_changed(y2018, pc_element, lead, org_admin):
    action = raise_one(y2018, pc_element, lead)
    stale = Action.objects.get(pk=action.pk)
    changed = services.update_action(action, acting_user=org_admin, owner=org_admin)
    assert changed == ["owner"]
    # An older copy that changes the due date keeps the owner set meanwhile.
    services.update_action(stale, acting_user=lead, due_date=date(2019, 3, 31))
    action.refresh_from_db()
    assert (action.owner, action.due_date) == (org_admin, date(2019, 3, 31))
    assert stale.owner_id == org_admin.pk  # the caller's copy is refreshed
    assert [row.history_user for row in action.history.order_by("history_date")] == [
        lead,
        org_admin,
        lead,
    ]
    # Nothing changed: nothing written.
    assert services.update_action(action, acting_user=lead, description=action.description) == []
    assert action.history.count() == 3


def test_an_action_removed_meanwhile_is_refused_not_inserted_again(y2018, pc_element, lead):
    action = raise_one(y2018, pc_element, lead)
    Action.objects.filter(pk=action.pk).delete()
    with pytest.raises(services.ActionRemoved):
        services.update_action(action, acting_user=lead, description="Again")
    with pytest.raises(services.ActionRemoved):
        services.change_status(action, "done", acting_user=lead)
    assert not Action.objects.exists()


# --- status ----------------------------------------------------------------------------------


@pytest.fixture
def members(org, member_of):
    return {role: member_of(org, role) for role in Role}


STATUS_CASES = [
    # (from, to, role, owner?, allowed)
    ("open", "in_progress", Role.QUALITY_LEAD, False, True),
    ("open", "done", Role.ADMIN, False, True),
    ("in_progress", "done", Role.GOVERNING_BODY, True, True),  # the owner, whatever the role
    ("in_progress", "done", Role.GOVERNING_BODY, False, False),
    ("open", "done", Role.ASSESSOR, False, False),
    ("done", "verified", Role.ASSESSOR, False, True),
    ("open", "verified", Role.ASSESSOR, False, False),  # done first
    ("done", "verified", Role.QUALITY_LEAD, False, False),
    ("done", "verified", Role.ADMIN, True, False),
    ("verified", "open", Role.QUALITY_LEAD, False, False),
    ("verified", "done", Role.ASSESSOR, False, True),  # the assessor takes it back
    ("verified", "open", Role.ASSESSOR, False, False),
    ("done", "open", Role.QUALITY_LEAD, False, True),  # reopened by the organisation
]


@pytest.mark.parametrize(("current", "new", "role", "owner", "allowed"), STATUS_CASES)
def test_who_may_move_an_action(y2018, pc_element, members, current, new, role, owner, allowed):
    user = members[role]
    action = ActionFactory(
        raised_in=y2018, element=pc_element, status=current, owner=user if owner else None
    )
    if allowed:
        assert services.change_status(action, new, acting_user=user) is True
        action.refresh_from_db()
        assert (action.status, action.status_changed_by) == (new, user)
        assert action.history.latest("history_date").history_user == user
    else:
        with pytest.raises(services.StatusRefused):
            services.change_status(action, new, acting_user=user)
        action.refresh_from_db()
        assert action.status == current


def test_a_non_member_moves_nothing(y2018, pc_element, outsider):
    action = ActionFactory(raised_in=y2018, element=pc_element, owner=None)
    with pytest.raises(services.StatusRefused):
        services.change_status(action, "done", acting_user=outsider)


def test_an_unknown_status_is_refused(y2018, pc_element, lead):
    action = ActionFactory(raised_in=y2018, element=pc_element)
    with pytest.raises(ValidationError, match="Choose one of the statuses"):
        services.change_status(action, "finished", acting_user=lead)


def test_an_action_outlives_its_year(y2018, pc_element, lead, assessor):
    """Raised in 2018, finalised since: its work goes on, and the assessor verifies it."""
    action = raise_one(y2018, pc_element, lead)
    Assessment.objects.filter(pk=y2018.pk).update(status=Assessment.Status.FINALISED)
    services.change_status(action, "done", acting_user=lead)
    services.update_action(action, acting_user=lead, due_date=date(2020, 1, 31))
    services.change_status(action, "verified", acting_user=assessor)
    action.refresh_from_db()
    assert (action.status, action.raised_in_id) == ("verified", y2018.pk)


# --- evidence --------------------------------------------------------------------------------


def test_linking_evidence_with_history(y2018, pc_element, lead):
    action = raise_one(y2018, pc_element, lead)
    item = EvidenceFactory(organisation=y2018.organisation)
    assert services.link_evidence(action, item, acting_user=lead) is True
    assert services.link_evidence(action, item, acting_user=lead) is False  # already
    assert list(action.evidence.all()) == [item]
    latest = action.history.latest("history_date")
    assert latest.history_user == lead
    assert [m.evidence_id for m in latest.evidence.all()] == [item.pk]
    assert services.unlink_evidence(action, item, acting_user=lead) is True
    assert services.unlink_evidence(action, item, acting_user=lead) is False
    assert not action.evidence.exists()
    item.refresh_from_db()  # the item stays in the library


def test_another_organisations_evidence_is_refused(y2018, pc_element, lead, other_org):
    action = raise_one(y2018, pc_element, lead)
    theirs = EvidenceFactory(organisation=other_org)
    with pytest.raises(ValidationError, match="organisation's own library"):
        services.link_evidence(action, theirs, acting_user=lead)
    assert not action.evidence.exists()


def test_a_due_date_out_of_range_is_refused_by_the_rule():
    today = date(2026, 1, 1)
    assert rules.due_date_error(date(1989, 12, 31), today)
    assert rules.due_date_error(today + timedelta(days=366 * 11), today)
    assert rules.due_date_error(date(2027, 1, 1), today) == ""
