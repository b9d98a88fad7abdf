"""Which files may be evidence, judged from their content, never from their name.

Allowed: PDF, Office (OOXML and the older OLE2 formats) and OpenDocument documents, images,
plain text and CSV, and email files (.eml, Outlook .msg). A program, an archive or anything
else is refused, whatever it is called.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str


PDF = FileType("application/pdf", "PDF document")
PNG = FileType("image/png", "PNG image")
JPEG = FileType("image/jpeg", "JPEG image")
GIF = FileType("image/gif", "GIF image")
WEBP = FileType("image/webp", "WebP image")
TIFF = FileType("image/tiff", "TIFF image")
BMP = FileType("image/bmp", "BMP image")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook"
)
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint presentation",
)
OLE2 = FileType("application/x-ole-storage", "Office document (Word, Excel, PowerPoint or Outlook)")
EMAIL = FileType("message/rfc822", "email message")
CSV = FileType("text/csv", "CSV file")
TEXT = FileType("text/plain", "plain text")

# The OpenDocument types accepted, by the exact ``mimetype`` member that names them. The type
# stored and sent back on download is always one of these constants, never the file's bytes.
_OPENDOCUMENT = "application/vnd.oasis.opendocument."
OPENDOCUMENT_TYPES: dict[str, FileType] = {
    _OPENDOCUMENT + kind: FileType(_OPENDOCUMENT + kind, f"OpenDocument {label}")
    for kind, label in [
        ("text", "text"),
        ("text-template", "text template"),
        ("text-master", "master document"),
        ("spreadsheet", "spreadsheet"),
        ("spreadsheet-template", "spreadsheet template"),
        ("presentation", "presentation"),
        ("presentation-template", "presentation template"),
        ("graphics", "drawing"),
        ("graphics-template", "drawing template"),
        ("chart", "chart"),
        ("formula", "formula"),
        ("image", "image"),
    ]
}

# Every type an item may be stored with: a download is sent with one of these or as
# application/octet-stream (rows stored before this list may carry anything).
KNOWN_TYPES: dict[str, FileType] = {
    filetype.content_type: filetype
    for filetype in [
        PDF, PNG, JPEG, GIF, WEBP, TIFF, BMP, DOCX, XLSX, PPTX, OLE2, EMAIL, CSV, TEXT,
        *OPENDOCUMENT_TYPES.values(),
    ]
}  # fmt: skip

ALLOWED_DESCRIPTION = (
    "PDF, Word, Excel, PowerPoint, OpenDocument, images (PNG, JPEG, GIF, WebP, TIFF, BMP), "
    "plain text, CSV or email files"
)

_IMAGES = [
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
]

# A BMP starts with "BM", as plenty of text does ("BMI,weight", "BMA report"): the reserved
# bytes after the file size are zero and the info header has one of a few known sizes.
_BMP_INFO_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}

# What a refused file turned out to be, for a message that helps.
_KNOWN_REFUSED = [
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"#!", "a script"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
]

_EMAIL_HEADERS = (
    b"from:", b"to:", b"subject:", b"date:", b"received:", b"return-path:",
    b"message-id:", b"mime-version:", b"delivered-to:", b"x-",
)  # fmt: skip


class RefusedType(Exception):
    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def sniff(stream: BinaryIO) -> FileType:
    """The allowed type of the file's content, or RefusedType saying what it is instead."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if not head:
        raise RefusedType("an empty file")
    if head.startswith(b"%PDF-"):
        return PDF
    for magic, filetype in _IMAGES:
        if head.startswith(magic):
            return filetype
    if _is_bmp(head):
        return BMP
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream)
    for magic, what in _KNOWN_REFUSED:
        if head.startswith(magic):
            raise RefusedType(what)
    return _sniff_text(head, complete=len(head) < SNIFF_BYTES)


def _is_bmp(head: bytes) -> bool:
    return (
        len(head) >= 18
        and head.startswith(b"BM")
        and head[6:10] == b"\x00\x00\x00\x00"
        and int.from_bytes(head[14:18], "little") in _BMP_INFO_HEADER_SIZES
    )


# A document packs 2 to 20 times; a zip bomb a thousand times or more. An archive is never
# unpacked here (only its directory is read, and a ``mimetype`` member of a few bytes), but
# it is not kept either when it would overwhelm whoever opens it: more parts than a real
# document has, or more unpacked bytes than the limits below (sizes as its directory says).
MAX_ZIP_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 1024**3  # 1 GB, whatever the ratio
MAX_PACKING_RATIO = 100  # above this, refused once the unpacked size passes the next figure
RATIO_CHECKED_FROM = 100 * 1024**2  # 100 MB


