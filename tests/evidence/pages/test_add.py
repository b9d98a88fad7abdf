"""The add page: files, a web link or a written note."""

import pytest

from evidence.models import Evidence
from organisations.models import Role
from tests.evidence.pages.support import body, url

pytestmark = pytest.mark.django_db


# --- the add page ------------------------------------------------------------------------------


def test_the_add_page_offers_three_ways(client, org, lead):
    client.force_login(lead)
    page = body(client.get(url("evidence-add", org)))
    assert 'enctype="multipart/form-data"' in page
    assert 'name="files"' in page and "multiple" in page
    assert f'action="{url("evidence-upload", org)}"' in page
    assert "evidence-upload.js" in page
    assert "?kind=link" in page and "?kind=note" in page
    assert "Up to 25 MB each" in page
    assert "data-link-url" not in page  # no year or element here
    assert "style=" not in page and "<script>" not in page


def test_add_a_link(client, org, lead, member_of):
    owner = member_of(org, Role.ADMIN)
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {
            "kind": "link",
            "title": "Complaints procedure",
            "url": "https://www.example.org/complaints",
            "description": "Public page",
            "owner": owner.pk,
            "evidence_date": "2024-04-01",
            "review_by": "2025-04-01",
        },
    )
    item = Evidence.objects.get()
    assert response["Location"] == url("evidence-detail", org, item.pk)
    assert (item.kind, item.url, item.owner, str(item.evidence_date), str(item.review_by)) == (
        "link",
        "https://www.example.org/complaints",
        owner,
        "2024-04-01",
        "2025-04-01",
    )
    assert item.created_by == lead


def test_add_a_note(client, org, lead):
    client.force_login(lead)
    client.post(
        url("evidence-add", org),
        {"kind": "note", "title": "Call-backs", "body": "Within a day.", "owner": ""},
    )
    item = Evidence.objects.get()
    assert (item.kind, item.body, item.owner) == ("note", "Within a day.", None)


def test_a_bad_link_re_renders_with_what_was_typed(client, org, lead):
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {
            "kind": "link",
            "title": "My typed title",
            "url": "javascript:alert(1)",
            "description": "My typed description",
            "evidence_date": "not a date",
        },
    )
    assert response.status_code == 200
    page = body(response)
    assert 'value="My typed title"' in page
    assert "My typed description" in page
    assert "Give the evidence date as a date, such as 2025-03-31." in page
    assert "Give a whole web address" in page
    assert not Evidence.objects.exists()


def test_a_link_refused_by_the_service_keeps_the_form(client, org, lead):
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {"kind": "link", "title": "FTP", "url": "ftp://files.example.org/a.pdf"},
    )
    assert response.status_code == 200
    assert "starts with https://" in body(response)
    assert 'value="FTP"' in body(response)


def test_a_note_with_a_stranger_as_owner_is_refused(client, org, lead, outsider):
    client.force_login(lead)
    response = client.post(
        url("evidence-add", org),
        {"kind": "note", "title": "N", "body": "B", "owner": outsider.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in body(response)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("kind", ["file", "junk", ""])
def test_an_unknown_kind_shows_the_uploader(client, org, lead, kind):
    client.force_login(lead)
    response = client.get(url("evidence-add", org), {"kind": kind})
    assert response.status_code == 200
    assert 'name="files"' in body(response)
