"""The year's workflow: self-assessment → submitted → assessor review → finalised, returned
with changes requested, reopened by an admin. Every move allowed and refused (by the year's
status and by the actor's role), the events it writes, the override of the recommendation,
the pages (every role against every page), the lock that keeps a save out of finalising, and
the finalise page's query count at two sizes.
"""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from assessments import finalise as checks
from assessments import workflow
from assessments.models import Assessment, AssessmentEvent, ElementResult
from assessments.services import YearLocked, check_open, set_self_assessment
from assessments.workflow import Move, MoveRefused
from organisations.models import Role
from tests.assessments.support import add_evidence, body, messages_of, url
from tests.assessments.test_concurrent_saves import run_threads

S = Assessment.Status
ROLES = [Role.ADMIN, Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY]

# Written out again on purpose (not read from workflow.MOVES): who may make each move, and
# from which statuses.
ALLOWED = {
    Move.SUBMIT: ({Role.ADMIN, Role.QUALITY_LEAD}, {S.SELF_ASSESSMENT, S.CHANGES_REQUESTED}),
    Move.START_REVIEW: ({Role.ASSESSOR}, {S.SUBMITTED}),
    Move.REQUEST_CHANGES: ({Role.ASSESSOR}, {S.SUBMITTED, S.ASSESSOR_REVIEW}),
    Move.FINALISE: ({Role.ASSESSOR}, {S.ASSESSOR_REVIEW}),
    Move.REOPEN: ({Role.ADMIN}, {S.FINALISED}),
}
TARGET = {
    Move.SUBMIT: S.SUBMITTED,
    Move.START_REVIEW: S.ASSESSOR_REVIEW,
    Move.REQUEST_CHANGES: S.CHANGES_REQUESTED,
    Move.FINALISE: S.FINALISED,
    Move.REOPEN: S.ASSESSOR_REVIEW,
}


def make(move: Move, assessment: Assessment, user, note: str = "Because") -> object:
    """The service of ``move``, with a note."""
    if move == Move.SUBMIT:
        return workflow.submit(assessment, acting_user=user, note=note)
    if move == Move.START_REVIEW:
        return workflow.start_review(assessment, acting_user=user, note=note)
    if move == Move.REQUEST_CHANGES:
        return workflow.request_changes(assessment, acting_user=user, note=note)
    if move == Move.FINALISE:
        return workflow.finalise(assessment, acting_user=user, note=note)
    return workflow.reopen(assessment, acting_user=user, reason=note)


def set_status(assessment: Assessment, status: str) -> Assessment:
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()
    return assessment


def ready_to_finalise(assessment: Assessment) -> Assessment:
    """Every rating given at this visit has its comment: nothing blocks finalising."""
    ElementResult.objects.filter(assessment=assessment).update(comment="Seen at the visit")
    return assessment


@pytest.fixture
def y2018_ready(y2018):
    return ready_to_finalise(y2018)


@pytest.fixture
def people(org, member_of):
    return {role: member_of(org, role) for role in ROLES}


# --- the rules, as a table -------------------------------------------------------------------


@pytest.mark.parametrize("move", list(Move))
@pytest.mark.parametrize("status", list(S.values))
@pytest.mark.parametrize("role", ROLES)
def test_every_move_from_every_status_for_every_role(move, status, role):
    roles, statuses = ALLOWED[move]
    problem = workflow.refusal(move, status, role, 2018)
    assert (problem == "") is (role in roles and status in statuses), problem
    if role not in roles:
        assert problem.startswith("Only ")
    elif status not in statuses:
        assert problem.endswith(f"2018 is {workflow.STATUS_PHRASES[status]}.")


def test_a_command_has_every_role_but_not_every_status():
    assert workflow.refusal(Move.FINALISE, S.ASSESSOR_REVIEW, None, 2018) == ""
    assert "2018 is submitted for review" in workflow.refusal(
        Move.FINALISE, S.SUBMITTED, None, 2018
    )


