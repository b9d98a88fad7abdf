"""The request helpers every view shares: the tenant lookup, HTMX partial or redirect, safe
``next``, numbers from input, plain text."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory

from assessments.models import Assessment, ElementResult
from cse_portal.text import multi_line, printable, single_line, unsafe_characters
from cse_portal.web import get_for_org, parse_int, partial_or_redirect, safe_next
from evidence.models import Evidence, EvidenceLink
from organisations.models import Membership
from tests.factories import EvidenceFactory, EvidenceLinkFactory


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


# --- get_for_org -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_get_for_org_finds_only_the_organisations_own(org, other_org, lead, y2018):
    mine = EvidenceFactory(organisation=org)
    theirs = EvidenceFactory(organisation=other_org)
    assert get_for_org(Evidence, org, pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_for_org(Evidence, org, pk=theirs.pk)
    # A queryset keeps its joins; a model without ``organisation`` is reached by for_org.
    membership = get_for_org(Membership.objects.select_related("user"), org, user=lead)
    assert membership.user == lead
    result = get_for_org(ElementResult, org, assessment=y2018, element__ref="1.1.1")
    assert result.assessment_id == y2018.pk
    their_link = EvidenceLinkFactory(evidence=theirs)
    with pytest.raises(Http404):
        get_for_org(EvidenceLink, org, pk=their_link.pk)
    with pytest.raises(Http404):
        get_for_org(Assessment, other_org, year=2018)


# --- partial_or_redirect ---------------------------------------------------------------------


def with_messages(request):
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_partial_or_redirect_answers_htmx_with_the_fragment(rf):
    request = with_messages(rf.post("/", headers={"HX-Request": "true"}))
    called = []
    response = partial_or_redirect(
        request,
        "assessments/_alert.html",
        lambda: called.append(1) or {"message": "Saved", "level": "success"},
        "/o/acme/",
        message="Saved",
    )
    assert response.status_code == 200 and response["X-Portal-Partial"] == "1"
    assert "Saved" in response.content.decode() and called == [1]
    assert not list(get_messages(request))  # the fragment says it: no message for later


def test_partial_or_redirect_answers_a_plain_post_with_a_message_and_a_redirect():
    request = with_messages(RequestFactory().post("/"))
    response = partial_or_redirect(
        request,
        "assessments/_alert.html",
        lambda: pytest.fail("the fragment's context is not needed"),
        "/o/acme/assessments/2018/elements/1.1.1/",
        "evidence",
        message="Nothing was linked: choose an item.",
        level=40,
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/assessments/2018/elements/1.1.1/#evidence"
    [message] = list(get_messages(request))
    assert (message.message, message.level_tag) == ("Nothing was linked: choose an item.", "error")


def test_a_file_download_is_private_and_a_missing_file_a_404(tmp_path):
    from django.core.files.storage import FileSystemStorage
    from django.db.models.fields.files import FieldFile

    from cse_portal.web import file_download

    storage = FileSystemStorage(location=tmp_path)
    storage.save("kept.pdf", __import__("io").BytesIO(b"%PDF-1.7 kept"))

    field = type("Field", (), {"storage": storage, "name": "file"})()
    kept = FieldFile(None, field, "kept.pdf")
    response = file_download(
        kept, filename="kept.pdf", content_type="application/pdf", missing="gone"
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.7 kept"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    for absent in (FieldFile(None, field, "gone.pdf"), FieldFile(None, field, "")):
        with pytest.raises(Http404, match="gone"):
            file_download(absent, filename="x.pdf", content_type="application/pdf", missing="gone")
