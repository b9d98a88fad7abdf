"""What an upload is sent besides its files: the year and element to link to, the evidence
date and the review-by date. Bad values get a clear message, never a 500, and store nothing."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from evidence import services
from evidence.forms import UploadForm, one_year_after
from evidence.models import Evidence, EvidenceLink
from evidence.reminders import send_review_reminders
from tests.evidence import samples
from tests.factories import AssessmentFactory, ElementFactory, ElementResultFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def upload_url(org) -> str:
    return reverse("org:evidence-upload", args=[org.slug])


def post_upload(client, org, data=samples.PDF, name="a.pdf", **fields):
    response = client.post(upload_url(org), {"files": samples.upload(name, data), **fields}, **JSON)
    return response, json.loads(response.content)


def stored_files(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


@pytest.fixture
def year(org):
    element = ElementFactory(ref="1.1.1")
    assessment = AssessmentFactory(organisation=org, standard=element.standard, year=2018)
    ElementResultFactory(assessment=assessment, element=element)
    return assessment


# --- the year and element of the link ----------------------------------------------------------


@pytest.mark.parametrize(
    "year_value",
    ["²⁰¹⁸", "٢٠١٨", "２０１８", "+2018", " 2018_", "2018\x00", "9" * 400, "-2018"],
    ids=["superscript", "arabic-indic", "fullwidth", "plus", "underscore", "nul", "huge", "neg"],
)
def test_a_year_not_written_in_ascii_digits_is_refused(
    client, org, lead, year, media_root, year_value
):
    client.force_login(lead)
    response = client.post(
        upload_url(org),
        {"files": samples.upload("a.pdf", samples.PDF), "year": year_value, "ref": "1.1.1"},
        **JSON,
    )
    assert response.status_code == 400
    if response["Content-Type"] == "application/json":
        message = json.loads(response.content)["message"]
        assert "give both a year and an element" in message
    assert not Evidence.objects.exists() and not EvidenceLink.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "ref", ["1.1.1\x00", "١.١.١", "1" * 5000, "1.1.1\u202e"], ids=["nul", "arabic", "long", "rlo"]
)
def test_a_ref_that_is_not_one_is_refused(client, org, lead, year, ref):
    client.force_login(lead)
    response = client.post(
        upload_url(org),
        {"files": samples.upload("a.pdf", samples.PDF), "year": "2018", "ref": ref},
        **JSON,
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_an_ascii_year_still_links(client, org, lead, year):
    client.force_login(lead)
    response, result = post_upload(client, org, year=" 2018 ", ref="1.1.1")
    assert response.status_code == 201
    assert EvidenceLink.objects.get().assessment == year


# --- the evidence date and the review-by date --------------------------------------------------


def test_the_dates_given_are_stored(client, org, lead):
    client.force_login(lead)
    response, result = post_upload(client, org, evidence_date="2024-03-01", review_by="2025-03-01")
    assert response.status_code == 201
    item = Evidence.objects.get()
    assert (item.evidence_date, item.review_by) == (date(2024, 3, 1), date(2025, 3, 1))


def test_without_dates_the_visible_defaults_apply(client, org, lead):
    """A client that sends no date fields gets what the form shows: today, a year later."""
    client.force_login(lead)
    post_upload(client, org)
    item = Evidence.objects.get()
    today = timezone.localdate()
    assert item.evidence_date == today
    assert item.review_by == one_year_after(today)


def test_dates_left_empty_are_no_dates(client, org, lead):
    client.force_login(lead)
    post_upload(client, org, evidence_date="", review_by="")
    item = Evidence.objects.get()
    assert (item.evidence_date, item.review_by) == (None, None)


def test_one_year_after_a_leap_day():
    assert one_year_after(date(2024, 2, 29)) == date(2025, 2, 28)
    assert one_year_after(date(2024, 3, 1)) == date(2025, 3, 1)
    assert one_year_after(date(9999, 6, 1)) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"evidence_date": "2024-02-30"}, "Give the evidence date as a date"),
        ({"evidence_date": "yesterday"}, "Give the evidence date as a date"),
        ({"review_by": "10000-01-01"}, "Give the review-by date as a date"),
        ({"review_by": "2024-01-01\x00"}, "Give the review-by date as a date"),
        ({"review_by": "x" * 100_000}, "Give the review-by date as a date"),
        (
            {"evidence_date": "2024-03-01", "review_by": "2024-02-01"},
            "The review-by date cannot be before the evidence date",
        ),
    ],
    ids=["no-such-day", "word", "year-10000", "nul", "huge", "review-before-evidence"],
)
def test_bad_dates_are_refused_and_store_nothing(client, org, lead, media_root, fields, message):
    client.force_login(lead)
    response = client.post(
        upload_url(org), {"files": samples.upload("a.pdf", samples.PDF), **fields}, **JSON
    )
    assert response.status_code == 400
    if response["Content-Type"] == "application/json":
        assert message in json.loads(response.content)["message"]
    assert not Evidence.objects.exists()
    assert stored_files(media_root) == []


def test_a_plain_post_with_a_bad_date_says_why(client, org, lead):
    client.force_login(lead)
    response = client.post(
        upload_url(org),
        {
            "files": samples.upload("a.pdf", samples.PDF),
            "evidence_date": "2024-03-01",
            "review_by": "2023-03-01",
            "next": reverse("org:evidence-add", args=[org.slug]),
        },
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("review-by date cannot be before the evidence date" in m for m in shown)
    assert not Evidence.objects.exists()


def test_the_upload_form_on_its_own():
    form = UploadForm({"evidence_date": "2024-03-01", "review_by": "2024-03-01"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["review_by"] == date(2024, 3, 1)


def test_an_uploaded_file_reaches_the_review_reminders(client, org, lead):
    client.force_login(lead)
    soon = timezone.localdate() + timedelta(days=10)
    post_upload(
        client, org, evidence_date=timezone.localdate().isoformat(), review_by=soon.isoformat()
    )
    assert send_review_reminders() == 1
    assert "a" in mail.outbox[0].body


# --- the uploader shows both dates with their defaults ----------------------------------------


def render_uploader(org, **context):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    return render_to_string(
        "evidence/_uploader.html", {"organisation": org, **context}, request=request
    )


@pytest.mark.parametrize(
    "context", [{}, {"year": 2018, "ref": "1.1.1"}], ids=["library", "element"]
)
def test_the_uploader_asks_for_both_dates_with_visible_defaults(org, context):
    html = render_uploader(org, **context)
    today = timezone.localdate()
    assert 'type="date" name="evidence_date"' in html
    assert f'value="{today.isoformat()}"' in html
    assert 'type="date" name="review_by"' in html
    assert f'value="{one_year_after(today).isoformat()}"' in html
    assert "Evidence date" in html and "Review by" in html


def test_the_add_page_and_the_element_page_carry_the_dates(client, org, lead, year):
    client.force_login(lead)
    add = client.get(reverse("org:evidence-add", args=[org.slug])).content.decode()
    assert 'name="evidence_date"' in add and 'name="review_by"' in add
    element_page = client.get(
        reverse("org:element", args=[org.slug, 2018, "1.1.1"])
    ).content.decode()
    assert 'name="evidence_date"' in element_page and 'name="review_by"' in element_page


def test_no_date_when_a_service_caller_gives_none(org, lead):
    item = services.add_file(
        org, services.check_upload(samples.upload("a.pdf", samples.PDF)), acting_user=lead
    )
    assert (item.evidence_date, item.review_by) == (None, None)
