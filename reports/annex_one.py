"""The Annex One layout as CSV: parse it (with every fault reported) and write it.

The layout is the board paper's chart: a header row ``ref,<year>,<year>,…`` and one row per
element or sub-element ref. Each cell is empty, or an optional ``X`` (the element was sampled at
that year's visit) followed by an optional rating ``CP``, ``C``, ``PC`` or ``NC``: ``X CP``,
``C``, ``X`` or empty.

Pure functions, no database: the caller passes the refs the standard knows and gets back a
table, or an :class:`AnnexOneError` listing every fault with its line and column.
"""

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from assessments.models import RATING_ORDER
from assessments.rules import year_error

REF_HEADER = "ref"
SAMPLED_MARK = "X"
RATING_HINT = "use CP, C, PC or NC, optionally after X"
HEADER_HINT = 'the first row must be the header "ref,<year>,<year>,…"'


@dataclass(frozen=True)
class Cell:
    """One element in one year: sampled at the visit (X) and the rating, "" if none."""

    sampled: bool = False
    rating: str = ""

    def __str__(self) -> str:
        return " ".join(
            part for part in (SAMPLED_MARK if self.sampled else "", self.rating) if part
        )


EMPTY = Cell()


@dataclass(frozen=True)
class CellError:
    """A fault at a 1-based file line and spreadsheet column; ``heading`` names the column."""

    line: int
    column: int
    message: str
    heading: str = ""

    @property
    def column_letter(self) -> str:
        return column_letter(self.column)

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column_letter}"
        if self.heading:
            where += f" ({self.heading})"
        return f"{where}: {self.message}"


class AnnexOneError(ValueError):
    """The file cannot be imported; ``errors`` lists every fault found, in file order."""

    def __init__(self, errors: list[CellError]):
        self.errors = sorted(errors, key=lambda e: (e.line, e.column))
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class AnnexOneTable:
    """A parsed file: the years in column order, and each ref's cells aligned with ``years``.

    ``lines`` and ``columns`` remember where each ref and year came from, so that a later
    check (for example, a finalised year) can still point at the file.
    """

    years: tuple[int, ...]
    rows: dict[str, tuple[Cell, ...]]
    lines: dict[str, int]
    columns: dict[int, int]

    def cell(self, ref: str, year: int) -> Cell:
        return self.rows[ref][self.years.index(year)]

    def error_at_year(self, year: int, message: str) -> CellError:
        return CellError(line=1, column=self.columns[year], message=message, heading=str(year))


def column_letter(column: int) -> str:
    """1 → "A", 3 → "C", 27 → "AA": the spreadsheet name of a 1-based column."""
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def decode_annex_one(data: bytes) -> str:
    """The file's text: UTF-8, with or without the BOM Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        data = exc.object  # without the BOM, which the positions are counted from
        before = data[: exc.start]
        line_start = before.rfind(b"\n") + 1
        column = before[line_start:].count(b",") + 1
        raise AnnexOneError(
            [
                CellError(
                    line=before.count(b"\n") + 1,
                    column=column,
                    message=(
                        f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X}) — in Excel, "
                        'save it as "CSV UTF-8 (Comma delimited)"'
                    ),
                )
            ]
        ) from None


def parse_cell(raw: str) -> Cell | None:
    """``"x  cp"`` → Cell(sampled=True, rating="CP"); None if it is not a valid cell."""
    words = raw.upper().split()
    sampled = bool(words) and words[0] == SAMPLED_MARK
    if sampled:
        words = words[1:]
    if not words:
        return Cell(sampled=sampled)
    if len(words) == 1 and words[0] in RATING_ORDER:
        return Cell(sampled=sampled, rating=words[0])
    return None


def parse_annex_one(text: str, known_refs: Collection[str]) -> AnnexOneTable:
    """Parse an Annex One CSV; raise AnnexOneError listing every fault if any is found."""
    records = _records(text.removeprefix("\ufeff"))
    if not records:
        raise AnnexOneError(
            [CellError(1, 1, f"the file is empty — {HEADER_HINT}, then one row per ref")]
        )
    errors: list[CellError] = []
    header_line, header = records[0]
    header = _valid_record(header, errors)
    headings, columns = _parse_header(header_line, header, errors)
    rows: dict[str, tuple[Cell, ...]] = {}
    lines: dict[str, int] = {}
    for line, record in records[1:]:
        if isinstance(record, CellError):
            errors.append(record)
            continue
        ref, cells = _parse_row(line, record, headings, columns, errors)
        ref = _check_ref(line, ref, known_refs, lines, errors)
        if ref is not None:
            rows[ref] = cells
            lines[ref] = line
    if len(records) == 1:
        errors.append(CellError(header_line + 1, 1, "there are no rows after the header"))
    if errors:
        raise AnnexOneError(errors)
    return AnnexOneTable(years=tuple(columns), rows=rows, lines=lines, columns=columns)


def render_annex_one(years: Sequence[int], rows: Mapping[str, Sequence[Cell]]) -> str:
    """The Annex One CSV (LF line ends): header ``ref,<years>``, then one row per ref. Every
    value goes through ``neutralise``, so no cell of it runs as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([REF_HEADER, *years])
    for ref, cells in rows.items():
        writer.writerow([neutralise(ref), *(neutralise(str(cell)) for cell in cells)])
    return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return) with a single quote before it, as OWASP advises for
    CSV injection; any other value as it is. Every export (CSV and XLSX) writes its cells
    through this one function."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# ---------------------------------------------------------------------------------------------

