"""Annex One as spreadsheets: the CSV and XLSX the progression page offers, and reading an
uploaded CSV or XLSX into the table ``reports.services`` plans and applies.

Writing: the CSV is ``reports.annex_one.render_annex_one`` (what ``export_annex_one`` writes);
the XLSX holds three sheets — that layout, the chart as the board paper draws it, and every
element's comments and actions per year. Every text cell goes through
``reports.annex_one.neutralise``, so no cell runs as a formula in a spreadsheet.

Reading: judged from the content, never the name. An XLSX is checked as a zip before openpyxl
opens it (size unpacked, no macros, no XML document types), read with ``read_only``; its
cells become the same CSV text the command reads, so one parser reports every fault with its
row and column. A formula is refused, not evaluated.
"""

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from actions.models import Action as ImprovementAction
from assessments.models import Assessment, ElementResult
from organisations.models import Organisation
from reports.annex_one import (
    MAX_COLUMNS,
    MAX_ERRORS,
    MAX_ROWS,
    AnnexOneError,
    AnnexOneTable,
    Cell,
    CellError,
    decode_annex_one,
    neutralise,
    parse_annex_one,
    render_annex_one,
)
from reports.progression import annex_one_rows, year_labels
from standards.models import Element

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # an Annex One of 100 years is under 100 KB as XLSX
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # the XLSX's parts, unzipped
MAX_PARTS = 1_000  # members of the XLSX zip (a workbook of a few sheets has about 20)
EXCEL_TEXT_LIMIT = 32_767  # characters in one cell

RATING_NAMES = {
    "CP": "Compliance Plus",
    "C": "Compliance",
    "PC": "Partial Compliance",
    "NC": "Non-Compliance",
}
# Four fills of four distinct greys when printed in black and white (relative luminance about
# 0.06, 0.59, 0.80 and 0.27), the letters always written on them in a colour that contrasts.
RATING_FILLS = {
    "CP": ("14532D", "FFFFFF"),  # dark green, white letters
    "C": ("A8D5A2", "000000"),  # light green
    "PC": ("FFE699", "000000"),  # pale amber
    "NC": ("E06666", "000000"),  # red, mid grey in print
}
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
CRITERION_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)


class UploadRefused(ValueError):
    """The upload is not a CSV or XLSX this page reads; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# Writing


def export_filename(organisation: Organisation, extension: str, today: date) -> str:
    """``annex-one-demo-2025-03-01.xlsx``: ASCII letters, digits and hyphens only."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", organisation.slug).strip("-") or "organisation"
    return f"annex-one-{slug[:60]}-{today.isoformat()}.{extension}"


def annex_one_csv(organisation: Organisation) -> str:
    """The organisation's Annex One in the ``import_annex_one`` layout."""
    years, rows = annex_one_rows(organisation)
    return render_annex_one(years, rows)


def chart_headings(organisation: Organisation, years: list[int]) -> list[str]:
    """The years' headings as the progression page and the board paper give them ("2014",
    "Y1 2015", …, a reassessment starting a new cycle): one rule, reports.progression's."""
    kinds = dict(
        Assessment.objects.filter(organisation=organisation, year__in=years).values_list(
            "year", "kind"
        )
    )
    labels = year_labels([(year, kinds.get(year, "")) for year in years])
    return [labels[year] for year in years]


@dataclass(frozen=True)
class ElementNote:
    """One element in one year, for the comments sheet."""

    year: int
    ref: str
    text: str
    rating: str
    sampled: bool
    carried_forward: bool
    comment: str
    self_rating: str
    self_notes: str
    actions: tuple[str, ...]


def improvement_actions(organisation: Organisation) -> dict[tuple[int, str], list[str]]:
    """Each (year raised, element ref)'s improvement actions, described in one line each:
    ``Publish the targets (Done; owner Ann Lee; due 31 Mar 2019)``. One query."""
    found: dict[tuple[int, str], list[str]] = defaultdict(list)
    actions = (
        ImprovementAction.objects.for_org(organisation)
        .select_related("raised_in", "element", "owner")
        .order_by("raised_in__year", "element__position", "created_at", "pk")
    )
    for action in actions:
        owner = (action.owner.get_full_name() or action.owner.email) if action.owner else ""
        due = f"{action.due_date.day} {action.due_date:%b %Y}"
        found[(action.raised_in.year, action.element.ref)].append(
            f"{action.description} ({action.get_status_display()}; "
            f"{f'owner {owner}' if owner else 'no owner'}; due {due})"
        )
    return found


