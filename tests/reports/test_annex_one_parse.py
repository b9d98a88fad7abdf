"""Parsing and writing the Annex One CSV: the layout's rules, each fault with where it is."""

from datetime import date

import pytest

from reports.annex_one import (
    AnnexOneError,
    Cell,
    CellError,
    column_letter,
    decode_annex_one,
    parse_annex_one,
    parse_cell,
    render_annex_one,
)

REFS = {"1.1.1", "1.1.2", "1.1.3", "1.3.3", "1.3.3.1"}
NEXT_YEAR = date.today().year + 1


def parse(text: str):
    return parse_annex_one(text, REFS)


def errors_of(text: str) -> list[str]:
    with pytest.raises(AnnexOneError) as caught:
        parse(text)
    return [str(error) for error in caught.value.errors]


# -- valid files ------------------------------------------------------------------------------


def test_a_valid_file():
    table = parse("ref,2014,2015\n1.1.1,C,X CP\n1.3.3.1,,X\n")
    assert table.years == (2014, 2015)
    assert table.rows == {
        "1.1.1": (Cell(rating="C"), Cell(sampled=True, rating="CP")),
        "1.3.3.1": (Cell(), Cell(sampled=True)),
    }
    assert table.lines == {"1.1.1": 2, "1.3.3.1": 3}
    assert table.columns == {2014: 2, 2015: 3}
    assert table.cell("1.1.1", 2015) == Cell(sampled=True, rating="CP")


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("", Cell()),
        ("   ", Cell()),
        ("C", Cell(rating="C")),
        ("cp", Cell(rating="CP")),
        (" Pc ", Cell(rating="PC")),
        ("NC", Cell(rating="NC")),
        ("X", Cell(sampled=True)),
        ("x", Cell(sampled=True)),
        ("X CP", Cell(sampled=True, rating="CP")),
        ("x  cp", Cell(sampled=True, rating="CP")),
        ("\tX\u00a0nc ", Cell(sampled=True, rating="NC")),
    ],
)
def test_cells_are_normalised(raw, cell):
    assert parse_cell(raw) == cell


@pytest.mark.parametrize("raw", ["CQ", "X CQ", "CP X", "X X", "XCP", "C C", "X CP C", "-", "0"])
def test_cells_that_are_not_ratings(raw):
    assert parse_cell(raw) is None


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (Cell(), ""),
        (Cell(rating="C"), "C"),
        (Cell(sampled=True), "X"),
        (Cell(sampled=True, rating="CP"), "X CP"),
    ],
)
def test_cells_are_written_as_the_chart_writes_them(cell, text):
    assert str(cell) == text


def test_excel_bom_and_crlf_are_accepted():
    data = "ref,2014,2015\r\n1.1.1,C,X CP\r\n1.1.2,PC,\r\n".encode("utf-8-sig")
    table = parse(decode_annex_one(data))
    assert table.years == (2014, 2015)
    assert table.rows["1.1.2"] == (Cell(rating="PC"), Cell())


def test_a_bom_left_in_the_text_is_ignored():
    assert parse("\ufeffref,2014\n1.1.1,C\n").years == (2014,)


def test_header_ref_is_case_insensitive_and_quotes_are_read():
    table = parse('  REF ,"2014"\n"1.1.1","X  cp"\n')
    assert table.rows == {"1.1.1": (Cell(sampled=True, rating="CP"),)}


def test_blank_lines_are_skipped_and_lines_still_counted():
    table = parse("ref,2014\n\n1.1.1,C\n,\n   ,  \n1.1.2,X\n")
    assert table.lines == {"1.1.1": 3, "1.1.2": 6}


def test_short_rows_and_trailing_empty_cells_are_empty_cells():
    table = parse("ref,2014,2015,2016\n1.1.1,C\n1.1.2,C,C,C,,,\n")
    assert table.rows["1.1.1"] == (Cell(rating="C"), Cell(), Cell())
    assert table.rows["1.1.2"] == (Cell(rating="C"),) * 3


def test_trailing_empty_header_cells_are_ignored():
    assert parse("ref,2014,,\n1.1.1,C,,\n").years == (2014,)


def test_a_ref_with_spaces_around_it():
    assert list(parse("ref,2014\n 1.1.1 ,C\n").rows) == ["1.1.1"]


# -- faults, each with its line and column ----------------------------------------------------


def test_a_bad_rating_names_line_column_letter_and_year():
    text = "ref,2014,2015\n1.1.1,C,C\n1.1.2,C,X CQ\n"
    assert errors_of(text) == [
        'line 3, column C (2015): "X CQ" is not a rating — use CP, C, PC or NC, optionally after X'
    ]


def test_the_error_object_carries_line_column_and_letter():
    with pytest.raises(AnnexOneError) as caught:
        parse("ref,2014\n1.1.1,Q\n")
    (error,) = caught.value.errors
    assert (error.line, error.column, error.column_letter, error.heading) == (2, 2, "B", "2014")
    assert "is not a rating" in error.message


def test_an_unknown_ref():
    assert errors_of("ref,2014\n1.1.1,C\n9.9.9,C\n") == [
        'line 3, column A (ref): "9.9.9" is not an element or sub-element of the standard'
    ]


