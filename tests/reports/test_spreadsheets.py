"""Annex One as spreadsheets: the CSV and XLSX downloads, formula neutralising in every
export, and reading an uploaded CSV or XLSX (reports.spreadsheets)."""

import io
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments.models import ElementResult
from organisations.models import Organisation, Role
from reports.annex_one import AnnexOneError, Cell, neutralise, render_annex_one
from reports.services import plan_annex_one
from reports.spreadsheets import (
    MAX_UPLOAD_BYTES,
    UploadRefused,
    annex_one_csv,
    export_filename,
    read_annex_one,
)
from standards.models import Element
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db

INJECTIONS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
]


# --- neutralise: one function for every export -------------------------------------------------


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_formula_gets_a_quote_before_it(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["X CP", "1.1.1", "", "Plain text = fine", "'=already", " =1"])
def test_other_text_is_left_as_it_is(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [2018, None, 1.5, True])
def test_values_that_are_not_text_are_left_as_they_are(value):
    assert neutralise(value) is value


def test_the_csv_rendering_neutralises_every_cell():
    """The command's export and the page's CSV both render through render_annex_one."""
    text = render_annex_one([2018], {"=1+1": [Cell(rating="C")], "@x": [Cell()]})
    assert text.splitlines() == ["ref,2018", "'=1+1,C", "'@x,"]


# --- the CSV download --------------------------------------------------------------------------