def test_someone_not_a_member_may_make_no_move():
    for move in Move:
        assert workflow.role_refusal(move, "").startswith("Only ")


def test_the_refusals_name_who_may():
    assert workflow.role_refusal(Move.SUBMIT, Role.ASSESSOR) == (
        "Only an admin or a quality lead can submit a year for review."
    )
    assert workflow.role_refusal(Move.REOPEN, Role.QUALITY_LEAD) == (
        "Only an admin can reopen a finalised year."
    )


# --- the services: every move allowed --------------------------------------------------------


@pytest.mark.parametrize("move", list(Move))
def test_each_move_allowed_changes_the_status_and_writes_an_event(move, y2018_ready, people):
    roles, statuses = ALLOWED[move]
    start = sorted(statuses)[0]
    assessment = set_status(y2018_ready, start)
    user = people[sorted(roles)[0]]
    event = make(move, assessment, user, note="  A note  ")
    assert assessment.status == TARGET[move]  # the caller's copy is refreshed
    assert Assessment.objects.get(pk=assessment.pk).status == TARGET[move]
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        start,
        TARGET[move],
        user,
        "A note",
    )
    latest = assessment.history.order_by("-history_id").first()
    assert latest.status == TARGET[move] and latest.history_user == user


def test_the_whole_round(y2018_ready, people):
    lead, assessor, admin = people[Role.QUALITY_LEAD], people[Role.ASSESSOR], people[Role.ADMIN]
    year = set_status(y2018_ready, S.SELF_ASSESSMENT)
    workflow.submit(year, acting_user=lead)
    workflow.request_changes(year, acting_user=assessor, note="Link the 2018 survey")
    workflow.submit(year, acting_user=lead, note="Linked")
    workflow.start_review(year, acting_user=assessor)
    workflow.finalise(year, acting_user=assessor)
    assert year.finalised_by == assessor and year.finalised_at is not None
    workflow.reopen(year, acting_user=admin, reason="A rating was entered on the wrong element")
    assert (year.status, year.finalised_at, year.finalised_by) == (S.ASSESSOR_REVIEW, None, None)
    entries = workflow.timeline(year)
    assert [e.what for e in entries] == [
        "Submitted for review",
        "Returned with changes requested",
        "Submitted for review",
        "Review started",
        "Finalised",
        "Reopened",
    ]
    assert entries[1].note == "Link the 2018 survey"
    assert entries[-1].note == "A rating was entered on the wrong element"
    assert entries[0].actor == lead.get_full_name()


def test_a_finalised_year_refuses_every_change(y2018_ready, assessor, lead):
    workflow.finalise(y2018_ready, acting_user=assessor)
    with pytest.raises(YearLocked):
        check_open(Assessment.objects.get(pk=y2018_ready.pk))


# --- every move refused ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "status"),
    [(m, s) for m in Move for s in S.values if s not in ALLOWED[m][1]],
)
def test_a_move_from_a_status_it_does_not_start_from_is_refused(move, status, y2018_ready):
    assessment = set_status(y2018_ready, status)
    events = AssessmentEvent.objects.count()
    with pytest.raises(MoveRefused) as refused:
        make(move, assessment, None)
    assert f"2018 is {workflow.STATUS_PHRASES[status]}" in str(refused.value)
    assert Assessment.objects.get(pk=assessment.pk).status == status
    assert AssessmentEvent.objects.count() == events


@pytest.mark.parametrize(
    ("move", "role"), [(m, r) for m in Move for r in ROLES if r not in ALLOWED[m][0]]
)
def test_a_move_by_a_role_that_may_not_is_refused(move, role, y2018_ready, people):
    _roles, statuses = ALLOWED[move]
    assessment = set_status(y2018_ready, sorted(statuses)[0])
    with pytest.raises(MoveRefused) as refused:
        make(move, assessment, people[role])
    assert str(refused.value).startswith("Only ")
    assert isinstance(refused.value, PermissionDenied)  # a 403 with its reason
    assert Assessment.objects.get(pk=assessment.pk).status == sorted(statuses)[0]
    assert not AssessmentEvent.objects.exists()


