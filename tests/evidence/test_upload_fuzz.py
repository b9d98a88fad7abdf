"""Hostile uploads, thrown at the real views by hypothesis: each file is stored safely or
refused with a clear message, never a 500, and a stored file is only ever served back as an
attachment of a safe type.

The requests are built by hand (``multipart``), not by Django's test client, whose encoder
keeps only the last part of a file name: here the name reaches the server as a browser or a
script could send it — with folders, backslashes, NUL, control and right-to-left characters,
quotes, 1,000 characters long, or percent-encoded (RFC 2231 ``filename*``) so that anything
at all gets through Django's header parser.

Properties, for the uploader (``evidence-upload``, as its script sends one file and as a
plain form post) and for replacing an item's file (``evidence-replace``):

- the answer is 201/409/400 JSON with a message (the script), a redirect with a message (a
  plain post), or the replace page, 200 with the form's error; never a 5xx;
- a stored file lies inside the organisation's folder of the storage, under a random name
  with no part of the uploaded one; the name kept for display is one line of printable
  characters, no folder, no bidi control, at most 255 characters;
- its download is an attachment, of a type the sniffer gives (never HTML, SVG, XML or a
  script), with ``X-Content-Type-Options: nosniff``, a file name of printable characters
  whose extension matches that type.

The examples are bounded (``max_examples``, a few KB a file; one 100 MB zip bomb built once)
so the file runs in well under a minute.
"""

import io
import json
import os
import re
import struct
import unicodedata
import zipfile
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.http import parse_header_parameters
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cse_portal.text import BIDI_CONTROLS
from evidence import filetypes
from evidence.models import Evidence
from evidence.views import EXTENSIONS  # the extensions each sniffed type may keep
from tests.evidence import samples
from tests.factories import FileEvidenceFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples in every run: a failure can be run again
    database=None,  # nothing written to .hypothesis/ (the examples are derandomised)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- crafted names -------------------------------------------------------------------------------

CRAFTED_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\windows\\system32\\evil.pdf",
    "/etc/passwd",
    "C:\\Users\\Public\\report.pdf",
    "C:report.pdf",
    "..",
    ".",
    "....pdf",
    "report.pdf\x00.html",
    "\x00",
    "invoice\u202efdp.exe",  # shows as "invoiceexe.pdf"
    "\u2066minutes\u2069.pdf",
    "tab\there\r\nX-Injected: 1.pdf",
    "\x1b[2Jterminal.pdf",
    '"quoted"; filename="other.html".pdf',
    "a" * 1000 + ".pdf",
    "b." + "x" * 400,
    "é" * 300 + ".pdf",
    "\u200b\u200d\ufeff.pdf",  # zero-width only
    "%2e%2e%2fencoded.pdf",
    "&#x2e;&#x2e;&#x2f;entities.pdf",
    "CON.pdf",
    " leading and trailing spaces .pdf ",
    "emoji 📄.pdf",
    "\u2028line\u2029separators.pdf",
    "name.svg",
    "name.html",
    "page.htm",
]

name_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),  # anything, control characters and bidi included
        st.sampled_from(["/", "\\", ".", "\x00", "\u202e", "\r", "\n", '"', ";", "%"]),
    ),
    max_size=300,
)
extension = st.sampled_from(
    ["", ".pdf", ".html", ".svg", ".docx", ".xlsx", ".odt", ".exe", ".txt", ".png", ".gif"]
)
names = st.one_of(st.sampled_from(CRAFTED_NAMES), st.builds(str.__add__, name_text, extension))