def _megabytes(size: int) -> str:
    return f"{size / 1024**3:,.1f} GB" if size >= 1024**3 else f"{size / 1024**2:,.0f} MB"


def _check_unpacked(archive: zipfile.ZipFile, packed: int) -> None:
    """RefusedType for an archive with too many parts or too many bytes once unpacked."""
    parts = archive.infolist()
    if len(parts) > MAX_ZIP_MEMBERS:
        raise RefusedType(
            f"an archive of {len(parts):,} parts (a document has at most a few thousand)"
        )
    unpacked = sum(part.file_size for part in parts)
    ratio = unpacked / max(packed, 1)
    if unpacked > MAX_UNPACKED_BYTES or (
        unpacked > RATIO_CHECKED_FROM and ratio > MAX_PACKING_RATIO
    ):
        raise RefusedType(
            f"a compressed file that would unpack to {_megabytes(unpacked)}, {ratio:,.0f} "
            "times its size, as a “zip bomb” does"
        )


def _size_of(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _sniff_zip(stream: BinaryIO) -> FileType:
    """OOXML and OpenDocument files are zip archives with a telling member inside."""
    packed = _size_of(stream)
    try:
        with zipfile.ZipFile(stream) as archive:
            _check_unpacked(archive, packed)
            names = set(archive.namelist())
            # The mimetype member is a few dozen bytes: never inflate a large one.
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                mimetype = archive.read("mimetype").decode("ascii", "replace")
                # A trailing newline is harmless (the type sent back is our constant);
                # anything else unknown is refused, whatever it claims to be.
                mimetype = mimetype.rstrip("\r\n")
                if mimetype in OPENDOCUMENT_TYPES:
                    return OPENDOCUMENT_TYPES[mimetype]
                if mimetype.startswith(_OPENDOCUMENT):
                    raise RefusedType("an OpenDocument file of a kind that is not accepted")
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
                if any(n.startswith("ppt/") for n in names):
                    return PPTX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise RefusedType("a damaged or unreadable archive") from None
    finally:
        stream.seek(0)
    raise RefusedType("a zip archive")


# Control characters that text may carry; others (below 0x20) betray binary data.
_TEXT_CONTROLS = {"\t", "\n", "\r", "\f", "\x0b", "\x1a", "\x1b"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _sniff_text(head: bytes, complete: bool = True) -> FileType:
    """Plain text, CSV or an email message; ``complete`` is False when ``head`` is only the
    start of a longer file (its last line may then be cut short)."""
    if head.startswith(_UTF16_BOMS):  # Windows "Unicode" text: NULs are expected here
        text = _decode_utf16(head, complete)
    elif b"\x00" in head:
        raise RefusedType("binary data of an unknown kind")
    else:
        text = _decode(head, complete)
    text = text.lstrip("\ufeff")
    controls = sum(1 for ch in text if ch < " " and ch not in _TEXT_CONTROLS)
    if controls > max(2, len(text) // 100):
        raise RefusedType("binary data of an unknown kind")
    lines = [line for line in text.splitlines() if line.strip()]
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    if lines and _looks_like_email(lines):
        return EMAIL
    if len(lines) >= 2 and _looks_like_csv(lines):
        return CSV
    return TEXT


def _decode(head: bytes, complete: bool) -> str:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample may end inside a multi-byte character: judge what came before it.
        if not complete and exc.start >= len(head) - 4:
            return head[: exc.start].decode("utf-8")
    try:
        return head.decode("cp1252")
    except UnicodeDecodeError:
        raise RefusedType("binary data of an unknown kind") from None


def _decode_utf16(head: bytes, complete: bool) -> str:
    if not complete:
        head = head[: len(head) - len(head) % 2]
    try:
        return head.decode("utf-16")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 4:  # cut inside a surrogate pair
            return head[: exc.start].decode("utf-16")
        raise RefusedType("binary data of an unknown kind") from None


def _looks_like_email(lines: list[str]) -> bool:
    header_lines = [line.lower().encode() for line in lines[:20]]
    hits = sum(1 for line in header_lines if line.startswith(_EMAIL_HEADERS))
    return hits >= 3 and header_lines[0].split(b":", 1)[0].replace(b"-", b"").isalnum()


def _looks_like_csv(lines: list[str]) -> bool:
    """Every row of the sample has the same number of fields, two or more, for one of the
    separators, read as CSV is read: a separator inside a quoted field ("Smith, J") is text,
    and a quoted field may run over several lines."""
    sample = lines[:20]
    for separator in (",", ";", "\t"):
        try:
            widths = {len(row) for row in csv.reader(sample, delimiter=separator, strict=True)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def sniff_bytes(data: bytes) -> FileType:
    return sniff(io.BytesIO(data))