def test_a_member_of_another_organisation_makes_no_move(y2018_ready, outsider):
    with pytest.raises(MoveRefused):
        workflow.finalise(y2018_ready, acting_user=outsider)


def test_a_lapsed_assessor_makes_no_move(y2018_ready, assessor):
    from datetime import timedelta

    from django.utils import timezone

    assessor.memberships.update(ends_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(MoveRefused):
        workflow.finalise(y2018_ready, acting_user=assessor)


@pytest.mark.parametrize("note", ["", "   \n "])
def test_returning_needs_a_note(note, y2018, assessor):
    with pytest.raises(MoveRefused, match="Say what the organisation should change"):
        workflow.request_changes(y2018, acting_user=assessor, note=note)
    assert Assessment.objects.get(pk=y2018.pk).status == S.ASSESSOR_REVIEW


def test_reopening_needs_a_reason(y2018_ready, assessor, org_admin):
    workflow.finalise(y2018_ready, acting_user=assessor)
    with pytest.raises(MoveRefused, match="Give the reason for reopening"):
        workflow.reopen(y2018_ready, acting_user=org_admin, reason=" ")
    assert Assessment.objects.get(pk=y2018_ready.pk).is_finalised


def test_a_note_too_long_is_refused(y2018, assessor):
    with pytest.raises(MoveRefused, match="too long"):
        workflow.request_changes(y2018, acting_user=assessor, note="x" * 5001)


def test_finalising_is_refused_while_an_item_blocks(y2018, assessor):
    """The seeded 2018 has sampled CP/PC ratings without comments."""
    with pytest.raises(MoveRefused) as refused:
        workflow.finalise(y2018, acting_user=assessor)
    assert "2018 cannot be finalised yet" in str(refused.value)
    assert refused.value.items and all(item.blocking for item in refused.value.items)
    assert Assessment.objects.get(pk=y2018.pk).status == S.ASSESSOR_REVIEW
    assert not AssessmentEvent.objects.exists()


def test_a_deleted_year_is_refused(y2018_ready, assessor):
    stale = Assessment.objects.get(pk=y2018_ready.pk)
    Assessment.objects.filter(pk=stale.pk).delete()
    with pytest.raises(MoveRefused, match="deleted meanwhile"):
        workflow.finalise(stale, acting_user=assessor)


def test_a_move_from_a_stale_copy_is_judged_by_the_stored_status(y2018_ready, assessor):
    stale = Assessment.objects.get(pk=y2018_ready.pk)
    workflow.finalise(y2018_ready, acting_user=assessor)
    with pytest.raises(MoveRefused, match="2018 is finalised"):
        workflow.request_changes(stale, acting_user=assessor, note="Too late")
    assert stale.status == S.FINALISED  # refreshed


# --- the override ----------------------------------------------------------------------------


def test_the_assessor_overrides_the_recommendation_with_a_reason(y2018, assessor):
    changed = workflow.override_recommendation(
        y2018, acting_user=assessor, recommendation="not_recommended", reason="Evidence doubtful"
    )
    assert changed
    stored = Assessment.objects.get(pk=y2018.pk)
    assert (stored.recommendation_override, stored.recommendation_override_reason) == (
        "not_recommended",
        "Evidence doubtful",
    )
    event = AssessmentEvent.objects.get()
    assert event.from_status == event.to_status == S.ASSESSOR_REVIEW
    assert "Certification not recommended" in event.note and "Evidence doubtful" in event.note
    assert workflow.timeline(y2018)[0].what == "Recommendation decided"
    assert workflow.stored_override(stored).reason == "Evidence doubtful"
    # The same again changes nothing and writes no event; withdrawing it does.
    assert not workflow.override_recommendation(
        y2018, acting_user=assessor, recommendation="not_recommended", reason="Evidence doubtful"
    )
    assert workflow.override_recommendation(y2018, acting_user=assessor, recommendation="")
    assert Assessment.objects.get(pk=y2018.pk).recommendation_override == ""
    assert AssessmentEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("recommendation", "reason", "message"),
    [
        ("not_recommended", " ", "Give the reason"),
        ("pending", "x", "is not a recommendation"),
        ("maybe", "x", "is not a recommendation"),
    ],
)
def test_a_bad_override_is_refused(recommendation, reason, message, y2018, assessor):
    with pytest.raises(MoveRefused, match=message):
        workflow.override_recommendation(
            y2018, acting_user=assessor, recommendation=recommendation, reason=reason
        )
    assert Assessment.objects.get(pk=y2018.pk).recommendation_override == ""


