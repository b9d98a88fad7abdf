"""The request helpers every view shares: safe ``next``, numbers from input, plain text."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from cse_portal.text import multi_line, printable, single_line, unsafe_characters
from cse_portal.web import parse_int, safe_next


@pytest.mark.parametrize(
    "candidate, expected",
    [
        ("/o/acme/evidence/", "/o/acme/evidence/"),
        ("/o/acme/assessments/2018/#row-1-1-1", "/o/acme/assessments/2018/"),
        ("elsewhere", "/default/"),
        ("evidence.list", "/default/"),
        ("", "/default/"),
        ("https://evil.example/", "/default/"),
        ("//evil.example/", "/default/"),
        ("/\\evil.example/", "/default/"),
        ("/o/acme/\n", "/default/"),
        ("/o/acme/\x00", "/default/"),
        ("javascript:alert(1)", "/default/"),
    ],
)
def test_safe_next_accepts_only_local_paths(candidate, expected):
    request = RequestFactory().post("/", {"next": candidate})
    assert safe_next(request, "/default/") == expected


def test_safe_next_reads_the_query_too():
    request = RequestFactory().get("/", {"next": "/o/acme/"})
    assert safe_next(request, "/default/") == "/o/acme/"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2018", 2018),
        (" 2018 ", 2018),
        ("²⁰¹⁸", None),
        ("٢٠١٨", None),
        ("2_018", None),
        ("+2018", None),
        ("-1", None),
        ("1" * 400, None),
        ("", None),
        (None, None),
        ("1989", None),
        ("2101", None),
    ],
)
def test_parse_int_takes_ascii_digits_in_range(value, expected):
    assert parse_int(value, 1990, 2100) == expected


@pytest.mark.parametrize(
    "value", ["Acme\nCare", "Acme\x00", "evil\u202etxt.exe", "a\u2066b", "tab\there", "x\u2028y"]
)
def test_single_line_text_refuses_control_and_bidi_characters(value):
    with pytest.raises(ValidationError) as error:
        single_line(value)
    assert "U+" in error.value.messages[0]


def test_multi_line_text_keeps_newlines_and_tabs_only():
    multi_line("First line\r\nsecond\tline")
    with pytest.raises(ValidationError):
        multi_line("bell\x07")
    assert unsafe_characters("ok café – “quoted”") == []


def test_printable_escapes_terminal_controls():
    assert printable("bad \x1b[31mred\x1b[0m\nnext") == "bad \\x1b[31mred\\x1b[0m\nnext"
