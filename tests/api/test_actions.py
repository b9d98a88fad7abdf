"""Improvement actions in the API: each action's element, year raised, description, owner,
due date, status, overdue flag and evidence ids; filters by status, year and overdue (a 400
for a value it cannot read); read-only; every member reads them, as on the actions pages;
another organisation's actions are never found."""

import datetime

import pytest
from django.utils import timezone

from actions import services
from actions.models import Action
from organisations.models import Role
from standards.models import Element
from tests.factories import ActionFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(seeded, y2018, y2017, lead):
    """2.1.4 raised in 2018, owned by the lead, overdue, with two evidence items; 4.1.2 raised
    in 2018, done; 5.3.2 raised in 2017, verified, due next year."""
    today = timezone.localdate()
    refs = {e.ref: e for e in Element.objects.filter(standard=y2018.standard)}
    late = ActionFactory(
        raised_in=y2018,
        element=refs["2.1.4"],
        owner=lead,
        description="Publish waiting-time figures monthly.",
        due_date=today - datetime.timedelta(days=3),
    )
    items = [EvidenceFactory(organisation=seeded, title=t) for t in ["Board minutes", "Figures"]]
    for item in items:
        services.link_evidence(late, item, acting_user=lead)
    done = ActionFactory(
        raised_in=y2018,
        element=refs["4.1.2"],
        status=Action.Status.DONE,
        due_date=today - datetime.timedelta(days=30),  # done: never overdue
    )
    verified = ActionFactory(
        raised_in=y2017,
        element=refs["5.3.2"],
        status=Action.Status.VERIFIED,
        due_date=today + datetime.timedelta(days=365),
    )
    return {"late": late, "done": done, "verified": verified, "items": items}


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/o/acme/api/actions/?{query}")
    assert response.status_code == 200, response.content
    return [action["ref"] for action in response.json()["results"]]


def test_an_actions_fields(client, lead, plan):
    client.force_login(lead)
    late = plan["late"]
    body = client.get("/o/acme/api/actions/").json()
    assert body["count"] == 3
    by_ref = {action["ref"]: action for action in body["results"]}
    first = by_ref["2.1.4"]
    assert first == {
        "id": late.pk,
        "ref": "2.1.4",
        "year_raised": 2018,
        "description": "Publish waiting-time figures monthly.",
        "owner": {"name": lead.get_full_name(), "email": lead.email},
        "due_date": late.due_date.isoformat(),
        "status": "open",
        "status_changed_at": None,
        "is_overdue": True,
        "evidence": sorted(item.pk for item in plan["items"]),
        "created_at": first["created_at"],
        "url": f"http://testserver/o/acme/api/actions/{late.pk}/",
    }
    assert client.get(first["url"]).json() == first
    assert by_ref["4.1.2"]["is_overdue"] is False  # done, though past its date
    assert by_ref["4.1.2"]["owner"] is None and by_ref["4.1.2"]["evidence"] == []
    assert by_ref["5.3.2"]["year_raised"] == 2017


def test_soonest_due_first(client, lead, plan):
    client.force_login(lead)
    assert listed(client) == ["4.1.2", "2.1.4", "5.3.2"]


def test_filters(client, lead, plan):
    client.force_login(lead)
    assert listed(client, "status=done") == ["4.1.2"]
    assert listed(client, "status=unfinished") == ["2.1.4"]
    assert listed(client, "status=verified&year=2017") == ["5.3.2"]
    assert listed(client, "year=2018") == ["4.1.2", "2.1.4"]
    assert listed(client, "year=2030") == []
    assert listed(client, "overdue=1") == ["2.1.4"]
    assert listed(client, "overdue=1&year=2017") == []
    assert listed(client, "overdue=0") == listed(client) == listed(client, "status=&year=")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=closed", "status"),
        ("status=OPEN", "status"),
        ("status=%00", None),  # the middleware's 400 for a NUL byte
        ("year=18", "year"),
        ("year=%D9%A2%D9%A0%D9%A1%D9%A8", "year"),  # ٢٠١٨
        ("year=99999999999999999999", "year"),
        ("overdue=yes", "overdue"),
        ("overdue=2", "overdue"),
        ("page=x", "page"),
    ],
)
def test_a_filter_it_cannot_read_is_a_400(client, lead, plan, query, field):
    client.force_login(lead)
    response = client.get(f"/o/acme/api/actions/?{query}")
    assert response.status_code == 400
    if field:
        assert list(response.json()) == [field]


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.QUALITY_LEAD, Role.ASSESSOR, Role.GOVERNING_BODY]
)
def test_every_member_reads_them_as_on_the_actions_pages(client, member_of, plan, role):
    member = member_of(plan["late"].organisation, role)
    client.force_login(member)
    assert client.get("/o/acme/actions/").status_code == 200  # the page allows it too
    assert len(listed(client)) == 3
    assert client.get(f"/o/acme/api/actions/{plan['late'].pk}/").status_code == 200


def test_read_only(client, lead, plan):
    client.force_login(lead)
    for path in ["/o/acme/api/actions/", f"/o/acme/api/actions/{plan['late'].pk}/"]:
        for method in ["post", "put", "patch", "delete"]:
            response = getattr(client, method)(path, {}, content_type="application/json")
            assert response.status_code == 405, (method, path)
    assert Action.objects.count() == 3


def test_another_organisations_action_is_not_found(client, lead, plan, other_org, outsider):
    theirs = ActionFactory(raised_in__organisation=other_org)
    client.force_login(lead)
    for pk in [theirs.pk, 0, 99999999999999999999]:
        assert client.get(f"/o/acme/api/actions/{pk}/").status_code == 404, pk
    assert theirs.pk not in [a["id"] for a in client.get("/o/acme/api/actions/").json()["results"]]
    client.force_login(outsider)
    assert client.get(f"/o/acme/api/actions/{plan['late'].pk}/").status_code == 404
    assert client.get(f"/o/elsewhere/api/actions/{plan['late'].pk}/").status_code == 404
    assert [a["id"] for a in client.get("/o/elsewhere/api/actions/").json()["results"]] == [
        theirs.pk
    ]


def test_a_token_reads_them(lead, plan, token_client):
    response = token_client(lead).get("/o/acme/api/actions/?overdue=1")
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [plan["late"].pk]


def test_a_page_at_a_time(client, lead, plan):
    client.force_login(lead)
    body = client.get("/o/acme/api/actions/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"].endswith("/o/acme/api/actions/?page=2&page_size=2")