@pytest.mark.parametrize("role", [Role.ADMIN, Role.QUALITY_LEAD, Role.GOVERNING_BODY])
def test_only_an_assessor_overrides(role, y2018, people):
    with pytest.raises(MoveRefused, match="Only an assessor"):
        workflow.override_recommendation(
            y2018, acting_user=people[role], recommendation="recommended", reason="x"
        )


@pytest.mark.parametrize("status", [S.SELF_ASSESSMENT, S.SUBMITTED, S.FINALISED])
def test_the_override_only_in_assessor_review(status, y2018, assessor):
    set_status(y2018, status)
    with pytest.raises(MoveRefused, match="only in assessor review"):
        workflow.override_recommendation(
            y2018, acting_user=assessor, recommendation="recommended", reason="x"
        )


# --- the lock: finalising and a save meet ----------------------------------------------------

concurrent = pytest.mark.django_db(transaction=True)


@concurrent
def test_a_save_waiting_while_the_year_is_finalised_is_refused(y2018, lead, assessor, monkeypatch):
    """Finalising holds the row while it checks and changes; a save that read the year as
    open waits for it, then is refused."""
    ready_to_finalise(y2018)
    checking = threading.Event()
    real_check = workflow.pre_finalise_check

    def slow_check(*args, **kwargs):
        items = real_check(*args, **kwargs)
        checking.set()
        time.sleep(0.3)  # the row is locked meanwhile
        return items

    monkeypatch.setattr(workflow, "pre_finalise_check", slow_check)
    stale = ElementResult.objects.select_related("assessment").get(
        assessment=y2018, element__ref="1.1.1"
    )

    def save():
        checking.wait(5)
        return set_self_assessment(stale, acting_user=lead, self_rating="NC")

    done, saved = run_threads(lambda: workflow.finalise(y2018, acting_user=assessor), save)
    assert isinstance(done, AssessmentEvent), done
    assert isinstance(saved, YearLocked), saved
    assert ElementResult.objects.get(pk=stale.pk).self_rating != "NC"


@concurrent
def test_finalising_waits_for_a_save_and_checks_what_it_wrote(y2018, assessor):
    """A change holding the row (its rating removed) commits first; finalising then checks
    the stored results and is refused: nothing slips in between the check and the move."""
    ready_to_finalise(y2018)
    sampled = ElementResult.objects.filter(
        assessment=y2018, sampled=True, element__parent__isnull=True
    ).first()
    locked = threading.Event()

    def change():
        with transaction.atomic():
            check_open(y2018)  # holds the assessment row
            locked.set()
            time.sleep(0.3)
            ElementResult.objects.filter(pk=sampled.pk).update(rating="")

    def finalise():
        locked.wait(5)
        return workflow.finalise(y2018, acting_user=assessor)

    _changed, outcome = run_threads(change, finalise)
    assert isinstance(outcome, MoveRefused), outcome
    assert sampled.element.ref in str(outcome)
    assert Assessment.objects.get(pk=y2018.pk).status == S.ASSESSOR_REVIEW