# --- crafted contents ----------------------------------------------------------------------------

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
PDF_HTML = samples.PDF + b"<html><script>alert(1)</script></html>"
HTML_PDF = HTML + b"\n" + samples.PDF
GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.cookie);//;"
JPEG_HTML = samples.JPEG + b"<html><script>alert(1)</script>"
XML = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@cache
def zip_bomb(kind: str) -> bytes:
    """An Office file (docx, xlsx or odt) with one member of 100 MB of zeros (about 100 KB
    packed): 1000 to 1 where a real document packs 2 to 20."""
    zeros = b"\x00" * (100 * 1024 * 1024)
    members = {
        "docx": {"[Content_Types].xml": samples.CONTENT_TYPES, "word/document.xml": zeros},
        "xlsx": {"[Content_Types].xml": samples.CONTENT_TYPES, "xl/sharedStrings.xml": zeros},
        "odt": {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": zeros},
    }[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method, compresslevel=9)
    return buffer.getvalue()


def declared_huge(data: bytes, size: int = 0xFFFFFFF0) -> bytes:
    """The zip with every member's unpacked size claimed as ``size`` (about 4 GB) in its
    local and central headers, the bytes themselves unchanged."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := out.find(signature, start)) != -1:
            out[at + offset : at + offset + 4] = struct.pack("<I", size)
            start = at + 4
    return bytes(out)


def many_members(count: int = 20_000) -> bytes:
    return zip_of({f"xl/part{i}.xml": b"" for i in range(count)} | {"[Content_Types].xml": b""})


CRAFTED_CONTENTS: dict[str, object] = {
    "zero bytes": b"",
    "html with script": HTML,
    "svg with script": SVG,
    "xml with a doctype": XML,
    "pdf + html": PDF_HTML,
    "html + pdf": HTML_PDF,
    "gif + js": GIF_JS,
    "jpeg + html": JPEG_HTML,
    "windows program": samples.EXE,
    "linux program": samples.ELF,
    "plain zip": samples.plain_zip(),
    "docx": samples.docx(),
    "xlsx": samples.xlsx(),
    "odt": samples.odt(),
    "docx, sizes claimed 4 GB": declared_huge(samples.docx()),
    "odt, sizes claimed 4 GB": declared_huge(samples.odt()),
    "xlsx of 20,000 parts": many_members,
    "docx zip bomb": lambda: zip_bomb("docx"),
    "xlsx zip bomb": lambda: zip_bomb("xlsx"),
    "odt zip bomb": lambda: zip_bomb("odt"),
    "truncated docx": samples.docx()[:200],
    "utf-16 text": "Minutes of the panel\r\n".encode("utf-16"),
    "NUL-filled": b"\x00" * 4096,
    "png": samples.png(),
    "csv": samples.CSV,
}


def crafted(name: str) -> bytes:
    value = CRAFTED_CONTENTS[name]
    return value() if callable(value) else value


contents = st.one_of(
    st.sampled_from(sorted(CRAFTED_CONTENTS)).map(crafted),
    st.binary(max_size=4096),
    # A real header followed by anything: the sniffer must not stop at the magic bytes.
    st.builds(
        bytes.__add__,
        st.sampled_from([samples.PDF, b"GIF89a", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"<svg"]),
        st.binary(max_size=2048),
    ),
)

# --- the requests --------------------------------------------------------------------------------

BOUNDARY = "----cse-fuzz-boundary-7MA4YWxkTrZu0gW"


def disposition(field: str, name: str, encoding: str) -> bytes:
    """The part's Content-Disposition, with the file name as a client could send it:
    ``raw`` (the name's UTF-8 bytes between quotes, whatever they are) or ``rfc2231``
    (``filename*=UTF-8''…``, percent-encoded: any character reaches the server)."""
    if encoding == "raw":
        return f'form-data; name="{field}"; filename="{name}"'.encode("utf-8", "surrogatepass")
    encoded = quote(name.encode("utf-8", "surrogatepass"), safe="")
    return f"form-data; name=\"{field}\"; filename*=UTF-8''{encoded}".encode()


def multipart(
    fields: dict[str, str], file_field: str, name: str, data: bytes, encoding: str
) -> bytes:
    lines = []
    for key, value in fields.items():
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="{key}"'.encode(),
            b"",
            value.encode(),
        ]
    lines += [
        f"--{BOUNDARY}".encode(),
        b"Content-Disposition: " + disposition(file_field, name, encoding),
        b"Content-Type: application/pdf",  # the browser's claim: never believed
        b"",
        data,
        f"--{BOUNDARY}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines)


def post(client, url: str, body: bytes, as_json: bool):
    headers = {"Accept": "application/json"} if as_json else {}
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", headers=headers
    )


# --- what must hold ------------------------------------------------------------------------------

# Types a browser would render or run: never stored, never sent.
UNSAFE_TYPES = re.compile(
    r"^(text/html|application/xhtml|image/svg|text/xml|application/xml|text/x-)|script", re.I
)
STORED_NAME = re.compile(r"^evidence/(\d+)/[0-9a-f]{32}$")


def assert_safe_display_name(name: str) -> None:
    assert name and len(name) <= 255, name
    assert "/" not in name and "\\" not in name, name
    assert name not in {".", ".."}, name
    bad = [ch for ch in name if not ch.isprintable() or ch in BIDI_CONTROLS]
    assert not bad, (name, bad)


def assert_stored_safely(item: Evidence, media_root: Path) -> None:
    match = STORED_NAME.match(item.file.name)
    assert match and int(match[1]) == item.organisation_id, item.file.name
    path = Path(item.file.path).resolve()
    assert path.is_relative_to(
        (Path(media_root) / "evidence" / str(item.organisation_id)).resolve()
    )
    assert path.is_file()
    assert_safe_display_name(item.original_filename)
    assert item.content_type in filetypes.KNOWN_TYPES, item.content_type
    assert not UNSAFE_TYPES.search(item.content_type)
    item.full_clean()  # the model's own rules (single_line, lengths) hold for what was stored


def assert_served_as_attachment(client, org, item: Evidence) -> None:
    url = reverse("org:evidence-download", args=[org.slug, item.pk])
    response = client.get(url)
    assert response.status_code == 200
    content_type = response["Content-Type"]
    assert content_type in filetypes.KNOWN_TYPES or content_type == "application/octet-stream"
    assert not UNSAFE_TYPES.search(content_type), content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    # Should a browser render it anyway (a tab opened on the URL), nothing in it may run.
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy, policy
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert all(ch.isprintable() for ch in disposition), disposition
    kind, parameters = parse_header_parameters(disposition)
    assert kind == "attachment"
    shown = parameters["filename"]  # filename*= (RFC 5987) decoded when Django sent that
    assert "/" not in shown and "\\" not in shown and '"' not in shown, shown
    assert_safe_display_name(shown)
    assert len(shown.encode()) <= 255, shown  # what file systems allow, in UTF-8 bytes
    assert shown.lower().endswith(EXTENSIONS.get(content_type, (".bin",))), (content_type, shown)
    # Read to the end: the test client then closes the file (calling close() itself would
    # send request_finished, which closes the test's database connection on PostgreSQL).
    b"".join(response.streaming_content)


def message_of(response, as_json: bool) -> str:
    if as_json:
        return json.loads(response.content)["message"]
    # The messages this request added (those of earlier examples wait in the session).
    stored = list(response.wsgi_request._messages._queued_messages)
    assert len(stored) == 1, stored
    return str(stored[0])


def clear_message(message: str) -> None:
    """One or two plain sentences, never a traceback or an exception's name."""
    assert 10 <= len(message) <= 2000, message
    assert "Traceback" not in message and "Error(" not in message, message
    assert all(ch.isprintable() or ch in "\n" for ch in message), message


# --- the properties ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, org, lead):
    client.force_login(lead)
    client.raise_request_exception = False
    return client


def check_upload_answer(client, org, media_root, name, data, as_json, encoding) -> None:
    url = reverse("org:evidence-upload", args=[org.slug])
    before = set(Evidence.objects.values_list("pk", flat=True))
    body = multipart({"year": "", "ref": ""}, "files", name, data, encoding)
    response = post(client, url, body, as_json)
    assert response.status_code < 500, (name, data[:40], response.status_code)
    new = list(Evidence.objects.exclude(pk__in=before))
    if response.status_code == 400 and not as_json:
        # Django could not read the request at all (a name it cannot parse): its page says so.
        assert "That request could not be read" in response.content.decode()
        assert not new
        return
    if as_json:
        assert response.status_code in (201, 400, 409), response.status_code
        assert response["Content-Type"] == "application/json"
        assert (response.status_code == 201) == bool(new)
    else:
        assert response.status_code == 302
    clear_message(message_of(response, as_json))
    assert len(new) <= 1
    for item in new:
        assert_stored_safely(item, media_root)
        assert_served_as_attachment(client, org, item)


@FUZZ
@given(name=names, data=contents, as_json=st.booleans(), encoding=st.sampled_from(["raw", "rfc"]))
@example(name="../../etc/passwd.pdf", data=samples.PDF, as_json=True, encoding="raw")
@example(name="invoice\u202efdp.exe", data=GIF_JS, as_json=True, encoding="rfc")
@example(name="report.pdf\x00.html", data=HTML, as_json=False, encoding="rfc")
@example(name="x.docx", data=b"", as_json=True, encoding="raw")
def test_every_upload_is_stored_safely_or_refused_with_a_message(
    signed_in, org, media_root, name, data, as_json, encoding
):
    with transaction.atomic():  # each example on its own (else a repeat is a duplicate)
        check_upload_answer(signed_in, org, media_root, name, data, as_json, encoding)
        transaction.set_rollback(True)


@FUZZ
@given(name=names, data=contents, encoding=st.sampled_from(["raw", "rfc"]))
def test_every_replacement_file_is_stored_safely_or_refused_with_a_message(
    signed_in, org, lead, media_root, name, data, encoding
):
    item = FileEvidenceFactory(organisation=org, created_by=lead)
    url = reverse("org:evidence-replace", args=[org.slug, item.pk])
    old = (item.file.name, item.sha256)
    body = multipart({}, "file", name, data, encoding)
    response = post(signed_in, url, body, as_json=False)
    assert response.status_code in (200, 302, 400), (name, data[:40], response.status_code)
    item.refresh_from_db()
    if response.status_code == 302:  # replaced
        assert (item.file.name, item.sha256) != old
        assert_stored_safely(item, media_root)
        assert_served_as_attachment(signed_in, org, item)
        for version in item.versions.all():
            assert_safe_display_name(version.original_filename)
    else:
        assert (item.file.name, item.sha256) == old
        if response.status_code == 200:
            form = response.context["form"]
            assert form.errors.get("file"), form.errors
            for error in form.errors["file"]:
                clear_message(error)


# --- the kinds, one by one: what each crafted file becomes ---------------------------------------


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt"])
def test_a_zip_bomb_dressed_as_an_office_file_is_refused(signed_in, org, media_root, kind):
    body = multipart({}, "files", f"budget.{kind}", zip_bomb(kind), "raw")
    response = post(signed_in, reverse("org:evidence-upload", args=[org.slug]), body, True)
    assert response.status_code == 400
    message = json.loads(response.content)["message"]
    assert "unpack" in message and "budget" in message, message
    assert not Evidence.objects.exists()
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "name", ["docx, sizes claimed 4 GB", "odt, sizes claimed 4 GB", "xlsx of 20,000 parts"]
)
def test_an_office_file_claiming_a_huge_unpacked_size_is_refused(signed_in, org, name):
    body = multipart({}, "files", "claims.docx", crafted(name), "raw")
    response = post(signed_in, reverse("org:evidence-upload", args=[org.slug]), body, True)
    assert response.status_code == 400, json.loads(response.content)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "data, stored_as",
    [
        (HTML, "text/plain"),
        (SVG, "text/plain"),
        (PDF_HTML, "application/pdf"),
        (GIF_JS, "image/gif"),
        (JPEG_HTML, "image/jpeg"),
    ],
    ids=["html", "svg", "pdf+html", "gif+js", "jpeg+html"],
)
def test_script_carrying_files_are_served_as_inert_attachments(
    signed_in, org, media_root, data, stored_as
):
    body = multipart({}, "files", "page.html", data, "raw")
    response = post(signed_in, reverse("org:evidence-upload", args=[org.slug]), body, True)
    assert response.status_code == 201
    item = Evidence.objects.get()
    assert item.content_type == stored_as
    assert_served_as_attachment(signed_in, org, item)
    download = signed_in.get(reverse("org:evidence-download", args=[org.slug, item.pk]))
    assert download["Content-Type"] == stored_as
    assert "page.html." in download["Content-Disposition"]  # never saved as .html