def test_a_duplicate_ref():
    assert errors_of("ref,2014\n1.1.1,C\n1.1.2,C\n1.1.1,PC\n") == [
        'line 4, column A (ref): "1.1.1" appears again — it is already on line 2'
    ]


def test_a_missing_ref():
    assert errors_of("ref,2014\n1.1.1,C\n,C\n") == ["line 3, column A (ref): the ref is missing"]


@pytest.mark.parametrize("year", ["14", "20141", "two", "1989", str(NEXT_YEAR + 1), "2014.0"])
def test_a_bad_year(year):
    assert errors_of(f"ref,2014,{year}\n1.1.1,C,C\n") == [
        f'line 1, column C: "{year}" is not a year — use a year from 1990 to {NEXT_YEAR}'
    ]


def test_next_year_is_allowed():
    assert parse(f"ref,{NEXT_YEAR}\n1.1.1,C\n").years == (NEXT_YEAR,)


def test_a_missing_year_between_years():
    (error,) = errors_of("ref,2014,,2016\n1.1.1,C,,C\n")
    assert error.startswith("line 1, column C: the year is missing")


def test_a_duplicate_year_column():
    assert errors_of("ref,2014,2015,2015\n1.1.1,C,C,C\n") == [
        "line 1, column D: 2015 appears again — it is already column C"
    ]


def test_the_first_header_cell_must_be_ref():
    (error,) = errors_of("element,2014\n1.1.1,C\n")
    assert error.startswith('line 1, column A: "element" should be "ref"')


def test_a_file_without_its_header_row():
    errors = errors_of("1.1.1,C,C\n1.1.2,C,C\n")
    assert errors[0].startswith('line 1, column A: "1.1.1" should be "ref"')
    assert errors[1].startswith('line 1, column B: "C" is not a year')


def test_a_header_without_years():
    (error,) = errors_of("ref\n1.1.1\n")
    assert error.startswith("line 1, column B: there are no year columns")


def test_more_cells_than_the_header():
    assert errors_of("ref,2014,2015\n1.1.1,C,C,,X CP\n") == [
        'line 2, column E: "X CP" is beyond the last column of the header — remove it'
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "  \r\n", "\ufeff"])
def test_an_empty_file(text):
    (error,) = errors_of(text)
    assert error.startswith("line 1, column A: the file is empty")


def test_a_header_only_file():
    assert errors_of("ref,2014,2015\n") == ["line 2, column A: there are no rows after the header"]


def test_a_line_that_is_not_csv():
    (error,) = errors_of('ref,2014\n1.1.1,"C"C\n')
    assert error.startswith("line 2, column A: this line is not valid CSV")


def test_every_fault_is_reported_in_file_order():
    text = (
        "ref,2014,2014,15\n"  # duplicate year (C), bad year (D)
        "1.1.1,C,X CQ,C\n"  # bad rating (C)
        "\n"
        "9.9,C,C,C\n"  # unknown ref
        "1.1.1,C,C,C,C\n"  # duplicate ref, an extra cell (E)
        "1.1.2,ok,C,C\n"  # bad rating (B)
    )
    errors = errors_of(text)
    assert [error.split(":")[0] for error in errors] == [
        "line 1, column C",
        "line 1, column D",
        "line 2, column C (2014)",
        "line 4, column A (ref)",
        "line 5, column A (ref)",
        "line 5, column E",
        "line 6, column B (2014)",
    ]


def test_non_utf8_bytes_name_their_line_and_column():
    data = "ref,2014,2015\n1.1.1,C,C\n1.1.2,C,Caf\u00e9\n".encode("latin-1")
    with pytest.raises(AnnexOneError) as caught:
        decode_annex_one(data)
    (error,) = caught.value.errors
    assert str(error).startswith("line 3, column C: the file is not UTF-8 text (byte 0xE9)")
    assert "CSV UTF-8" in error.message


def test_non_utf8_bytes_after_a_bom():
    data = b"\xef\xbb\xbfref,2014\r\n1.1.1,\x96\r\n"
    with pytest.raises(AnnexOneError) as caught:
        decode_annex_one(data)
    assert str(caught.value).startswith("line 2, column B: the file is not UTF-8 text (byte 0x96)")


def test_errors_are_sorted_and_printable():
    error = AnnexOneError([CellError(3, 2, "b"), CellError(1, 28, "a", "2014")])
    assert str(error) == "line 1, column AB (2014): a\nline 3, column B: b"


@pytest.mark.parametrize(
    ("column", "letter"), [(1, "A"), (3, "C"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA")]
)
def test_column_letters(column, letter):
    assert column_letter(column) == letter


# -- writing ----------------------------------------------------------------------------------


def test_render_writes_lf_lines_and_chart_cells():
    rows = {
        "1.1.1": [Cell(rating="C"), Cell(sampled=True, rating="CP")],
        "1.1.2": [Cell(), Cell(sampled=True)],
    }
    assert render_annex_one([2014, 2015], rows) == "ref,2014,2015\n1.1.1,C,X CP\n1.1.2,,X\n"


def test_render_with_no_years_is_the_header_only():
    assert render_annex_one([], {}) == "ref\n"


def test_render_then_parse_gives_the_same_table():
    table = parse("ref,2014,2015\r\n1.1.1,c,x  cp\r\n1.3.3.1,,X\r\n")
    again = parse(render_annex_one(table.years, table.rows))
    assert (again.years, again.rows) == (table.years, table.rows)
