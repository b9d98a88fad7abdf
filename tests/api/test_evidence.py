"""The evidence library in the API: each item's details (title, kind, dates, owner, the
elements it supports year by year, a file's name, type and size), never a file's contents; a
download link only for the roles that may open files (not the governing body)."""

import datetime

import pytest

from evidence.models import Evidence
from organisations.models import Role
from tests.factories import EvidenceFactory, EvidenceLinkFactory, FileEvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(seeded, y2018, y2017, element, lead, settings, tmp_path):
    """A file linked to 1.1.1 in 2017 and 2018, a web link linked in 2017, and a note."""
    settings.MEDIA_ROOT = tmp_path
    policy = FileEvidenceFactory(
        organisation=seeded,
        created_by=lead,
        title="Customer insight policy",
        evidence_date=datetime.date(2018, 3, 1),
        review_by=datetime.date(2000, 1, 1),
    )
    EvidenceLinkFactory(evidence=policy, assessment=y2017, element=element)
    EvidenceLinkFactory(evidence=policy, assessment=y2018, element=element, carried_forward=True)
    web = EvidenceFactory(organisation=seeded, created_by=lead, title="Survey results page")
    EvidenceLinkFactory(evidence=web, assessment=y2017, element=element)
    note = EvidenceFactory(
        organisation=seeded, kind="note", url="", body="Private words.", title="Visit note"
    )
    return {"policy": policy, "web": web, "note": note}


def items_by_title(client) -> dict[str, dict]:
    body = client.get("/o/acme/api/evidence/").json()
    return {item["title"]: item for item in body["results"]}


def test_a_files_details_and_its_links_for_the_quality_lead(client, lead, library):
    client.force_login(lead)
    policy = library["policy"]
    item = items_by_title(client)["Customer insight policy"]
    assert item["kind"] == "file"
    assert (item["evidence_date"], item["review_by"]) == ("2018-03-01", "2000-01-01")
    assert item["is_overdue"] is True
    assert item["owner"] == {"name": lead.get_full_name(), "email": lead.email}
    assert item["web_address"] is None
    assert item["links"] == [
        {"year": 2017, "ref": "1.1.1", "carried_forward": False, "needs_confirmation": False},
        {"year": 2018, "ref": "1.1.1", "carried_forward": True, "needs_confirmation": True},
    ]
    assert item["file"] == {
        "filename": policy.original_filename,
        "content_type": "application/pdf",
        "size": 16,
        "sha256": policy.sha256,
        "uploaded_at": item["file"]["uploaded_at"],
        "download_url": f"http://testserver/o/acme/evidence/{policy.pk}/download/",
    }
    assert item["url"] == f"http://testserver/o/acme/api/evidence/{policy.pk}/"
    assert client.get(item["file"]["download_url"]).status_code == 200  # a real link


def test_the_governing_body_sees_the_details_but_no_download_link(client, board, library):
    client.force_login(board)
    item = items_by_title(client)["Customer insight policy"]
    assert item["file"]["filename"] == library["policy"].original_filename
    assert item["file"]["download_url"] is None
    assert "/download/" not in client.get("/o/acme/api/evidence/").content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.QUALITY_LEAD, Role.ASSESSOR])
def test_the_roles_that_open_files_get_the_download_link(client, member_of, library, role):
    client.force_login(member_of(library["policy"].organisation, role))
    assert items_by_title(client)["Customer insight policy"]["file"]["download_url"]


def test_never_a_files_contents_or_a_notes_words(client, lead, library):
    client.force_login(lead)
    page = client.get("/o/acme/api/evidence/").content.decode()
    library["policy"].file.open("rb")
    contents = library["policy"].file.read().decode()
    assert contents not in page
    assert "Private words." not in page
    item = items_by_title(client)["Visit note"]
    assert item["file"] is None and item["web_address"] is None


def test_a_web_link_gives_its_address(client, lead, library):
    client.force_login(lead)
    item = items_by_title(client)["Survey results page"]
    assert item["web_address"] == library["web"].url and item["file"] is None


def titles(client, query: str) -> list[str]:
    response = client.get(f"/o/acme/api/evidence/?{query}")
    return [item["title"] for item in response.json()["results"]]


def test_filters_by_kind_and_year(client, lead, library):
    client.force_login(lead)
    assert titles(client, "kind=file") == ["Customer insight policy"]
    assert sorted(titles(client, "year=2017")) == ["Customer insight policy", "Survey results page"]
    assert titles(client, "year=2018") == ["Customer insight policy"]
    assert titles(client, "year=2018&kind=link") == []
    assert titles(client, "year=2030") == []
    assert len(titles(client, "year=&kind=")) == 3  # empty: no filter


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=pdf", "kind"),
        ("kind=%00", None),  # the middleware's 400 for a NUL byte
        ("year=18", "year"),
        ("year=abc", "year"),
        ("year=%D9%A2%D9%A0%D9%A1%D9%A8", "year"),  # ٢٠١٨
        ("year=99999999999999999999", "year"),
        ("year=%20", "year"),
    ],
)
def test_a_filter_it_cannot_read_is_a_400(client, lead, library, query, field):
    client.force_login(lead)
    response = client.get(f"/o/acme/api/evidence/?{query}")
    assert response.status_code == 400
    if field:
        assert list(response.json()) == [field]


def test_one_item_and_another_organisations_item(client, lead, library, other_org):
    client.force_login(lead)
    policy = library["policy"]
    body = client.get(f"/o/acme/api/evidence/{policy.pk}/").json()
    assert body == items_by_title(client)["Customer insight policy"]
    theirs = EvidenceFactory(organisation=other_org)
    for pk in [theirs.pk, 0, 99999999999999999999]:
        assert client.get(f"/o/acme/api/evidence/{pk}/").status_code == 404, pk


def test_newest_first_a_page_at_a_time(client, lead, library):
    client.force_login(lead)
    body = client.get("/o/acme/api/evidence/?page_size=2").json()
    assert (
        body["count"] == Evidence.objects.filter(organisation=library["note"].organisation).count()
    )
    newest = Evidence.objects.order_by("-created_at", "-pk")[:2]
    assert [i["id"] for i in body["results"]] == [e.pk for e in newest]
    assert body["next"].endswith("/o/acme/api/evidence/?page=2&page_size=2")
