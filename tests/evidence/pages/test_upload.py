"""Uploading files: JSON for the uploader script, messages for a plain post."""

import json

import pytest

from assessments.models import Assessment
from evidence import services
from evidence.models import Evidence, EvidenceLink
from tests.evidence import samples
from tests.evidence.pages.support import JSON, body, messages_of, url
from tests.factories import (
    AssessmentFactory,
)

pytestmark = pytest.mark.django_db


# --- uploading ---------------------------------------------------------------------------------


def upload_json(client, org, name, data, **extra):
    response = client.post(
        url("evidence-upload", org), {"files": samples.upload(name, data), **extra}, **JSON
    )
    return response, json.loads(response.content)


def test_json_upload_created(client, org, lead):
    client.force_login(lead)
    response, result = upload_json(client, org, "Survey results.xlsx", samples.xlsx())
    assert response.status_code == 201
    item = Evidence.objects.get()
    assert result == {
        "status": "created",
        "id": item.pk,
        "title": "Survey results",
        "url": url("evidence-detail", org, item.pk),
        "message": "“Survey results.xlsx” was added as “Survey results”.",
    }
    assert item.content_type == samples_type("xlsx")


def samples_type(kind):
    from evidence import filetypes

    return {"xlsx": filetypes.XLSX.content_type}[kind]


def test_json_upload_duplicate(client, org, lead):
    client.force_login(lead)
    upload_json(client, org, "a.pdf", samples.PDF)
    existing = Evidence.objects.get()
    response, result = upload_json(client, org, "again.pdf", samples.PDF)
    assert response.status_code == 409
    assert result["status"] == "duplicate"
    assert result["existing"] == {
        "id": existing.pk,
        "title": "a",
        "url": url("evidence-detail", org, existing.pk),
    }
    assert "“again.pdf” is already in the library" in result["message"]
    assert Evidence.objects.count() == 1


def test_json_upload_refuses_an_exe_renamed_pdf(client, org, lead):
    client.force_login(lead)
    response, result = upload_json(client, org, "minutes.pdf", samples.EXE)
    assert response.status_code == 400
    assert result["status"] == "refused"
    assert "“minutes.pdf” is a Windows program" in result["message"]
    assert not Evidence.objects.exists()


def test_json_upload_refuses_an_oversize_file(client, org, lead, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    client.force_login(lead)
    big = samples.PDF + b"0" * (1024 * 1024)
    response, result = upload_json(client, org, "scan.pdf", big)
    assert response.status_code == 400
    assert result == {
        "status": "refused",
        "message": "“scan.pdf” is 1.1 MB: files may be at most 1 MB.",
    }


def test_json_upload_without_a_file(client, org, lead):
    client.force_login(lead)
    response = client.post(url("evidence-upload", org), {}, **JSON)
    assert response.status_code == 400
    assert json.loads(response.content)["status"] == "refused"


def test_json_upload_takes_one_file_and_stores_nothing_else(client, org, lead):
    """The uploader's script sends one file a request; the JSON answer is for one file."""
    client.force_login(lead)
    files = [samples.upload("a.pdf", samples.PDF), samples.upload("b.png", samples.png())]
    response = client.post(url("evidence-upload", org), {"files": files}, **JSON)
    assert response.status_code == 400
    result = json.loads(response.content)
    assert result["status"] == "refused" and "send one file a request" in result["message"]
    assert not Evidence.objects.exists()


def test_plain_upload_of_many_files_gives_a_message_each(client, org, lead):
    client.force_login(lead)
    services.add_file(
        org, services.check_upload(samples.upload("old.pdf", samples.PDF)), acting_user=lead
    )
    files = [
        samples.upload("photo.png", samples.png()),
        samples.upload("letter.eml", samples.EML),
        samples.upload("again.pdf", samples.PDF),
        samples.upload("setup.pdf", samples.EXE),
    ]
    response = client.post(
        url("evidence-upload", org),
        {"files": files, "next": url("evidence-add", org)},
        follow=True,
    )
    assert response.redirect_chain == [(url("evidence-add", org), 302)]
    shown = messages_of(response)
    assert len(shown) == 4
    assert "“photo.png” was added as “photo”" in shown[0]
    assert "“letter.eml” was added" in shown[1]
    assert "“again.pdf” is already in the library as “old”" in shown[2]
    existing = Evidence.objects.get(title="old")
    assert url("evidence-detail", org, existing.pk) in shown[2]  # a link to the existing item
    assert "“setup.pdf” is a Windows program" in shown[3]
    assert set(Evidence.objects.values_list("title", flat=True)) == {"old", "photo", "letter"}
    page = body(response)
    assert "alert-danger" in page and "alert-warning" in page


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "", "javascript:x"]
)
def test_plain_upload_never_returns_to_another_site(client, org, lead, next_url):
    client.force_login(lead)
    response = client.post(
        url("evidence-upload", org),
        {"files": samples.upload("a.pdf", samples.PDF), "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == url("evidence-list", org)


def test_upload_with_year_and_ref_links_each_new_item(client, org, lead, element, year):
    client.force_login(lead)
    response, result = upload_json(
        client, org, "profile.pdf", samples.PDF, year="2018", ref="1.1.1"
    )
    assert response.status_code == 201
    assert "linked to 1.1.1 in 2018" in result["message"]
    link = EvidenceLink.objects.get()
    assert (link.evidence_id, link.assessment, link.element) == (result["id"], year, element)
    assert link.created_by == lead


@pytest.mark.parametrize(
    ("year_value", "ref", "message"),
    [
        ("2018", "", "give both a year and an element"),
        ("abc", "1.1.1", "give both a year and an element"),
        ("20181", "1.1.1", "give both a year and an element"),
        ("2031", "1.1.1", "There is no 2031 assessment"),
        ("2018", "9.9.9", "Element 9.9.9 is not part of the standard of 2018"),
    ],
)
def test_upload_to_an_unusable_year_or_element_is_refused(
    client, org, lead, element, year, year_value, ref, message
):
    client.force_login(lead)
    response, result = upload_json(client, org, "a.pdf", samples.PDF, year=year_value, ref=ref)
    assert response.status_code == 400
    assert message in result["message"]
    assert not Evidence.objects.exists()


def test_upload_to_a_finalised_year_is_refused(client, org, lead, element, year):
    year.status = Assessment.Status.FINALISED
    year.save()
    client.force_login(lead)
    response, result = upload_json(client, org, "a.pdf", samples.PDF, year="2018", ref="1.1.1")
    assert response.status_code == 400
    assert "2018 is finalised" in result["message"]
    assert not Evidence.objects.exists()


def test_upload_to_another_orgs_year_is_refused(client, org, other_org, lead, element):
    AssessmentFactory(organisation=other_org, standard=element.standard, year=2018)
    client.force_login(lead)
    response, result = upload_json(client, org, "a.pdf", samples.PDF, year="2018", ref="1.1.1")
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_the_upload_url_takes_only_post(client, org, lead):
    client.force_login(lead)
    assert client.get(url("evidence-upload", org)).status_code == 405
