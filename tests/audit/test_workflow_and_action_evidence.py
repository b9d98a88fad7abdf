"""The audit log lists the year's workflow events (who moved the year from which status to
which, with the note) and the evidence attached to or removed from an improvement action;
both filtered through the organisation like every other kind."""

from datetime import date

import pytest
from django.urls import reverse

from actions import services as action_services
from assessments import workflow
from assessments.models import AssessmentEvent
from audit.changes import change_records
from audit.queries import LogFilters, history_page
from audit.registry import Labels, source
from organisations.models import Role
from tests.factories import ActionFactory, AssessmentFactory, EvidenceFactory, MembershipFactory

pytestmark = pytest.mark.django_db

NOTE = "Changes requested: add the complaints figures of 2018 to 4.3.2."


@pytest.fixture
def moved(year, named):
    """2018 submitted by the lead, taken up by the assessor and returned with a note."""
    lead, assessor = named("Lee Lead"), named("Ana Assessor", Role.ASSESSOR)
    workflow.submit(year, acting_user=lead, note="Ready for you.")
    workflow.start_review(year, acting_user=assessor)
    workflow.request_changes(year, acting_user=assessor, note=NOTE)
    return lead, assessor


def events(org, **filters) -> list:
    return history_page(org, LogFilters(**filters)).events


def log(client, org, **query) -> str:
    response = client.get(reverse("org:audit-log", args=[org.slug]), query)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('class="list-unstyled audit-events') :]


def test_each_move_with_who_from_which_status_to_which_and_its_note(org, year, moved):
    lead, assessor = moved
    found = [e for e in events(org) if e.kind == "workflow"]
    assert [(e.who, e.label, e.action_label) for e in found] == [
        ("Ana Assessor", "Year 2018", "recorded"),
        ("Ana Assessor", "Year 2018", "recorded"),
        ("Lee Lead", "Year 2018", "recorded"),
    ]  # newest first
    returned, taken_up, submitted = found
    assert [(c.field, c.old, c.new) for c in returned.changes] == [
        ("Status", "Assessor review", "Changes requested"),
        ("Note", "", NOTE),
    ]
    assert [(c.field, c.old, c.new) for c in taken_up.changes] == [
        ("Status", "Submitted for review", "Assessor review")
    ]
    assert ("Note", "", "Ready for you.") in [(c.field, c.old, c.new) for c in submitted.changes]


def test_the_log_page_shows_them_to_admins(client, org, year, admin, moved):
    client.force_login(admin)
    page = log(client, org)
    assert "Changes requested" in page and NOTE in page and "Ana Assessor" in page
    only = log(client, org, kind="workflow")
    assert NOTE in only and "Element result" not in only


def test_the_filters_apply_to_them(org, year, moved, cse_standard):
    lead, assessor = moved
    assert {e.who for e in events(org, kinds=("workflow",), person=lead.pk)} == {"Lee Lead"}
    assert len(events(org, kinds=("workflow",), year=2018)) == 3
    assert events(org, kinds=("workflow",), year=2017) == []
    assert events(org, kinds=("workflow",), until=date(2000, 1, 1)) == []
    assert len(events(org, kinds=("workflow",), since=date.today())) == 3
    assert [e for e in events(org, ref="1.1.1") if e.kind == "workflow"] == []  # no element


def test_an_override_with_the_same_status_shows_its_note():
    row = {
        "id": 1, "history_id": 1, "history_date": None, "history_user_id": None,
        "history_type": "~", "assessment_id": 5, "from_status": "assessor_review",
        "to_status": "assessor_review", "note": "Override: the PCs are remedied.",
    }  # fmt: skip
    workflow_source = source("workflow")
    records = change_records(workflow_source, row, workflow_source.before(row), Labels())
    assert [(r.field, r.new) for r in records] == [("Note", "Override: the PCs are remedied.")]


def test_another_organisations_moves_never_appear(org, other_org, year, cse_standard):
    theirs = AssessmentFactory(organisation=other_org, year=2018, standard=cse_standard)
    other_lead = MembershipFactory(organisation=other_org, role=Role.QUALITY_LEAD).user
    workflow.submit(theirs, acting_user=other_lead, note="Theirs.")
    assert AssessmentEvent.objects.filter(assessment=theirs).exists()
    assert [e for e in events(org) if e.kind == "workflow"] == []
    assert len([e for e in events(other_org) if e.kind == "workflow"]) == 1


# --- the evidence of an improvement action ----------------------------------------------------


@pytest.fixture
def action(org, year, element_111, result_111, named):
    return ActionFactory(raised_in=year, element=element_111, due_date=date(2019, 3, 1))


def test_evidence_attached_to_and_removed_from_an_action(client, org, admin, action, named):
    lead = named("Lee Lead")
    policy = EvidenceFactory(organisation=org, title="Complaints policy")
    minutes = EvidenceFactory(organisation=org, title="Board minutes")
    action_services.link_evidence(action, policy, acting_user=lead)
    action_services.link_evidence(action, minutes, acting_user=lead)
    action_services.unlink_evidence(action, policy, acting_user=admin)
    found = [e for e in events(org, kinds=("action",)) if e.action == "changed"]
    assert [(e.who, e.label, [(c.field, c.old, c.new) for c in e.changes]) for e in found] == [
        (admin.get_full_name() or admin.email, "2018 · 1.1.1",
         [("Evidence removed", "Complaints policy", "")]),
        ("Lee Lead", "2018 · 1.1.1", [("Evidence attached", "", "Board minutes")]),
        ("Lee Lead", "2018 · 1.1.1", [("Evidence attached", "", "Complaints policy")]),
    ]  # fmt: skip
    client.force_login(admin)
    page = log(client, org)
    assert "Evidence attached" in page and "Board minutes" in page
    # The element's history shows it too.
    history = reverse("org:element-history", args=[org.slug, 2018, "1.1.1"])
    assert "Evidence attached" in client.get(history).content.decode()


def test_a_deleted_item_keeps_its_name_and_another_organisations_title_never_shows(
    org, other_org, action, named
):
    lead = named("Lee Lead")
    item = EvidenceFactory(organisation=org, title="Old leaflet")
    item._history_user = lead
    action_services.link_evidence(action, item, acting_user=lead)
    item.delete()  # its history row keeps the title
    [attached] = [e for e in events(org, kinds=("action",)) if e.action == "changed"][-1:]
    assert [(c.field, c.new) for c in attached.changes] == [("Evidence attached", "Old leaflet")]