def element_notes(organisation: Organisation) -> list[ElementNote]:
    """Every result of every year with its comments, self-assessment and actions, by year and
    the standard's order. Two queries."""
    actions = improvement_actions(organisation)
    results = (
        ElementResult.objects.filter(assessment__organisation=organisation)
        .order_by("assessment__year", "element__position")
        .values_list(
            "assessment__year",
            "element__ref",
            "element__text",
            "rating",
            "sampled",
            "carried_forward",
            "comment",
            "self_rating",
            "self_notes",
        )
    )
    return [ElementNote(*row, actions=tuple(actions.get((row[0], row[1]), ()))) for row in results]


def annex_one_xlsx(organisation: Organisation) -> bytes:
    """The workbook: "Annex One" (the import layout), "Chart" (styled like the progression
    chart) and "Comments and actions". Six queries."""
    years, rows = annex_one_rows(organisation)
    workbook = Workbook()
    layout = workbook.active
    layout.title = "Annex One"
    _write_layout(layout, years, rows)
    _write_chart(workbook.create_sheet("Chart"), organisation, years, rows)
    _write_notes(workbook.create_sheet("Comments and actions"), element_notes(organisation))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _put(sheet: Worksheet, row: int, column: int, value: object) -> object:
    """Write one cell: text neutralised (never a formula), without the control characters
    XLSX cannot hold, and cut to what a cell holds."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > EXCEL_TEXT_LIMIT - 1:
            value = value[: EXCEL_TEXT_LIMIT - 2] + "…"
        value = neutralise(value)
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    return cell


def _write_layout(sheet: Worksheet, years: list[int], rows: dict[str, list[Cell]]) -> None:
    for column, heading in enumerate(["ref", *years], start=1):
        _put(sheet, 1, column, heading).font = BOLD
    for line, (ref, cells) in enumerate(rows.items(), start=2):
        _put(sheet, line, 1, ref)
        for column, cell in enumerate(cells, start=2):
            _put(sheet, line, column, str(cell))
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 10


def _write_chart(
    sheet: Worksheet, organisation: Organisation, years: list[int], rows: dict[str, list[Cell]]
) -> None:
    """Criteria and sub-criteria as heading rows, each element's cells filled by rating with
    their letters, sub-elements under their element, "Elements sampled" after each criterion,
    the total, then a legend. The header row and the ref column stay in view."""
    fills = {r: PatternFill("solid", fgColor=bg) for r, (bg, _) in RATING_FILLS.items()}
    fonts = {r: Font(bold=True, color=fg) for r, (_, fg) in RATING_FILLS.items()}
    width = 2 + len(years)
    for column, heading in enumerate(
        ["Ref", "Element", *chart_headings(organisation, years)], start=1
    ):
        cell = _put(sheet, 1, column, heading)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    line = 2
    total = [0] * len(years)

    def sampled_row(label: str, counts: list[int]) -> None:
        nonlocal line
        _put(sheet, line, 2, label).font = BOLD
        for column, count in enumerate(counts, start=3):
            cell = _put(sheet, line, column, count)
            cell.font, cell.border = BOLD, BOX
            cell.alignment = Alignment(horizontal="center")
        line += 1

    for criterion, elements in _chart_elements(organisation, rows):
        counts = [0] * len(years)
        _put(sheet, line, 1, criterion.ref)
        _put(sheet, line, 2, criterion.title)
        for column in range(1, width + 1):
            cell = sheet.cell(row=line, column=column)
            cell.font, cell.fill = Font(bold=True, size=12), CRITERION_FILL
        line += 1
        sub_criterion = None
        for element in elements:
            if element.sub_criterion_id != sub_criterion:
                sub_criterion = element.sub_criterion_id
                _put(sheet, line, 1, element.sub_criterion.ref).font = Font(bold=True, italic=True)
                _put(sheet, line, 2, element.sub_criterion.title).font = Font(
                    bold=True, italic=True
                )
                line += 1
            _put(sheet, line, 1, element.ref).alignment = Alignment(
                indent=2 if element.parent_id else 0, vertical="top"
            )
            _put(sheet, line, 2, element.text).alignment = Alignment(
                wrap_text=True, vertical="top", indent=2 if element.parent_id else 0
            )
            for index, cell_value in enumerate(rows.get(element.ref, [Cell()] * len(years))):
                cell = _put(sheet, line, 3 + index, str(cell_value))
                cell.border = BOX
                cell.alignment = Alignment(horizontal="center", vertical="center")
                if cell_value.rating:
                    cell.fill, cell.font = fills[cell_value.rating], fonts[cell_value.rating]
                if cell_value.sampled and element.parent_id is None:
                    counts[index] += 1
            line += 1
        sampled_row("Elements sampled", counts)
        total = [a + b for a, b in zip(total, counts, strict=True)]
    sampled_row("Total elements sampled", total)
    line += 1
    _put(sheet, line, 2, "Key").font = BOLD
    line += 1
    for rating, name in RATING_NAMES.items():
        cell = _put(sheet, line, 1, rating)
        cell.fill, cell.font, cell.border = fills[rating], fonts[rating], BOX
        cell.alignment = Alignment(horizontal="center")
        _put(sheet, line, 2, name)
        line += 1
    _put(sheet, line, 1, "X").alignment = Alignment(horizontal="center")
    _put(sheet, line, 2, "Sampled at that year's visit (before the rating: X CP)")
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 60
    for column in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 10
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"


def _chart_elements(
    organisation: Organisation, rows: dict[str, list[Cell]]
) -> list[tuple[object, list[Element]]]:
    """The elements of the standards the organisation's years use, grouped by criterion, in
    the standard's order; a ref shows once. One query."""
    standards = Assessment.objects.for_org(organisation).values("standard_id")
    elements = (
        Element.objects.filter(standard_id__in=standards)
        .select_related("sub_criterion__criterion")
        .order_by("standard_id", "position")
    )
    grouped: dict[str, tuple[object, list[Element]]] = {}
    seen: set[str] = set()
    for element in elements:
        if element.ref in seen:
            continue
        seen.add(element.ref)
        criterion = element.sub_criterion.criterion
        grouped.setdefault(criterion.ref, (criterion, []))[1].append(element)
    return list(grouped.values())


