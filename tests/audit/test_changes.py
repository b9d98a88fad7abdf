"""History rows become change records: who, when, what, the value before and after.

The histories are made by the app's own services (self-assessment, links, roles) and, for
the assessor's marks, by a save naming the assessor, then read back through
audit.queries.history_page, which pairs each history row with the one before it.
"""

import pytest

from assessments import services as assessment_services
from audit.changes import CHANGED, CREATED, DELETED, change_records
from audit.queries import LogFilters, history_page
from audit.registry import Labels, source
from evidence import services as evidence_services
from organisations import services as organisation_services
from organisations.models import Membership, Role
from tests.audit.support import mark
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def records(org, **filters):
    """Every change record of ``org``, oldest save first, as tuples without the time."""
    page = history_page(org, LogFilters(**filters), per_page=1000)
    return [
        (r.who, r.kind, r.action, r.label, r.field, r.old, r.new)
        for event in reversed(page.events)
        for r in event.changes
    ]


def changes(org, kind: str, label: str):
    """(who, action, field, old, new) of the records of one kind about ``label``."""
    return [
        (w, a, f, o, n) for w, k, a, lab, f, o, n in records(org, kinds=(kind,)) if lab == label
    ]


def test_a_self_rating_changed_twice(org, result_111, named):
    lead = named("Lee Lead")
    assessment_services.set_self_assessment(result_111, acting_user=lead, self_rating="PC")
    assessment_services.set_self_assessment(
        result_111, acting_user=lead, self_rating="C", self_notes="Policy approved in May."
    )
    assert changes(org, "result", "2018 · 1.1.1") == [
        ("System", "created", "", "", ""),
        ("Lee Lead", "changed", "Self-rating", "", "Partial Compliance"),
        ("Lee Lead", "changed", "Self-rating", "Partial Compliance", "Compliance"),
        ("Lee Lead", "changed", "Self-assessment notes", "", "Policy approved in May."),
    ]


def test_an_assessor_rating_with_its_comment_and_sampled_mark(org, result_111, named):
    assessor = named("Ana Assessor", Role.ASSESSOR)
    mark(result_111, assessor, rating="C", carried_forward=True)
    mark(
        result_111, assessor, rating="CP", comment="Exemplary.", sampled=True, carried_forward=False
    )
    assert changes(org, "result", "2018 · 1.1.1")[1:] == [
        ("Ana Assessor", "changed", "Assessor's rating", "", "Compliance"),
        ("Ana Assessor", "changed", "Carried forward", "No", "Yes"),
        ("Ana Assessor", "changed", "Assessor's rating", "Compliance", "Compliance Plus"),
        ("Ana Assessor", "changed", "Sampled", "No", "Yes"),
        ("Ana Assessor", "changed", "Assessor's comment", "", "Exemplary."),
        ("Ana Assessor", "changed", "Carried forward", "Yes", "No"),
    ]


def test_a_link_added_its_note_changed_and_removed(org, year, element_111, named):
    lead = named("Lee Lead")
    item = EvidenceFactory(organisation=org, title="Safeguarding policy")
    link, created = evidence_services.link(
        item, year, element_111, acting_user=lead, note="Section 2."
    )
    assert created
    evidence_services.update_link_note(link, "Sections 2 and 3.", acting_user=lead)
    evidence_services.unlink(link, acting_user=lead)
    label = "2018 · 1.1.1 · Safeguarding policy"
    assert records(org, kinds=("link",)) == [
        ("Lee Lead", "link", "created", label, "Note", "", "Section 2."),
        ("Lee Lead", "link", "changed", label, "Note", "Section 2.", "Sections 2 and 3."),
        ("Lee Lead", "link", "deleted", label, "", "", ""),
    ]
    page = history_page(org, LogFilters(kinds=("link",)))
    assert [e.action_label for e in page.events] == ["unlinked", "changed", "linked"]


def test_a_deleted_item_keeps_its_name_in_its_links_history(org, year, element_111, named):
    lead = named("Lee Lead")
    item = EvidenceFactory(organisation=org, title="Old policy")
    evidence_services.link(item, year, element_111, acting_user=lead)
    evidence_services.delete_evidence(item, acting_user=lead)
    assert {r[3] for r in records(org, kinds=("link",))} == {"2018 · 1.1.1 · Old policy"}


def test_a_membership_role_change_and_removal(org, named):
    admin = named("Ada Admin", Role.ADMIN)
    member = named("Gil Governor", Role.GOVERNING_BODY)
    membership = Membership.objects.get(user=member, organisation=org)
    organisation_services.change_role(membership, Role.QUALITY_LEAD, acting_user=admin)
    organisation_services.remove_member(membership, acting_user=admin)
    assert changes(org, "membership", "Membership of Gil Governor") == [
        ("System", "created", "Role", "", "Governing body"),
        ("Ada Admin", "changed", "Role", "Governing body", "Quality lead"),
        ("Ada Admin", "deleted", "", "", ""),
    ]


def test_a_years_status_change(org, year, named):
    admin = named("Ada Admin", Role.ADMIN)
    year.status = year.Status.FINALISED
    year._history_user = admin
    year.save(update_fields=["status"])
    assert records(org, kinds=("year",))[-1] == (
        "Ada Admin", "year", "changed", "Year 2018", "Status", "Self-assessment", "Finalised",
    )  # fmt: skip


def test_the_function_on_hand_made_rows():
    """change_records needs no database: rows in, records out."""
    results = source("result")
    labels = Labels(users={7: "Ana Assessor"}, years={3: 2019}, elements={11: "2.1.4"})
    first = {
        "history_id": 1, "history_type": "+", "history_date": None, "history_user_id": None,
        "id": 5, "assessment_id": 3, "element_id": 11, "self_rating": "", "self_notes": "",
        "rating": "PC", "sampled": False, "comment": "", "carried_forward": True,
    }  # fmt: skip
    second = {**first, "history_id": 2, "history_type": "~", "history_user_id": 7, "rating": "NC"}
    gone = {**second, "history_id": 3, "history_type": "-"}
    created = change_records(results, first, None, labels)
    assert [(r.action, r.field, r.old, r.new) for r in created] == [
        (CREATED, "Assessor's rating", "", "Partial Compliance"),
        (CREATED, "Carried forward", "", "Yes"),
    ]
    [changed] = change_records(results, second, first, labels)
    assert (changed.who, changed.action, changed.label, changed.field) == (
        "Ana Assessor", CHANGED, "2019 · 2.1.4", "Assessor's rating",
    )  # fmt: skip
    assert (changed.old, changed.new) == ("Partial Compliance", "Non-Compliance")
    [deleted] = change_records(results, gone, second, labels)
    assert (deleted.action, deleted.field) == (DELETED, "")
    # A save that changed no field shown (its version, its time) gives no record.
    assert change_records(results, {**second, "history_id": 4}, second, labels) == []