Record = list[str] | CellError


def _records(text: str) -> list[tuple[int, Record]]:
    """Each non-blank CSV record with the file line it starts on.

    A record the csv module cannot read (a stray quote, a NUL byte) comes back as a CellError
    in place of its cells.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, Record]] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            records.append((start, CellError(start, 1, f"this line is not valid CSV ({exc})")))
            continue
        if any(cell.strip() for cell in record):
            records.append((start, record))


def _valid_record(record: Record, errors: list[CellError]) -> list[str]:
    """The record's cells; an unreadable record is reported and read as an empty "ref"."""
    if isinstance(record, CellError):
        errors.append(record)
        return [REF_HEADER]
    return record


def _parse_header(
    line: int, header: list[str], errors: list[CellError]
) -> tuple[list[str], dict[int, int]]:
    """The header's headings, and each year with its column; faults go to ``errors``.

    Empty cells at the end of the header (Excel writes them for formatted columns) are ignored.
    """
    while len(header) > 1 and not header[-1].strip():
        header = header[:-1]
    first = header[0].removeprefix("\ufeff").strip()
    if first.lower() != REF_HEADER:
        errors.append(CellError(line, 1, f'"{first}" should be "ref" — {HEADER_HINT}'))
    if len(header) < 2:
        errors.append(CellError(line, 2, f"there are no year columns — {HEADER_HINT}"))
    columns: dict[int, int] = {}
    for column, raw in enumerate(header[1:], start=2):
        year = _parse_year(line, column, raw.strip(), columns, errors)
        if year is not None:
            columns[year] = column
    return [heading.strip() for heading in header], columns


def _parse_year(
    line: int, column: int, raw: str, seen: Mapping[int, int], errors: list[CellError]
) -> int | None:
    if not raw:
        errors.append(CellError(line, column, f"the year is missing — {HEADER_HINT}"))
        return None
    problem = year_error(raw)  # the one rule for years, as the open-year form applies it
    if problem:
        errors.append(CellError(line, column, problem))
        return None
    year = int(raw)
    if year in seen:
        message = f"{year} appears again — it is already column {column_letter(seen[year])}"
        errors.append(CellError(line, column, message))
        return None
    return year


def _parse_row(
    line: int,
    record: list[str],
    headings: list[str],
    columns: Mapping[int, int],
    errors: list[CellError],
) -> tuple[str, tuple[Cell, ...]]:
    """One data row: its ref and its cells, one per year of the header (in ``columns``)."""
    parsed: dict[int, Cell] = {}
    for column, heading in enumerate(headings[1:], start=2):
        raw = record[column - 1] if column <= len(record) else ""
        cell = parse_cell(raw)
        if cell is None:
            message = f'"{" ".join(raw.split())}" is not a rating — {RATING_HINT}'
            errors.append(CellError(line, column, message, heading))
        parsed[column] = EMPTY if cell is None else cell
    for column, raw in enumerate(record[len(headings) :], start=len(headings) + 1):
        if raw.strip():
            message = f'"{raw.strip()}" is beyond the last column of the header — remove it'
            errors.append(CellError(line, column, message))
    return record[0].strip(), tuple(parsed[column] for column in columns.values())


def _check_ref(
    line: int,
    ref: str,
    known_refs: Collection[str],
    lines_seen: Mapping[str, int],
    errors: list[CellError],
) -> str | None:
    """The ref if it is usable; otherwise None, with the fault added to ``errors``."""
    if not ref:
        message = "the ref is missing"
    elif ref not in known_refs:
        message = f'"{ref}" is not an element or sub-element of the standard'
    elif ref in lines_seen:
        message = f'"{ref}" appears again — it is already on line {lines_seen[ref]}'
    else:
        return ref
    errors.append(CellError(line, 1, message, REF_HEADER))
    return None
