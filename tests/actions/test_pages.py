"""The improvement action pages: the list and its filters (a constant number of queries),
an action's page, raising and editing, status and evidence — for every role; and the element
page's actions panel, which links each action both ways."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from assessments.outcome import add_months
from organisations.models import Role
from tests.factories import ActionFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name: str, org, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def action(y2018, pc_element, lead):
    return ActionFactory(raised_in=y2018, element=pc_element, owner=lead, created_by=lead)


@pytest.fixture
def users(org, member_of):
    return {role: member_of(org, role) for role in Role}


# --- who may ---------------------------------------------------------------------------------

# page → the status of a GET for admin, quality lead, assessor, governing body
ROLE_ORDER = [Role.ADMIN, Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY]
PAGES_BY_ROLE = {
    "action-list": dict(zip(ROLE_ORDER, [200, 200, 200, 200], strict=True)),
    "action-detail": dict(zip(ROLE_ORDER, [200, 200, 200, 200], strict=True)),
    "action-add": dict(zip(ROLE_ORDER, [200, 200, 200, 403], strict=True)),
    "action-edit": dict(zip(ROLE_ORDER, [200, 200, 403, 403], strict=True)),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("page", list(PAGES_BY_ROLE))
def test_who_may_open_each_page(client, org, action, users, page, role):
    client.force_login(users[role])
    args = {
        "action-list": [],
        "action-detail": [action.pk],
        "action-add": [2018, "2.1.4"],
        "action-edit": [action.pk],
    }[page]
    assert client.get(url(page, org, *args)).status_code == PAGES_BY_ROLE[page][role]


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.GOVERNING_BODY])
def test_readers_change_no_details_or_evidence(client, org, action, users, role):
    item = EvidenceFactory(organisation=org)
    client.force_login(users[role])
    edit = {"description": "Changed", "owner": "", "due_date": "2030-01-01"}
    assert client.post(url("action-edit", org, action.pk), edit).status_code == 403
    assert (
        client.post(url("action-evidence", org, action.pk), {"evidence": item.pk}).status_code
        == 403
    )
    unlink = url("action-evidence-unlink", org, action.pk, item.pk)
    assert client.post(unlink).status_code == 403
    action.refresh_from_db()
    assert action.description != "Changed" and not action.evidence.exists()


def test_the_board_raises_nothing(client, org, users):
    client.force_login(users[Role.GOVERNING_BODY])
    data = {"description": "Do it", "owner": "", "due_date": "2019-06-30"}
    assert client.post(url("action-add", org, 2018, "2.1.4"), data).status_code == 403
    assert not Action.objects.exists()


def test_the_assessor_verifies_only_what_is_done(client, org, action, assessor):
    client.force_login(assessor)
    response = client.post(url("action-status", org, action.pk), {"status": "verified"})
    assert response.status_code == 403
    assert "Only an action marked done can be verified" in body(response)
    Action.objects.filter(pk=action.pk).update(status="done")
    response = client.post(url("action-status", org, action.pk), {"status": "verified"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "verified"


def test_the_lead_cannot_verify_and_the_form_does_not_offer_it(client, org, action, lead):
    client.force_login(lead)
    page = body(client.get(url("action-detail", org, action.pk)))
    assert 'value="done"' in page and 'value="verified"' not in page
    response = client.post(url("action-status", org, action.pk), {"status": "verified"})
    assert response.status_code == 403
    assert "Only the assessor marks an action verified" in body(response)


def test_the_owner_marks_their_action_done_whatever_their_role(
    client, org, y2018, pc_element, board
):
    action = ActionFactory(raised_in=y2018, element=pc_element, owner=board)
    client.force_login(board)
    response = client.post(url("action-status", org, action.pk), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.status_changed_by) == ("done", board)


# --- raising and editing ---------------------------------------------------------------------


@override_settings(OUTCOME_PC_REMEDY_MONTHS="12")
def test_raising_from_the_element_page(client, org, y2018, lead):
    y2018.visit_date = timezone.localdate() - timedelta(days=10)
    y2018.save()
    client.force_login(lead)
    element_page = body(client.get(url("element", org, 2018, "2.1.4")))
    add_url = url("action-add", org, 2018, "2.1.4")
    assert f'href="{add_url}"' in element_page and "Raise an improvement action" in element_page
    form = client.get(add_url)
    # The PC remedy deadline: a year after the visit.
    assert form.context["form"].initial["due_date"] == add_months(y2018.visit_date, 12)
    response = client.post(
        add_url,
        {"description": "Publish complaint outcomes.", "owner": lead.pk, "due_date": "2019-11-20"},
    )
    action = Action.objects.get()
    assert response["Location"] == url("action-detail", org, action.pk)
    assert (action.element.ref, action.raised_in, action.owner) == ("2.1.4", y2018, lead)
    # Both ways: the element page lists the action, the action's page links the element-year.
    element_page = body(client.get(url("element", org, 2018, "2.1.4")))
    assert url("action-detail", org, action.pk) in element_page
    assert "Publish complaint outcomes." in element_page
    detail = body(client.get(url("action-detail", org, action.pk)))
    assert url("element", org, 2018, "2.1.4") in detail


def test_a_compliant_element_offers_no_action(client, org, y2018, lead):
    client.force_login(lead)
    page = body(client.get(url("element", org, 2018, "1.1.1")))
    assert "Raise an improvement action" not in page
    assert "No improvement action has been raised on 1.1.1" in page


def test_a_finalised_year_offers_no_new_action(client, org, y2017, lead):
    client.force_login(lead)
    ref = "2.1.4"  # PC in 2017 as well
    page = body(client.get(url("element", org, 2017, ref)))
    assert url("action-add", org, 2017, ref) not in page
    response = client.get(url("action-add", org, 2017, ref))
    assert response.status_code == 403
    assert "2017 is finalised: raise the action" in body(response)
    data = {"description": "x", "owner": "", "due_date": "2019-01-01"}
    assert client.post(url("action-add", org, 2017, ref), data).status_code == 403
    assert not Action.objects.exists()


def test_an_unknown_element_is_404(client, org, lead):
    client.force_login(lead)
    assert client.get(url("action-add", org, 2018, "9.9.9")).status_code == 404
    assert client.get(url("action-add", org, 1999, "1.1.1")).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "", "due_date": "2019-01-01"}, "Say what will be done."),
        ({"description": "x", "due_date": "next Tuesday"}, "Give the due date as a date"),
        ({"description": "x", "due_date": "1900-01-01"}, "Give a due date from 1990 on."),
        ({"description": "x\u202e", "due_date": "2019-01-01"}, "control characters"),
        ({"description": "x", "due_date": "2019-01-01", "owner": "999999"}, "Choose the owner"),
    ],
)
def test_bad_input_is_refused_keeping_what_was_typed(client, org, y2018, lead, data, message):
    client.force_login(lead)
    response = client.post(url("action-add", org, 2018, "2.1.4"), {"owner": "", **data})
    assert response.status_code == 400
    page = body(response)
    assert message in page
    assert data["due_date"] in page  # what was typed is kept
    assert not Action.objects.exists()


def test_editing_keeps_an_owner_who_has_left(client, org, action, lead, org_admin):
    client.force_login(org_admin)
    lead.memberships.all().delete()
    form = body(client.get(url("action-edit", org, action.pk)))
    assert "no longer a member" in form
    data = {"description": "Changed words", "owner": lead.pk, "due_date": "2019-12-31"}
    response = client.post(url("action-edit", org, action.pk), data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.description, action.owner, action.due_date) == (
        "Changed words",
        lead,
        date(2019, 12, 31),
    )


def test_linking_and_unlinking_evidence(client, org, action, lead, other_org):
    item = EvidenceFactory(organisation=org, title="Complaints report 2019")
    theirs = EvidenceFactory(organisation=other_org)
    client.force_login(lead)
    page = body(client.get(url("action-detail", org, action.pk)))
    assert f'<option value="{item.pk}">Complaints report 2019</option>' in page
    assert f'value="{theirs.pk}"' not in page
    client.post(url("action-evidence", org, action.pk), {"evidence": item.pk})
    assert list(action.evidence.all()) == [item]
    # Another organisation's item is not a choice.
    response = client.post(url("action-evidence", org, action.pk), {"evidence": theirs.pk})
    assert response.status_code == 400
    assert client.post(url("action-evidence-unlink", org, action.pk, theirs.pk)).status_code == 404
    client.post(url("action-evidence-unlink", org, action.pk, item.pk))
    assert not action.evidence.exists()


# --- the list --------------------------------------------------------------------------------


@pytest.fixture
def listed(org, y2018, y2017, lead, org_admin):
    """Four actions: overdue (lead), due later (admin), done, and one of 2017 (criterion 5)."""
    from standards.models import Element

    def element(year, ref):
        return Element.objects.get(standard=year.standard, ref=ref)

    today = timezone.localdate()
    return {
        "overdue": ActionFactory(
            raised_in=y2018, element=element(y2018, "2.1.4"), owner=lead,
            description="Overdue one", due_date=today - timedelta(days=3),
        ),
        "later": ActionFactory(
            raised_in=y2018, element=element(y2018, "4.1.2"), owner=org_admin,
            description="Later one", status="in_progress", due_date=today + timedelta(days=90),
        ),
        "done": ActionFactory(
            raised_in=y2018, element=element(y2018, "2.1.4"), owner=lead,
            description="Done one", status="done", due_date=today - timedelta(days=30),
        ),
        "old": ActionFactory(
            raised_in=y2017, element=element(y2017, "5.3.2"), owner=None,
            description="Old one", status="verified", due_date=date(2018, 6, 30),
        ),
    }  # fmt: skip


def shown(client, org, **params) -> list[str]:
    response = client.get(url("action-list", org), params)
    assert response.status_code == 200
    return [action.description for action in response.context["actions"]]


def test_the_list_and_its_filters(client, org, listed, lead, org_admin):
    client.force_login(lead)
    assert shown(client, org) == ["Old one", "Done one", "Overdue one", "Later one"]
    assert shown(client, org, status="unfinished") == ["Overdue one", "Later one"]
    assert shown(client, org, status="done") == ["Done one"]
    assert shown(client, org, owner=org_admin.pk) == ["Later one"]
    assert shown(client, org, criterion="5") == ["Old one"]
    assert shown(client, org, year="2017") == ["Old one"]
    assert shown(client, org, overdue="on") == ["Overdue one"]  # done ones are not overdue
    assert shown(client, org, status="unfinished", criterion="2") == ["Overdue one"]


def test_overdue_stands_out_in_words(client, org, listed, lead):
    client.force_login(lead)
    page = body(client.get(url("action-list", org)))
    row = page.split("Overdue one", 1)[1].split("</tr>", 1)[0]
    assert "Overdue</span>" in row
    later = page.split("Later one", 1)[1].split("</tr>", 1)[0]
    assert "Overdue" not in later


@pytest.mark.parametrize(
    "params",
    [
        {"status": "finished"},
        {"owner": "abc"},
        {"owner": "٢"},
        {"criterion": "9"},
        {"year": "1e400"},
        {"year": "99999999999999999999"},
        {"page": "-1"},
        {"page": "99999"},
    ],
)
def test_bad_filters_are_said_and_ignored(client, org, listed, lead, params):
    client.force_login(lead)
    response = client.get(url("action-list", org), params)
    assert response.status_code == 200
    assert len(response.context["actions"]) >= 1


def make_actions(org, year, count: int) -> None:
    from standards.models import Element

    elements = list(Element.objects.filter(standard=year.standard).order_by("position"))
    owners = [UserFactory() for _ in range(3)]
    Action.objects.bulk_create(
        Action(
            organisation=org,
            raised_in=year,
            element=elements[n % len(elements)],
            description=f"Action {n}",
            owner=owners[n % 3],
            due_date=date(2019, 1, 1) + timedelta(days=n),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [5, 300])
def test_the_list_in_a_constant_number_of_queries(
    client, org, y2018, lead, count, django_assert_num_queries
):
    make_actions(org, y2018, count)
    client.force_login(lead)
    path = url("action-list", org)
    client.get(path)  # the session remembers the organisation once
    # session, user, membership with organisation, members (owner filter), criteria, years,
    # the count, the page of actions with element/criterion/year/owner and evidence counts
    with django_assert_num_queries(8):
        response = client.get(path, {"status": "unfinished", "criterion": "1"})
    assert len(response.context["actions"]) == min(count, 25) or count == 5


@pytest.mark.parametrize("count", [1, 40])
def test_the_action_page_in_a_constant_number_of_queries(
    client, org, action, lead, count, django_assert_num_queries
):
    for n in range(count):
        action.evidence.add(EvidenceFactory(organisation=org, title=f"Item {n}"))
    client.force_login(lead)
    path = url("action-detail", org, action.pk)
    client.get(path)
    # session, user, membership with organisation, the action with its element, year and
    # people, its evidence, its history, the library's items to link
    with django_assert_num_queries(7):
        client.get(path)