# --- the pages -------------------------------------------------------------------------------

PAGES = {
    "year-submit": {Role.ADMIN, Role.QUALITY_LEAD},
    "year-return": {Role.ASSESSOR},
    "year-finalise": {Role.ASSESSOR},
    "year-reopen": {Role.ADMIN},
}
POSTS = {
    "year-start-review": {Role.ASSESSOR},
    "year-override": {Role.ASSESSOR},
    **PAGES,
}


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_every_page(name, role, client, y2018, people):
    client.force_login(people[role])
    response = client.get(url(name, y2018.organisation, 2018))
    assert response.status_code == (200 if role in PAGES[name] else 403)


@pytest.mark.parametrize(
    ("name", "role"), [(n, r) for n in sorted(POSTS) for r in ROLES if r not in POSTS[n]]
)
def test_every_role_that_may_not_is_refused_every_post(name, role, client, y2018, people):
    """Every status from which the post would be allowed, so only the role refuses it."""
    client.force_login(people[role])
    data = {"note": "x", "recommendation": "recommended", "reason": "x"}
    for status in S.values:
        set_status(y2018, status)
        response = client.post(url(name, y2018.organisation, 2018), data)
        assert response.status_code == 403, status
        assert Assessment.objects.get(pk=y2018.pk).status == status
    assert not AssessmentEvent.objects.exists()
    assert Assessment.objects.get(pk=y2018.pk).recommendation_override == ""


def test_an_outsider_gets_404(client, y2018, outsider):
    client.force_login(outsider)
    for name in POSTS:
        assert client.get(url(name, y2018.organisation, 2018)).status_code == 404


def test_the_status_panel_offers_each_role_its_moves(client, y2018, people):
    org = y2018.organisation
    expected = {
        Role.ASSESSOR: ["Check and finalise 2018", "Return with changes requested"],
        Role.ADMIN: [],
        Role.QUALITY_LEAD: [],
        Role.GOVERNING_BODY: [],
    }
    for role, buttons in expected.items():
        client.force_login(people[role])
        page = body(client.get(url("year", org, 2018)))
        assert "Status: Assessor review" in page
        for label in ["Check and finalise", "Return with changes", "Submit 2018", "Reopen 2018"]:
            assert (label in page) is any(b.startswith(label) for b in buttons), (role, label)


def test_a_year_in_self_assessment_has_no_timeline_and_asks_for_none(
    y2018_ready, people, django_assert_num_queries
):
    """No move leads into self-assessment, and overrides are made in assessor review only:
    a year in self-assessment was never moved, so its (empty) timeline takes no query. Once
    moved, it never comes back to self-assessment, and its steps are read."""
    assert {S.SELF_ASSESSMENT} == workflow.NEVER_MOVED
    assert S.SELF_ASSESSMENT not in workflow.OVERRIDE_STATUSES
    year = set_status(y2018_ready, S.SELF_ASSESSMENT)
    with django_assert_num_queries(0):
        assert workflow.timeline(year) == []
    workflow.submit(year, acting_user=people[Role.QUALITY_LEAD])
    with django_assert_num_queries(1):
        assert [e.what for e in workflow.timeline(year)] == ["Submitted for review"]


def test_the_status_panel_shows_the_timeline(client, y2018_ready, people):
    lead, assessor = people[Role.QUALITY_LEAD], people[Role.ASSESSOR]
    workflow.request_changes(y2018_ready, acting_user=assessor, note="Add the <b>survey</b>")
    client.force_login(lead)
    page = body(client.get(url("year", y2018_ready.organisation, 2018)))
    assert "Returned with changes requested" in page
    assert "Add the &lt;b&gt;survey&lt;/b&gt;" in page
    assert escape(assessor.get_full_name()) in page
    assert "Submit 2018 for review" in page


