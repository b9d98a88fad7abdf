"""Editing details, replacing the file, deleting an item."""

import pytest

from evidence import services
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from tests.evidence import samples
from tests.evidence.pages.support import body, messages_of, url
from tests.factories import (
    EvidenceFactory,
    EvidenceLinkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- editing, replacing, deleting --------------------------------------------------------------


def test_edit_details(client, org, lead, item):
    client.force_login(lead)
    form = body(client.get(url("evidence-edit", org, item.pk)))
    assert 'value="policy v1"' in form
    response = client.post(
        url("evidence-edit", org, item.pk),
        {"title": "Complaints policy", "description": "2024 edition", "owner": lead.pk,
         "evidence_date": "2024-01-31", "review_by": ""},
    )  # fmt: skip
    assert response["Location"] == url("evidence-detail", org, item.pk)
    item.refresh_from_db()
    assert (item.title, item.description, str(item.evidence_date)) == (
        "Complaints policy",
        "2024 edition",
        "2024-01-31",
    )
    assert item.history.first().history_user == lead


def test_edit_with_an_empty_title_keeps_what_was_typed(client, org, lead, item):
    client.force_login(lead)
    response = client.post(
        url("evidence-edit", org, item.pk), {"title": " ", "description": "Typed text"}
    )
    assert response.status_code == 200
    assert "Give the item a title." in body(response)
    assert "Typed text" in body(response)
    item.refresh_from_db()
    assert item.title == "policy v1"


def test_edit_keeps_an_owner_who_has_left(client, org, lead, item):
    former = UserFactory(full_name="Fay Former")
    Evidence.objects.filter(pk=item.pk).update(owner=former)
    client.force_login(lead)
    form = body(client.get(url("evidence-edit", org, item.pk)))
    assert "Fay Former" in form and "no longer a member" in form
    response = client.post(
        url("evidence-edit", org, item.pk), {"title": "Renamed", "owner": former.pk}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.owner) == ("Renamed", former)


def test_edit_a_link_checks_the_address(client, org, lead):
    link_item = EvidenceFactory(organisation=org, owner=lead)
    client.force_login(lead)
    response = client.post(
        url("evidence-edit", org, link_item.pk), {"title": "T", "url": "ftp://x.example/"}
    )
    assert response.status_code == 200
    assert "starts with https://" in body(response)


def test_replace_the_file(client, org, lead, item):
    client.force_login(lead)
    response = client.post(
        url("evidence-replace", org, item.pk),
        {"file": samples.upload("policy v3.docx", samples.docx())},
        follow=True,
    )
    assert response.redirect_chain == [(url("evidence-detail", org, item.pk), 302)]
    page = body(response)
    assert "policy v3.docx" in page and "Word document" in page
    assert "Earlier versions (2)" in page
    assert "policy v2.pdf" in page and "policy v1.pdf" in page
    assert EvidenceVersion.objects.filter(evidence=item).count() == 2


def test_replace_refusals_stay_on_the_page(client, org, lead, item):
    other = services.add_file(
        org,
        services.check_upload(samples.upload("other.pdf", samples.unique_pdf(7))),
        acting_user=lead,
    )
    client.force_login(lead)
    path = url("evidence-replace", org, item.pk)
    refused = client.post(path, {"file": samples.upload("v3.pdf", samples.EXE)})
    assert refused.status_code == 200
    assert "“v3.pdf” is a Windows program" in body(refused)
    duplicate = client.post(path, {"file": samples.upload("copy.pdf", samples.unique_pdf(7))})
    assert "already in the library" in body(duplicate)
    assert url("evidence-detail", org, other.pk) in body(duplicate)
    missing = client.post(path, {})
    assert "Choose the file that replaces the current one." in body(missing)
    assert EvidenceVersion.objects.filter(evidence=item).count() == 1


def test_only_file_items_have_a_replace_page(client, org, lead):
    client.force_login(lead)
    note = EvidenceFactory(organisation=org, kind="note", body="b")
    assert client.get(url("evidence-replace", org, note.pk)).status_code == 404


def test_delete_asks_then_deletes(
    client, org, lead, item, element, year, django_capture_on_commit_callbacks
):
    EvidenceLinkFactory(evidence=item, assessment=year, element=element)
    client.force_login(lead)
    confirm = body(client.get(url("evidence-delete", org, item.pk)))
    assert "It supports 1 element" in confirm and "that link goes with it" in confirm
    assert Evidence.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("evidence-delete", org, item.pk), follow=True)
    assert response.redirect_chain == [(url("evidence-list", org), 302)]
    assert "“policy v1” was deleted, with its 1 link to elements." in messages_of(response)
    assert not Evidence.objects.exists() and not EvidenceLink.objects.exists()
    assert Evidence.history.filter(history_type="-").get().history_user == lead