NOTE_HEADINGS = [
    ("Year", 8),
    ("Ref", 10),
    ("Element", 50),
    ("Rating", 8),
    ("Sampled", 9),
    ("Carried forward", 10),
    ("Assessor's comment", 50),
    ("Self-rating", 9),
    ("Self-assessment notes", 50),
    ("Improvement actions", 50),
]


def _write_notes(sheet: Worksheet, notes: Iterable[ElementNote]) -> None:
    for column, (heading, width) in enumerate(NOTE_HEADINGS, start=1):
        cell = _put(sheet, 1, column, heading)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    line = 1
    for line, note in enumerate(notes, start=2):  # noqa: B007 - the last line is used below
        values = [
            note.year,
            note.ref,
            note.text,
            note.rating,
            "X" if note.sampled else "",
            "yes" if note.carried_forward else "",
            note.comment,
            note.self_rating,
            note.self_notes,
            "\n".join(f"• {action}" for action in note.actions),
        ]
        for column, value in enumerate(values, start=1):
            _put(sheet, line, column, value).alignment = wrap
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(NOTE_HEADINGS))}{max(line, 1)}"


# ---------------------------------------------------------------------------------------------
# Reading


def read_annex_one(data: bytes, known_refs: Collection[str]) -> AnnexOneTable:
    """The table of an uploaded CSV or XLSX (judged from its content).

    Raises UploadRefused when it is neither (or too big, or unsafe to open), AnnexOneError
    listing every fault with its row and column otherwise.
    """
    return parse_annex_one(annex_one_text(data), known_refs)