@pytest.mark.parametrize(
    "name, shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("tab\there.pdf", "tabhere.pdf"),
        ("line\r\nbreak.pdf", None),  # raw, the CR LF ends the header: any safe name
    ],
)
@pytest.mark.parametrize("encoding", ["raw", "rfc"])
def test_a_hostile_name_is_kept_only_as_its_safe_last_part(
    signed_in, org, media_root, name, shown, encoding
):
    body = multipart({}, "files", name, samples.PDF, encoding)
    response = post(signed_in, reverse("org:evidence-upload", args=[org.slug]), body, True)
    if response.status_code == 400:  # a name Django's parser cannot read: nothing stored
        assert not Evidence.objects.exists()
        return
    assert response.status_code == 201, json.loads(response.content)
    item = Evidence.objects.get()
    assert shown is None or item.original_filename == shown
    assert_stored_safely(item, media_root)


@pytest.mark.parametrize("length", ["half", "10", "0", "-1", "not a number", "1e9"])
def test_a_request_whose_length_is_wrong_is_refused_cleanly(signed_in, org, media_root, length):
    """Content-Length cut short or nonsense: Django reads that many bytes (none for nonsense)
    and the truncated form gets a clear answer. (A length longer than the body cannot be
    sent through the test client: the server would wait for bytes that never come, until
    the web server's own timeout.)"""
    body = multipart({}, "files", "a.pdf", samples.PDF, "raw")
    response = signed_in.generic(
        "POST",
        reverse("org:evidence-upload", args=[org.slug]),
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(len(body) // 2) if length == "half" else length,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400, response.status_code
    assert not Evidence.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(signed_in, org, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    data = samples.PDF + b"0" * (1024 * 1024)
    body = multipart({}, "files", "big.pdf", data, "raw")
    response = post(signed_in, reverse("org:evidence-upload", args=[org.slug]), body, True)
    assert response.status_code == 400
    assert "at most 1 MB" in json.loads(response.content)["message"]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "name, content_type, expected",
    [
        ("a" * 255, "application/pdf", "a" * 251 + ".pdf"),
        ("é" * 200 + ".pdf", "application/pdf", "é" * 125 + ".pdf"),
        ("é" * 200 + ".html", "text/plain", "é" * 125 + ".txt"),
        ("x" * 300 + ".docx", "application/octet-stream", "x" * 251 + ".bin"),
        ("report.pdf", "application/pdf", "report.pdf"),
    ],
)
def test_a_download_name_is_at_most_255_bytes_and_keeps_its_extension(name, content_type, expected):
    from evidence.views import download_name

    shown = download_name(name, content_type)
    assert len(shown.encode()) <= 255
    assert shown == expected


def test_the_random_names_are_really_random(org, lead, media_root):
    """Two uploads of the same name are two different stored names (and no name leaks)."""
    first = FileEvidenceFactory(organisation=org, created_by=lead)
    second = FileEvidenceFactory(organisation=org, created_by=lead)
    assert first.file.name != second.file.name
    assert os.path.dirname(first.file.name) == f"evidence/{org.pk}"
    assert unicodedata.category(first.file.name[-1]) in {"Ll", "Nd"}


@pytest.mark.parametrize("as_json", [False, True])
def test_more_files_than_django_reads_in_one_request_is_a_400(signed_in, org, as_json):
    """Django reads at most DATA_UPLOAD_MAX_NUMBER_FILES (100) files a request."""
    files = [samples.upload(f"f{i}.pdf", samples.unique_pdf(i)) for i in range(101)]
    headers = {"Accept": "application/json"} if as_json else {}
    response = signed_in.post(
        reverse("org:evidence-upload", args=[org.slug]), {"files": files}, headers=headers
    )
    assert response.status_code == 400
    assert "That request could not be read" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("target", ["upload", "replace", "import"])
def test_an_oversize_file_writes_no_more_than_the_limit_anywhere(
    signed_in, org, lead, settings, monkeypatch, target
):
    """Django's handlers keep every byte of an upload before a view sees its size: the
    limit must stop the bytes as they arrive, not after a 10 GB file has filled the disk."""
    from django.core.files.uploadhandler import (
        MemoryFileUploadHandler,
        TemporaryFileUploadHandler,
    )

    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    kept = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def counting(self, raw_data, start, original=original):
            passed_on = original(self, raw_data, start)
            if passed_on is None:  # this handler kept the chunk (in memory or on disk)
                kept["bytes"] += len(raw_data)
            return passed_on

        monkeypatch.setattr(handler, "receive_data_chunk", counting)
    data = samples.PDF + b"0" * (6 * 1024 * 1024)  # 6 MB against a 1 MB limit
    if target == "upload":
        url, field = reverse("org:evidence-upload", args=[org.slug]), "files"
    elif target == "replace":
        item = FileEvidenceFactory(organisation=org, created_by=lead)
        url, field = reverse("org:evidence-replace", args=[org.slug, item.pk]), "file"
    else:
        url, field = reverse("org:progression-import", args=[org.slug]), "file"
    response = post(signed_in, url, multipart({}, field, "big.pdf", data, "raw"), as_json=True)
    assert kept["bytes"] <= 1024 * 1024 + 64 * 1024, kept  # the limit and one chunk at most
    assert response.status_code in (200, 400), response.status_code
    if target == "upload":
        message = json.loads(response.content)["message"]
        assert message == "“big.pdf” is 6.1 MB: files may be at most 1 MB."
    elif target == "replace":
        assert "files may be at most 1 MB" in response.content.decode()
    else:
        assert "an Annex One file is at most 2 MB" in response.content.decode()
    assert not Evidence.objects.filter(original_filename="big.pdf").exists()
