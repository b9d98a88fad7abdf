"""File types are judged from the content, never the name: each allowed kind is recognised
from real (small) files, and programs, archives and unknown binaries are refused with a
message naming the file and what it is."""

import hashlib
import os

import pytest

from evidence import filetypes
from evidence.filetypes import RefusedType, sniff_bytes
from evidence.services import UploadRejected, check_upload
from tests.evidence import samples


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.PDF, filetypes.PDF),
        (samples.png(), filetypes.PNG),
        (samples.JPEG, filetypes.JPEG),
        (samples.GIF, filetypes.GIF),
        (samples.bmp(), filetypes.BMP),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", filetypes.WEBP),
        (b"II*\x00\x08\x00\x00\x00", filetypes.TIFF),
        (samples.docx(), filetypes.DOCX),
        (samples.xlsx(), filetypes.XLSX),
        (samples.pptx(), filetypes.PPTX),
        (samples.OLE2, filetypes.OLE2),
        (samples.EML, filetypes.EMAIL),
        (samples.CSV, filetypes.CSV),
        (samples.TEXT, filetypes.TEXT),
    ],
    ids=lambda v: v.label if isinstance(v, filetypes.FileType) else "",
)
def test_allowed_types_are_recognised_from_content(data, expected):
    assert sniff_bytes(data) == expected


def test_opendocument_files_by_their_mimetype_member():
    assert sniff_bytes(samples.odt()).content_type == "application/vnd.oasis.opendocument.text"
    assert sniff_bytes(samples.odt()).label == "OpenDocument text"
    assert sniff_bytes(samples.ods()).label == "OpenDocument spreadsheet"


def test_text_in_other_encodings():
    assert sniff_bytes("Café minutes, 3 May\n".encode("cp1252")) == filetypes.TEXT
    assert sniff_bytes("\ufeffMinutes\nof the panel\n".encode("utf-16")) == filetypes.TEXT
    assert sniff_bytes("\ufeffdate;count\n2024;3\n".encode()) == filetypes.CSV


def test_text_starting_like_a_bitmap_is_text():
    """ "BM" alone is not a BMP: a CSV of BMI figures stays a CSV."""
    assert sniff_bytes(b"BMI,weight\n22.1,70\n25.3,81\n") == filetypes.CSV
    assert sniff_bytes(b"BMA annual report\n") == filetypes.TEXT


def test_a_csv_with_separators_inside_quoted_fields_is_csv():
    """A comma inside a quoted name is text, not a separator: every row still has 3 fields.
    A quoted field may also run over two lines."""
    data = b'name,team,complaints\n"Smith, J",Housing,3\nAhmed,"Care, North",5\n'
    assert sniff_bytes(data) == filetypes.CSV
    data = b'date,comment\n2024-01,"Called back,\nresolved"\n2024-02,none\n'
    assert sniff_bytes(data) == filetypes.CSV
    # Rows of different widths are not a table, however quoted.
    assert sniff_bytes(b'a,b\n"c,d",e,f\n') == filetypes.TEXT


def test_a_long_csv_cut_mid_line_by_the_sample_is_still_csv():
    rows = b"".join(f"2024-{n:04d},phone,{n}\n".encode() for n in range(2000))
    assert len(rows) > filetypes.SNIFF_BYTES
    assert sniff_bytes(b"date,channel,count\n" + rows) == filetypes.CSV


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (samples.EXE, "a Windows program"),
        (samples.ELF, "a Linux program"),
        (samples.plain_zip(), "a zip archive"),
        (b"PK\x03\x04 truncated", "a damaged or unreadable archive"),
        (b"\x1f\x8b\x08\x00" + os.urandom(64), "a gzip archive"),
        (os.urandom(4096) + b"\x00", "binary data of an unknown kind"),
        (bytes(range(1, 32)) * 10, "binary data of an unknown kind"),
        (b"", "an empty file"),
    ],
    ids=["exe", "elf", "zip", "damaged-zip", "gzip", "random", "control-chars", "empty"],
)
def test_refused_content_says_what_it_is(data, what):
    with pytest.raises(RefusedType) as refused:
        sniff_bytes(data)
    assert refused.value.what == what


def test_an_exe_renamed_pdf_is_refused_naming_the_file_and_the_rule():
    with pytest.raises(UploadRejected) as rejected:
        check_upload(samples.upload("board-minutes.pdf", samples.EXE, "application/pdf"))
    message = str(rejected.value)
    assert "“board-minutes.pdf”" in message
    assert "a Windows program" in message
    assert "Allowed: PDF" in message


@pytest.mark.parametrize(
    ("name", "data", "what"),
    [
        ("tool.pdf", samples.ELF, "a Linux program"),
        ("photos.docx", samples.plain_zip(), "a zip archive"),
        ("data.csv", os.urandom(2048) + b"\x00", "binary data of an unknown kind"),
        ("empty.txt", b"", "an empty file"),
    ],
)
def test_check_upload_refusals_name_file_and_kind(name, data, what):
    with pytest.raises(UploadRejected, match=f"“{name}” is {what}"):
        check_upload(samples.upload(name, data))


def test_check_upload_gives_type_hash_and_size_whatever_the_claimed_type():
    checked = check_upload(samples.upload("scan.txt", samples.PDF, "text/plain"))
    assert checked.filetype == filetypes.PDF
    assert checked.size == len(samples.PDF)
    assert checked.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert checked.name == "scan.txt"


def test_the_folder_part_of_an_uploaded_name_is_dropped():
    checked = check_upload(samples.upload("C:\\Users\\sam\\report.pdf", samples.PDF))
    assert checked.name == "report.pdf"


def test_size_limit_from_the_megabytes_setting(settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = samples.PDF + b"0" * (1024 * 1024)
    with pytest.raises(UploadRejected) as rejected:
        check_upload(samples.upload("big.pdf", big))
    assert str(rejected.value) == "“big.pdf” is 1.1 MB: files may be at most 1 MB."


def test_one_setting_sets_the_size_limit(settings):
    """EVIDENCE_MAX_UPLOAD_MB is the only upload-limit setting: a file of exactly the limit
    is accepted, one byte more is refused."""
    from django.conf import settings as loaded

    assert not hasattr(loaded, "EVIDENCE_MAX_UPLOAD_BYTES")
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    exact = samples.PDF + b"0" * (1024 * 1024 - len(samples.PDF))
    assert check_upload(samples.upload("exact.pdf", exact)).size == 1024 * 1024
    with pytest.raises(UploadRejected, match="files may be at most 1 MB"):
        check_upload(samples.upload("over.pdf", exact + b"0"))