def test_submitting_lists_what_is_missing_then_submits(client, y2018, lead):
    set_status(y2018, S.SELF_ASSESSMENT)
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(self_rating="")
    client.force_login(lead)
    page = client.get(url("year-submit", y2018.organisation, 2018))
    assert "1.1.1 has no self-rating." in body(page)
    assert "has no evidence linked" in body(page)
    response = client.post(url("year-submit", y2018.organisation, 2018), {"note": "Ready"})
    assert response.status_code == 302
    assert "2018 is submitted for review" in messages_of(client.get(response.url))[0]
    assert Assessment.objects.get(pk=y2018.pk).status == S.SUBMITTED


def test_the_submit_page_says_why_not_when_it_may_not(client, y2018, lead):
    client.force_login(lead)
    response = client.get(url("year-submit", y2018.organisation, 2018))
    assert "2018 is in assessor review" in body(response)
    assert "<textarea" not in body(response)
    response = client.post(url("year-submit", y2018.organisation, 2018), {"note": "Kept"})
    assert response.status_code == 403
    assert "2018 is in assessor review" in body(response)


def test_returning_without_a_note_keeps_the_page_and_says_why(client, y2018, assessor):
    client.force_login(assessor)
    response = client.post(url("year-return", y2018.organisation, 2018), {"note": ""})
    assert response.status_code == 200
    assert "Say what the organisation should change" in body(response)
    assert Assessment.objects.get(pk=y2018.pk).status == S.ASSESSOR_REVIEW
    response = client.post(url("year-return", y2018.organisation, 2018), {"note": "Fix 1.1.1"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=y2018.pk).status == S.CHANGES_REQUESTED


def test_a_note_with_control_characters_is_refused_and_kept(client, y2018, assessor):
    client.force_login(assessor)
    response = client.post(url("year-return", y2018.organisation, 2018), {"note": "Fix\u202e it"})
    assert response.status_code == 200
    assert "Fix\u202e it" in body(response)
    assert Assessment.objects.get(pk=y2018.pk).status == S.ASSESSOR_REVIEW


def test_starting_the_review_from_the_panel(client, y2018, assessor):
    set_status(y2018, S.SUBMITTED)
    client.force_login(assessor)
    page = body(client.get(url("year", y2018.organisation, 2018)))
    assert "Start the review of 2018" in page
    response = client.post(url("year-start-review", y2018.organisation, 2018))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=y2018.pk).status == S.ASSESSOR_REVIEW
    again = client.post(url("year-start-review", y2018.organisation, 2018), follow=True)
    assert any("can start only once" in m for m in messages_of(again))
    assert client.get(url("year-start-review", y2018.organisation, 2018)).status_code == 405


def test_the_finalise_page_shows_blocking_items_and_offers_no_button(client, y2018, assessor):
    client.force_login(assessor)
    page = body(client.get(url("year-finalise", y2018.organisation, 2018)))
    assert "blocking item" in page and "Blocking" in page
    assert "without a comment saying why" in page
    assert 'href="/o/acme/assessments/2018/elements/' in page
    assert "Finalise 2018</button>" not in page
    response = client.post(url("year-finalise", y2018.organisation, 2018), {"note": ""})
    assert response.status_code == 403
    assert "2018 cannot be finalised yet" in body(response)


def test_finalising_from_the_page(client, y2018_ready, assessor, lead):
    client.force_login(assessor)
    page = body(client.get(url("year-finalise", y2018_ready.organisation, 2018)))
    assert "Finalise 2018</button>" in page
    assert "Outcome" in page
    response = client.post(url("year-finalise", y2018_ready.organisation, 2018), {"note": "Done"})
    assert response.status_code == 302
    stored = Assessment.objects.get(pk=y2018_ready.pk)
    assert stored.is_finalised and stored.finalised_by == assessor
    client.force_login(lead)
    page = body(client.get(url("year", y2018_ready.organisation, 2018)))
    assert "Status: Finalised" in page and "Finalised" in page


