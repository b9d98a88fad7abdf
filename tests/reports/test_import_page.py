"""Importing an Annex One from the browser: upload, preview of exactly what changes, confirm
(reports.import_views). Admins and quality leads only; all or nothing, as the command."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from assessments.models import Assessment, ElementResult
from organisations.models import Role
from reports.import_views import SESSION_KEY
from reports.spreadsheets import annex_one_csv

pytestmark = pytest.mark.django_db


def upload_url(org) -> str:
    return reverse("org:progression-import", args=[org.slug])


def confirm_url(org) -> str:
    return reverse("org:progression-import-confirm", args=[org.slug])


def upload(client, org, content: bytes, name: str = "annex.csv"):
    return client.post(upload_url(org), {"file": SimpleUploadedFile(name, content)})


def hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no hidden {name} in the page"
    return match[1]


def confirm(client, org, preview):
    return client.post(
        confirm_url(org), {"key": hidden(preview, "key"), "plan": hidden(preview, "plan")}
    )


def cell(org, year: int, ref: str) -> tuple[bool, str]:
    result = ElementResult.objects.get(
        assessment__organisation=org, assessment__year=year, element__ref=ref
    )
    return result.sampled, result.rating


# A hand-made change to 2018 (assessor review, not finalised) and a new year 2019:
# 1.1.1 X CP → X C (changed), 1.1.2 CP → "" (cleared), 2019: 1.1.1 "X NC" (added), 1.1.2 "".
HAND_MADE = b"ref,2018,2019\n1.1.1,X C,X NC\n1.1.2,,\n1.1.3,CP,\n"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.QUALITY_LEAD])
def test_admins_and_quality_leads_may_import(client, seeded, member_of, role):
    client.force_login(member_of(seeded, role))
    page = client.get(upload_url(seeded))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    progression = client.get(reverse("org:progression", args=[seeded.slug])).content.decode()
    assert "Import a spreadsheet…" in progression


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.GOVERNING_BODY])
def test_the_board_and_assessors_may_not(client, seeded, member_of, role):
    client.force_login(member_of(seeded, role))
    assert client.get(upload_url(seeded)).status_code == 403
    assert upload(client, seeded, HAND_MADE).status_code == 403
    assert client.post(confirm_url(seeded), {"key": "x", "plan": "y"}).status_code == 403
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")
    progression = client.get(reverse("org:progression", args=[seeded.slug])).content.decode()
    assert "Download CSV" in progression and "Download XLSX" in progression
    assert "Import a spreadsheet" not in progression


def test_the_preview_shows_what_changes_and_writes_nothing(client, seeded, lead):
    client.force_login(lead)
    history = ElementResult.history.count()
    preview = upload(client, seeded, HAND_MADE)
    assert preview.status_code == 200
    page = preview.content.decode()
    counts = re.search(r'<ul id="import-counts">(.*?)</ul>', page, re.S)[1]
    words = " ".join(re.sub(r"<[^>]+>", " ", counts).split())
    assert "create 1 year: 2019" in words
    assert "add 1 cell (empty now)" in words  # 2019 1.1.1 X NC
    assert "change 1 cell" in words  # 2018 1.1.1 X CP → X C
    assert "clear 1 cell" in words  # 2018 1.1.2 CP → empty
    assert "confirm" not in words  # no carried-forward rating here
    assert "72 results will be created and 2 changed" in page
    assert "Import these changes" in page
    # Nothing written yet.
    assert not Assessment.objects.filter(organisation=seeded, year=2019).exists()
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")
    assert ElementResult.history.count() == history


def test_confirming_applies_the_plan_with_the_users_name(client, seeded, lead):
    client.force_login(lead)
    preview = upload(client, seeded, HAND_MADE)
    response = confirm(client, seeded, preview)
    assert response.status_code == 302
    assert response["Location"] == reverse("org:progression", args=[seeded.slug])
    assert cell(seeded, 2018, "1.1.1") == (True, "C")
    assert cell(seeded, 2018, "1.1.2") == (False, "")
    assert cell(seeded, 2019, "1.1.1") == (True, "NC")
    changed = ElementResult.objects.get(assessment__year=2018, element__ref="1.1.1")
    assert changed.history.latest().history_user == lead
    assert Assessment.objects.get(organisation=seeded, year=2019).history.get().history_user == (
        lead
    )
    assert SESSION_KEY not in client.session
    # The same confirmation again finds no preview: nothing is written twice.
    again = confirm(client, seeded, preview)
    assert again.status_code == 302 and again["Location"] == upload_url(seeded)


def test_the_confirmation_is_refused_if_the_data_changed_since_the_preview(client, seeded, lead):
    client.force_login(lead)
    preview = upload(client, seeded, HAND_MADE)
    # Meanwhile an assessor's mark on a cell the import changes.
    ElementResult.objects.filter(assessment__year=2018, element__ref="1.1.2").update(rating="PC")
    response = confirm(client, seeded, preview)
    assert response.status_code == 409
    assert "the chart changed since your preview" in response.content.decode()
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")  # nothing written
    assert not Assessment.objects.filter(organisation=seeded, year=2019).exists()
    # The new preview's confirmation goes through.
    assert confirm(client, seeded, response).status_code == 302
    assert cell(seeded, 2018, "1.1.2") == (False, "")


def test_a_forged_plan_or_key_writes_nothing(client, seeded, lead):
    client.force_login(lead)
    preview = upload(client, seeded, HAND_MADE)
    forged = client.post(confirm_url(seeded), {"key": hidden(preview, "key"), "plan": "0" * 64})
    assert forged.status_code == 409
    wrong_key = client.post(confirm_url(seeded), {"key": "f" * 64, "plan": hidden(preview, "plan")})
    assert wrong_key.status_code == 302
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")


def test_a_preview_kept_for_one_organisation_is_not_applied_to_another(
    client, seeded, other_org, lead, member_of, cse_standard
):
    member_of(other_org, Role.ADMIN)
    other_lead = member_of(other_org, Role.QUALITY_LEAD)
    client.force_login(lead)
    preview = upload(client, seeded, HAND_MADE)
    # Same browser session, now signed in with another org's lead? Use the session directly:
    session = client.session
    stored = session[SESSION_KEY]
    client.force_login(other_lead)
    session = client.session
    session[SESSION_KEY] = stored
    session.save()
    response = confirm(client, other_org, preview)
    assert response.status_code == 302 and response["Location"] == upload_url(other_org)
    assert not Assessment.objects.filter(organisation=other_org).exists()


def test_an_export_imports_back_as_nothing_to_do(client, seeded, lead):
    client.force_login(lead)
    csv = client.get(reverse("org:progression-export-csv", args=[seeded.slug])).content
    preview = upload(client, seeded, csv, "annex-one.csv")
    page = preview.content.decode()
    assert "Nothing to import: the chart already matches annex-one.csv" in page
    assert "Import these changes" not in page
    xlsx = client.get(reverse("org:progression-export-xlsx", args=[seeded.slug])).content
    preview = upload(client, seeded, xlsx, "annex-one.xlsx")
    assert "Nothing to import" in preview.content.decode()
    assert annex_one_csv(seeded) == csv.decode()


def test_an_xlsx_upload_previews_its_changes(client, seeded, lead):
    workbook = Workbook()
    workbook.active.append(["ref", 2018])
    workbook.active.append(["1.1.1", "X PC"])
    out = io.BytesIO()
    workbook.save(out)
    client.force_login(lead)
    preview = upload(client, seeded, out.getvalue(), "chart.xlsx")
    page = preview.content.decode()
    assert "change 1 cell" in " ".join(page.split())
    assert confirm(client, seeded, preview).status_code == 302
    assert cell(seeded, 2018, "1.1.1") == (True, "PC")


def test_a_bad_file_lists_its_problems_by_row_and_column(client, seeded, lead):
    client.force_login(lead)
    bad = b"ref,2018,20x9\n1.1.1,X C,\n7.7.7,C,\n1.1.2,=cmd|' /C calc'!A0,\n"
    response = upload(client, seeded, bad, "bad.csv")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 problems in bad.csv" in page and "nothing was imported" in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([A-Z]+)[^<]*</td><td>([^<]*)</td></tr>", page)
    assert [(line, column) for line, column, _ in rows] == [("1", "C"), ("3", "A"), ("4", "B")]
    assert "is not an element or sub-element" in rows[1][2]
    assert SESSION_KEY not in client.session
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")


def test_a_finalised_year_is_refused_as_the_command_refuses_it(client, seeded, lead):
    client.force_login(lead)
    response = upload(client, seeded, b"ref,2017,2018\n1.1.1,NC,X C\n")
    page = response.content.decode()
    assert "the 2017 assessment is finalised" in page
    assert "Import these changes" not in page
    assert cell(seeded, 2017, "1.1.1") == (False, "CP")
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "report.pdf", "not a CSV or XLSX file"),
        (b"PK\x03\x04garbage", "chart.xlsx", "cannot be read as an Excel workbook"),
        (b"ref,2018\n1.1.1,C\xff\n", "latin1.csv", "not UTF-8"),
    ],
)
def test_what_is_not_a_spreadsheet_is_refused_with_a_message(
    client, seeded, lead, content, name, message
):
    client.force_login(lead)
    response = upload(client, seeded, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_no_file_asks_for_one(client, seeded, lead):
    client.force_login(lead)
    response = client.post(upload_url(seeded), {})
    assert "Choose the CSV or XLSX file" in response.content.decode()


def test_an_oversize_upload_is_refused(client, seeded, lead):
    client.force_login(lead)
    response = upload(client, seeded, b"ref,2018\n" + b"#" * (3 * 1024 * 1024), "big.csv")
    assert "at most 2 MB" in response.content.decode()


def test_a_carried_forward_rating_is_counted_as_confirmed(client, seeded, lead):
    ElementResult.objects.filter(assessment__year=2018, element__ref="1.1.3").update(
        carried_forward=True
    )
    client.force_login(lead)
    preview = upload(client, seeded, b"ref,2018\n1.1.3,CP\n")
    words = " ".join(re.sub(r"<[^>]+>", " ", preview.content.decode()).split())
    assert "confirm 1 carried-forward rating as that year's assessor's mark" in words
    assert "add 0 cells" in words and "change 0 cells" in words


@pytest.mark.parametrize("value", ["a\x00b", "\u202e" + "f" * 63, "x" * 100_000, ""])
def test_a_malformed_confirmation_writes_nothing(client, seeded, lead, value):
    client.force_login(lead)
    preview = upload(client, seeded, HAND_MADE)
    key = hidden(preview, "key")
    for data in ({"key": value, "plan": hidden(preview, "plan")}, {"key": key, "plan": value}):
        response = client.post(confirm_url(seeded), data)
        assert response.status_code in {302, 400, 409}  # 400: a NUL, refused by middleware
    assert cell(seeded, 2018, "1.1.1") == (True, "CP")