def annex_one_text(data: bytes) -> str:
    """The upload as Annex One CSV text, one line per spreadsheet row."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; an Annex One file is at most "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Check that you chose the right file."
        )
    if not data.strip():
        raise UploadRefused("The file is empty. Choose the CSV or XLSX file of your Annex One.")
    if data.startswith(b"PK\x03\x04"):
        return xlsx_text(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRefused(
            "This is an older Excel (.xls) file or a password-protected workbook. In Excel, "
            'save it as "Excel Workbook (.xlsx)" or "CSV UTF-8", without a password.'
        )
    if b"\x00" in data[:65536] or data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF8")):
        raise UploadRefused(
            "This is not a CSV or XLSX file. Export the chart from your spreadsheet as "
            '"CSV UTF-8" or "Excel Workbook (.xlsx)" and upload that.'
        )
    return decode_annex_one(data)


def xlsx_text(data: bytes) -> str:
    """The Annex One sheet of a workbook (the sheet so named, else the first) as CSV text."""
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook: all mean the same
        raise UploadRefused(_NOT_XLSX) from None
    try:
        if "Annex One" in workbook.sheetnames:
            sheet = workbook["Annex One"]
        elif workbook.worksheets:
            sheet = workbook.worksheets[0]
        else:
            raise UploadRefused("The workbook has no worksheet. " + _LAYOUT_HINT)
        return _sheet_text(sheet)
    except (UploadRefused, AnnexOneError):
        raise
    except Exception:  # a part that fails only when its rows are read
        raise UploadRefused(_NOT_XLSX) from None
    finally:
        workbook.close()


_LAYOUT_HINT = 'The first row must be "ref" and the years, then one row per element ref.'
_NOT_XLSX = (
    "This file cannot be read as an Excel workbook: it may be damaged, or another kind of "
    'file. Save it again in Excel as "Excel Workbook (.xlsx)" or "CSV UTF-8".'
)


def _check_zip(data: bytes) -> None:
    """Refuse a zip that is not a plain workbook before openpyxl reads it: too big unpacked,
    with macros, or with an XML document type (no workbook has one; entity expansion needs
    one)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRefused(_NOT_XLSX) from None
    if len(parts) > MAX_PARTS:
        raise UploadRefused(
            f"The workbook has {len(parts):,} parts, far more than an Annex One needs. Copy the "
            "chart into a new workbook and upload that."
        )
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UploadRefused(
            "This is a zip file but not an Excel workbook. Upload the .xlsx or .csv file itself."
        )
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRefused(
            'The workbook contains macros. Save it as "Excel Workbook (.xlsx)" (no macros) '
            "and upload that."
        )
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise UploadRefused(
            "The workbook is too large once unpacked for an Annex One. Copy the chart into a "
            "new workbook and upload that."
        )
    try:
        for part in parts:
            if part.filename.endswith((".xml", ".rels")):
                with archive.open(part) as stream:
                    if b"<!DOCTYPE" in stream.read(MAX_UNPACKED_BYTES).upper():
                        raise UploadRefused(_NOT_XLSX)
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError):
        raise UploadRefused(_NOT_XLSX) from None


def _sheet_text(sheet: Worksheet) -> str:
    """Each row as one CSV line (so CSV line n is sheet row n); formulas refused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    errors: list[CellError] = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        if number > MAX_ROWS:
            raise UploadRefused(
                f"The sheet has more than {MAX_ROWS:,} rows; an Annex One has one row per "
                "element ref. Check that you chose the right file and sheet. " + _LAYOUT_HINT
            )
        values: list[str] = []
        for column, cell in enumerate(row, start=1):
            value = getattr(cell, "value", None)
            if value is None:
                values.append("")
                continue
            if column > MAX_COLUMNS:
                raise UploadRefused(
                    f"The sheet has more than {MAX_COLUMNS} columns; an Annex One has one "
                    "column per year. Remove the columns after the last year, or check that "
                    "you chose the right sheet. " + _LAYOUT_HINT
                )
            if getattr(cell, "data_type", "") == "f":
                if len(errors) == MAX_ERRORS:
                    raise AnnexOneError(errors, more=True)
                errors.append(
                    CellError(
                        number,
                        column,
                        "this cell is a formula — type its value instead (a rating: CP, C, "
                        "PC or NC, optionally after X)",
                    )
                )
                values.append("")
                continue
            values.append(_cell_text(value))
        writer.writerow(values)
    if errors:
        raise AnnexOneError(errors)
    return out.getvalue()


def _cell_text(value: object) -> str:
    """A cell's value as the CSV would hold it: 2018.0 as "2018", text on one line."""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return " ".join(str(value).splitlines())