def test_the_override_form_on_the_finalise_page(client, y2018, assessor):
    client.force_login(assessor)
    path = url("year-override", y2018.organisation, 2018)
    response = client.post(path, {"recommendation": "not_recommended", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for overriding" in body(response)
    response = client.post(path, {"recommendation": "not_recommended", "reason": "Doubtful"})
    assert response.status_code == 302
    page = body(client.get(response.url))
    assert "the assessor&#x27;s decision" in page or "the assessor's decision" in page
    assert "Doubtful" in page
    response = client.post(path, {"recommendation": "maybe", "reason": "x"})
    assert "Choose one of the recommendations offered" in body(response)


def test_reopening_from_the_page(client, y2018_ready, assessor, org_admin):
    workflow.finalise(y2018_ready, acting_user=assessor)
    client.force_login(org_admin)
    path = url("year-reopen", y2018_ready.organisation, 2018)
    assert "Reopen 2018" in body(client.get(url("year", y2018_ready.organisation, 2018)))
    response = client.post(path, {"note": ""})
    assert "Give the reason for reopening" in body(response)
    response = client.post(path, {"note": "Wrong element rated"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=y2018_ready.pk).status == S.ASSESSOR_REVIEW


# --- the details of a visit ------------------------------------------------------------------


def test_the_details_page_keeps_the_visit_details(client, y2018, lead, assessor):
    client.force_login(lead)
    path = url("year-details", y2018.organisation, 2018)
    assert escape(assessor.get_full_name()) in body(client.get(path))  # an O'Brien too
    response = client.post(
        path,
        {
            "kind": "annual_review",
            "document_review_date": "2018-10-01",
            "visit_date": "2018-11-20",
            "visit_end_date": "2018-11-21",
            "lead_assessor": assessor.pk,
            "certification_body": "Customer Service Excellence Ltd",
        },
    )
    assert response.status_code == 302
    stored = Assessment.objects.get(pk=y2018.pk)
    assert (stored.visit_end_date.day, stored.lead_assessor, stored.certification_body) == (
        21,
        assessor,
        "Customer Service Excellence Ltd",
    )
    assert stored.history.order_by("-history_id").first().history_user == lead


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"visit_date": "2018-11-20", "visit_end_date": "2018-11-19"}, "cannot be before"),
        ({"visit_end_date": "2018-11-19"}, "first day as well"),
        ({"lead_assessor": "lead"}, "Choose one of the organisation"),
        ({"certification_body": "x" * 201}, "at most 200"),
        ({"certification_body": "A\u202eB"}, ""),
        ({"document_review_date": "2030-01-01"}, "document review for 2018"),
    ],
)
def test_the_details_page_refuses_bad_details_and_keeps_them(client, y2018, lead, data, message):
    client.force_login(lead)
    if data.get("lead_assessor") == "lead":
        data = {**data, "lead_assessor": lead.pk}  # a member, but not an assessor
    response = client.post(
        url("year-details", y2018.organisation, 2018), {"kind": "annual_review", **data}
    )
    assert response.status_code == 200
    assert message in body(response)
    assert Assessment.objects.get(pk=y2018.pk).visit_end_date is None


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("links", [5, 60])
def test_the_finalise_page_in_a_fixed_number_of_queries(client, y2018, assessor, links):
    add_evidence(y2018, links)
    client.force_login(assessor)
    path = url("year-finalise", y2018.organisation, 2018)
    client.get(path)  # warm: the session, the standard's caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    # session, user, membership (the tenant middleware), the assessment, the check's results,
    # its evidence figures (two), its improvement actions, the outcome, the messages' session
    # read
    assert len(queries) == FINALISE_QUERIES, [q["sql"][:90] for q in queries]


FINALISE_QUERIES = 9


def test_the_check_items_link_their_element(y2018):
    items = checks.pre_finalise_check(y2018)
    assert {item.ref for item in items} <= set(
        ElementResult.objects.filter(assessment=y2018).values_list("element__ref", flat=True)
    )
