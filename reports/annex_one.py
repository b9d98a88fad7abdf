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
from cse_portal.text import printable

REF_HEADER = "ref"
SAMPLED_MARK = "X"
RATING_HINT = "use CP, C, PC or NC, optionally after X"
HEADER_HINT = 'the first row must be the header "ref,<year>,<year>,…"'

# Limits that keep a hostile file's answer short and quick: an Annex One has one row per
# element ref (72 in the standard) and one column per year.
MAX_ROWS = 2_000
MAX_COLUMNS = 200
MAX_ERRORS = 100  # faults listed; past this the list says there are more
SHOWN_CHARACTERS = 40  # of a value quoted in a message


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
    """The file cannot be imported; ``errors`` lists the faults found, in file order: every
    one, or the first MAX_ERRORS with ``more`` True when the file has more."""

    def __init__(self, errors: list[CellError], more: bool = False):
        self.errors = sorted(errors, key=lambda e: (e.line, e.column))
        self.more = more
        text = "\n".join(str(e) for e in self.errors)
        if more:
            text += f"\n… and more: the first {len(self.errors)} are listed"
        super().__init__(text)


class _Faults(list):
    """The faults of one parse: the one past MAX_ERRORS stops it (``_TooMany``)."""

    def append(self, error: CellError) -> None:
        if len(self) >= MAX_ERRORS:
            raise _TooMany
        super().append(error)


class _TooMany(Exception):
    pass


def shown(value: str) -> str:
    """A value from the file as a message quotes it: one line, control and bidi characters
    escaped, at most SHOWN_CHARACTERS long."""
    value = printable(" ".join(value.split()))
    if len(value) > SHOWN_CHARACTERS:
        value = value[: SHOWN_CHARACTERS - 1] + "…"
    return value


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
    """Parse an Annex One CSV; raise AnnexOneError listing the faults if any is found (at most
    MAX_ERRORS of them; a file over MAX_ROWS rows or MAX_COLUMNS columns is refused whole)."""
    records = _records(text.removeprefix("\ufeff"))
    if not records:
        raise AnnexOneError(
            [CellError(1, 1, f"the file is empty — {HEADER_HINT}, then one row per ref")]
        )
    _check_size(records)
    errors = _Faults()
    try:
        table = _parse_records(records, known_refs, errors)
    except _TooMany:
        raise AnnexOneError(list(errors), more=True) from None
    if errors:
        raise AnnexOneError(list(errors))
    return table


def _check_size(records: list[tuple[int, "Record"]]) -> None:
    """One fault for a file far bigger than an Annex One, rather than a fault per cell."""
    if len(records) > MAX_ROWS + 1:
        raise AnnexOneError(
            [
                CellError(
                    records[MAX_ROWS + 1][0],
                    1,
                    f"the file has more than {MAX_ROWS:,} rows; an Annex One has one row per "
                    "element ref — check that you chose the right file",
                )
            ]
        )
    for line, record in records:
        if isinstance(record, CellError):
            continue
        width = len(record)
        while width > 1 and not record[width - 1].strip():
            width -= 1
        if width > MAX_COLUMNS + 1:
            raise AnnexOneError(
                [
                    CellError(
                        line,
                        MAX_COLUMNS + 2,
                        f"this row has {width:,} columns; an Annex One has a ref and one column "
                        f"per year, at most {MAX_COLUMNS} — remove the columns after the last "
                        "year",
                    )
                ]
            )


def _parse_records(
    records: list[tuple[int, "Record"]], known_refs: Collection[str], errors: list[CellError]
) -> AnnexOneTable:
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

    A record the csv module cannot read (a stray quote, a NUL byte, a cell over the csv
    module's field limit) comes back as a CellError in place of its cells. Reading stops
    after MAX_ROWS + 2 records: the file is refused as too long then (``_check_size``).
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
            if len(records) > MAX_ROWS + 1:
                return records
            continue
        if any(cell.strip() for cell in record):
            records.append((start, record))
        if len(records) > MAX_ROWS + 1:
            return records


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
        errors.append(CellError(line, 1, f'"{shown(first)}" should be "ref" — {HEADER_HINT}'))
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
        # Said of the value as shown (a year is never cut or escaped, so it is still no year).
        errors.append(CellError(line, column, year_error(shown(raw)) or problem))
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
            message = f'"{shown(raw)}" is not a rating — {RATING_HINT}'
            errors.append(CellError(line, column, message, heading))
        parsed[column] = EMPTY if cell is None else cell
    for column, raw in enumerate(record[len(headings) :], start=len(headings) + 1):
        if raw.strip():
            message = f'"{shown(raw)}" is beyond the last column of the header — remove it'
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
        message = f'"{shown(ref)}" is not an element or sub-element of the standard'
    elif ref in lines_seen:
        message = f'"{shown(ref)}" appears again — it is already on line {lines_seen[ref]}'
    else:
        return ref
    errors.append(CellError(line, 1, message, REF_HEADER))
    return None
