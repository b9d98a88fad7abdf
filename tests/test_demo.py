"""setup_demo: the README's people, organisations and history; safe to run again."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from actions.models import Action
from assessments.models import Assessment, ElementResult
from demo import services as demo_services
from evidence.models import Evidence, EvidenceLink
from organisations.models import Invitation, Membership, Organisation

pytestmark = pytest.mark.django_db

README_PEOPLE = {
    ("admin@demo.test", "demo", "admin"),
    ("lead@demo.test", "demo", "quality_lead"),
    ("assessor@demo.test", "demo", "assessor"),
    ("board@demo.test", "demo", "governing_body"),
    ("lead@riverside.test", "riverside", "quality_lead"),
    ("assessor@demo.test", "riverside", "assessor"),
}


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (User, Organisation, Membership, Assessment, ElementResult, Evidence, Action)
    ) + tuple(
        model.history.count()
        for model in (
            Membership, Invitation, Assessment, ElementResult, Evidence, EvidenceLink, Action
        )
    )  # fmt: skip


def test_setup_demo_creates_what_the_readme_promises_and_is_idempotent():
    call_command("setup_demo", stdout=io.StringIO())
    people = set(Membership.objects.values_list("user__email", "organisation__slug", "role"))
    assert people == README_PEOPLE
    for user in User.objects.all():
        assert user.check_password("demo-password")
    years = dict(Assessment.objects.filter(organisation__slug="demo").values_list("year", "status"))
    assert years == {
        2014: "finalised", 2015: "finalised", 2016: "finalised", 2017: "finalised",
        2018: "assessor_review",
    }  # fmt: skip
    assert Assessment.objects.filter(organisation__slug="riverside").count() == 2
    assert ElementResult.objects.filter(assessment__organisation__slug="demo").count() == 5 * 72
    assert Evidence.objects.filter(organisation__slug="demo").exists()
    assert not Evidence.objects.filter(organisation__slug="riverside").exists()

    before = counts()
    call_command("setup_demo", stdout=io.StringIO())
    assert counts() == before


def test_setup_demo_raises_actions_on_the_2018_partial_compliances():
    """The board paper's three PCs of 2018 (2.1.4, 4.1.2, 5.3.2: national NHS targets missed)
    each get an action, raised by the lead through actions.services (with history): one
    overdue, one done with its evidence."""
    call_command("setup_demo", stdout=io.StringIO())
    actions = {
        a.element.ref: a
        for a in Action.objects.filter(organisation__slug="demo").select_related("element")
    }
    assert set(actions) == {"2.1.4", "4.1.2", "5.3.2"}
    assert {a.raised_in.year for a in actions.values()} == {2018}
    assert [ref for ref, a in sorted(actions.items()) if a.is_overdue] == ["5.3.2"]
    assert actions["4.1.2"].status == "done"
    assert [e.title for e in actions["4.1.2"].evidence.all()] == [
        "Integrated performance report, Q2 2018/19"
    ]
    assert actions["5.3.2"].owner.email == "admin@demo.test"
    for action in actions.values():
        assert action.history.earliest().history_user.email == "lead@demo.test"
    assert not Action.objects.filter(organisation__slug="riverside").exists()


def test_setup_demo_names_each_organisation_once():
    """The demo organisation's name ends in "(demo)", its slug is "demo": the import line
    said "Scarborough and Ryedale CCG (demo) (demo)"."""
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    text = out.getvalue()
    assert "Imported " in text
    assert "(demo) (demo)" not in text
    assert "Scarborough and Ryedale CCG (demo):" in text
    assert "Riverside Housing Association:" in text


def test_setup_demo_goes_through_the_organisation_services():
    """Organisations, people and memberships are made by organisations.services (which
    check and record them), not written by the demo; so every membership has its history."""
    source = Path(demo_services.__file__).read_text()
    for table_write in ["Membership", "Organisation.objects", "User.objects", "set_password"]:
        assert table_write not in source, table_write
    call_command("setup_demo", stdout=io.StringIO())
    for membership in Membership.objects.all():
        assert membership.history.filter(history_type="+").exists()


def test_setup_demo_restores_a_demo_role_changed_by_hand():
    call_command("setup_demo", stdout=io.StringIO())
    lead = Membership.objects.get(user__email="lead@demo.test", organisation__slug="demo")
    lead.role = "assessor"
    lead.save()
    call_command("setup_demo", stdout=io.StringIO())
    lead.refresh_from_db()
    assert lead.role == "quality_lead"