def test_the_csv_is_the_commands_export(client, seeded, board):
    client.force_login(board)  # every member may download, the governing body too
    response = client.get(reverse("org:progression-export-csv", args=[seeded.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = date.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="annex-one-{seeded.slug}-{today}.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    out = io.StringIO()
    call_command("export_annex_one", "--org", seeded.slug, stdout=out)
    assert response.content.decode() == out.getvalue()
    with open("fixtures/demo/annex_one_2014_2018.csv", encoding="utf-8") as seed:
        assert response.content.decode() == seed.read()


def test_the_csv_round_trip_changes_nothing(seeded):
    """Export, then import the export: the plan is empty."""
    refs = set(Element.objects.values_list("ref", flat=True))
    table = read_annex_one(annex_one_csv(seeded).encode(), refs)
    plan = plan_annex_one(seeded, table, acting_user=None)
    assert not plan.changes_anything and plan.changes == [] and plan.problems == []


@pytest.mark.parametrize("role", list(Role))
def test_every_member_may_download_both(client, seeded, member_of, role):
    client.force_login(member_of(seeded, role))
    for name in ("org:progression-export-csv", "org:progression-export-xlsx"):
        response = client.get(reverse(name, args=[seeded.slug]))
        assert response.status_code == 200, (name, role)
        assert response["Content-Disposition"].startswith('attachment; filename="annex-one-')


def test_downloads_refuse_a_post(client, seeded, lead):
    client.force_login(lead)
    assert client.post(reverse("org:progression-export-csv", args=[seeded.slug])).status_code == 405


def test_the_filename_keeps_to_safe_characters():
    organisation = Organisation(slug='a"b\r\nc/../d')
    assert export_filename(organisation, "csv", date(2025, 3, 1)) == (
        "annex-one-a-b-c-d-2025-03-01.csv"
    )
    assert export_filename(Organisation(slug="---"), "xlsx", date(2025, 3, 1)) == (
        "annex-one-organisation-2025-03-01.xlsx"
    )


# --- the XLSX download -------------------------------------------------------------------------


@pytest.fixture
def workbook(client, seeded, lead):
    """The seed organisation's workbook, with a comment, notes and an action that try to run
    as formulas."""
    y2018 = seeded.assessments.get(year=2018)
    result = ElementResult.objects.get(assessment=y2018, element__ref="4.1.2")
    result.comment = INJECTIONS[0]
    result.self_notes = "-1 target missed"
    result.self_rating = "PC"
    result.save()
    ActionFactory(
        raised_in=y2018,
        element=result.element,
        description="@SUM(1) publish the NHS targets",
        owner=lead,
    )
    client.force_login(lead)
    response = client.get(reverse("org:progression-export-xlsx", args=[seeded.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_workbook_has_three_sheets(workbook):
    assert workbook.sheetnames == ["Annex One", "Chart", "Comments and actions"]


def test_its_first_sheet_is_the_import_layout(workbook, seeded):
    rows = rows_of(workbook["Annex One"])
    csv_rows = [line.split(",") for line in annex_one_csv(seeded).splitlines()]
    assert rows[0] == ["ref", 2014, 2015, 2016, 2017, 2018]
    assert [[str(v or "") for v in row] for row in rows] == csv_rows
    assert workbook["Annex One"].freeze_panes == "B2"


def test_the_chart_sheet_is_styled_like_the_chart(workbook):
    sheet = workbook["Chart"]
    rows = rows_of(sheet)
    assert rows[0] == ["Ref", "Element", "2014", "Y1 2015", "Y2 2016", "Y3 2017", "Y4 2018"]
    assert sheet.freeze_panes == "C2"  # the header row and the ref column stay in view
    by_ref = {row[0]: (index, row) for index, row in enumerate(rows, start=1) if row[0]}
    # Criterion and sub-criterion headings, then the element rows.
    assert by_ref["1"][1][1] and by_ref["1.1"][1][1]
    assert by_ref["1"][0] < by_ref["1.1"][0] < by_ref["1.1.1"][0]
    line, row = by_ref["1.1.1"]
    assert row[2:] == ["C", "X CP", "CP", "CP", "X CP"]  # letters always, X for sampled
    fills = {sheet.cell(line, column).fill.fgColor.rgb[-6:] for column in (3, 4)}
    assert fills == {"A8D5A2", "14532D"}  # C and CP each their own fill
    assert sheet.cell(line, 4).font.color.rgb[-6:] == "FFFFFF"  # white on the dark CP
    assert sheet.cell(line, 4).font.bold
    # "Elements sampled" after each criterion; the total 2018 counted from the data: 21.
    sampled = [row for row in rows if row[1] == "Elements sampled"]
    assert len(sampled) == 5
    assert [row[6] for row in sampled] == [4, 4, 4, 5, 4]
    [total] = [row for row in rows if row[1] == "Total elements sampled"]
    assert total[2:] == [0, 25, 19, 18, 21]
    # The key names every rating beside its fill.
    key = {row[0]: row[1] for row in rows if row[0] in {"CP", "C", "PC", "NC", "X"}}
    assert key["PC"] == "Partial Compliance" and key["X"].startswith("Sampled")


def test_the_chart_sheet_heads_its_years_as_the_progression_page_does(client, seeded, lead):
    """A reassessment starts a new cycle: its year is headed by itself, the next "Y1"."""
    from assessments.models import Assessment
    from reports.progression import progression

    seeded.assessments.filter(year=2017).update(kind=Assessment.Kind.REASSESSMENT)
    client.force_login(lead)
    response = client.get(reverse("org:progression-export-xlsx", args=[seeded.slug]))
    header = rows_of(load_workbook(io.BytesIO(response.content))["Chart"])[0]
    page_labels = [column.label for column in progression(seeded).columns]
    assert header == ["Ref", "Element", "2014", "Y1 2015", "Y2 2016", "2017", "Y1 2018"]
    assert header[2:] == page_labels


def test_the_comments_sheet_holds_every_result_with_its_notes_and_actions(workbook):
    sheet = workbook["Comments and actions"]
    rows = rows_of(sheet)
    assert rows[0][:3] == ["Year", "Ref", "Element"]
    assert len(rows) == 1 + 5 * 72  # every element and sub-element, every year
    [row] = [r for r in rows if r[0] == 2018 and r[1] == "4.1.2"]
    values = dict(zip(rows[0], row, strict=True))
    assert values["Rating"] == "PC"
    assert values["Self-rating"] == "PC"
    # Neutralised: written as text with a quote before it, never as a formula.
    assert values["Assessor's comment"] == "'" + INJECTIONS[0]
    assert values["Self-assessment notes"] == "'-1 target missed"
    assert values["Improvement actions"].startswith("• @SUM(1) publish the NHS targets (Open;")
    for line in sheet.iter_rows():
        for cell in line:
            assert cell.data_type != "f", cell.coordinate
    assert sheet.freeze_panes == "C2"


def test_no_cell_of_any_sheet_is_a_formula(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_an_organisation_with_no_year_gets_an_empty_workbook(client, org, lead):
    client.force_login(lead)
    response = client.get(reverse("org:progression-export-xlsx", args=[org.slug]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert rows_of(workbook["Annex One"]) == [["ref"]]
    csv_response = client.get(reverse("org:progression-export-csv", args=[org.slug]))
    assert csv_response.content == b"ref\n"


# --- reading uploads ---------------------------------------------------------------------------

REFS = {"1.1.1", "1.1.2", "1.1.3"}


def xlsx(rows: list[list], *, title: str = "Annex One") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(line, column).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_reads_as_its_csv():
    data = xlsx([["ref", 2017, 2018.0], ["1.1.1", "C", "x cp"], [], ["1.1.2", None, "X"]])
    table = read_annex_one(data, REFS)
    assert table.years == (2017, 2018)
    assert table.rows["1.1.1"] == (Cell(rating="C"), Cell(sampled=True, rating="CP"))
    assert table.lines["1.1.2"] == 4  # the blank row counts: lines are the sheet's rows


def test_an_xlsx_reads_the_annex_one_sheet_else_the_first():
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active["A1"] = "not this"
    sheet = workbook.create_sheet("Annex One")
    sheet.append(["ref", 2018])
    sheet.append(["1.1.1", "NC"])
    out = io.BytesIO()
    workbook.save(out)
    assert read_annex_one(out.getvalue(), REFS).rows["1.1.1"] == (Cell(rating="NC"),)
    data = xlsx([["ref", 2018], ["1.1.1", "C"]], title="Sheet1")
    assert read_annex_one(data, REFS).rows["1.1.1"] == (Cell(rating="C"),)


def test_an_xlsx_fault_has_its_row_and_column():
    data = xlsx([["ref", 2018, 2019], ["1.1.1", "C", "C"], ["9.9.9", "C", "Good"]])
    with pytest.raises(AnnexOneError) as caught:
        read_annex_one(data, REFS)
    assert [str(e) for e in caught.value.errors] == [
        'line 3, column A (ref): "9.9.9" is not an element or sub-element of the standard',
        'line 3, column C (2019): "Good" is not a rating — use CP, C, PC or NC, optionally after X',
    ]


def test_a_formula_in_an_xlsx_is_refused_not_run():
    data = xlsx([["ref", 2018], ["1.1.1", '=IF(1,"CP","C")'], ["1.1.2", "=A1"]])
    with pytest.raises(AnnexOneError) as caught:
        read_annex_one(data, REFS)
    assert [(e.line, e.column_letter) for e in caught.value.errors] == [(2, "B"), (3, "B")]
    assert "formula" in caught.value.errors[0].message


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_workbook_with_macros_is_refused():
    with zipfile.ZipFile(io.BytesIO(xlsx([["ref", 2018]]))) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/vbaProject.bin"] = b"macro"
    with pytest.raises(UploadRefused, match="macros"):
        read_annex_one(zip_of(parts), REFS)


def test_an_xml_document_type_is_refused():
    """No workbook has one; entity expansion ("billion laughs") needs one."""
    with zipfile.ZipFile(io.BytesIO(xlsx([["ref", 2018]]))) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><sst>&lol;</sst>'
    parts["xl/sharedStrings.xml"] = bomb
    with pytest.raises(UploadRefused, match="cannot be read as an Excel workbook"):
        read_annex_one(zip_of(parts), REFS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "cannot be read as an Excel workbook"),
        (zip_of({"hello.txt": b"hi"}), "zip file but not an Excel workbook"),
        (b"%PDF-1.7\n1 0 obj", "not a CSV or XLSX file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "older Excel"),
        (b"ref,2018\n1.1.1,\x00C\n", "not a CSV or XLSX file"),
        (b"", "empty"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "at most 2 MB"),
    ],
    ids=["broken zip", "other zip", "pdf", "xls", "nul", "empty", "oversize"],
)
def test_what_is_not_a_csv_or_xlsx_is_refused(data, message):
    with pytest.raises(UploadRefused, match=message):
        read_annex_one(data, REFS)


def test_a_csv_fault_keeps_its_line_and_column():
    with pytest.raises(AnnexOneError) as caught:
        read_annex_one(b"ref,2018\n1.1.1,C\n1.1.2,=1+1\n", REFS)
    [error] = caught.value.errors
    assert (error.line, error.column_letter, error.heading) == (3, "B", "2018")
