"""Which files may be evidence, judged from their content, never from their name.

Allowed: PDF, Office (OOXML and the older OLE2 formats) and OpenDocument documents, images,
plain text and CSV, and email files (.eml, Outlook .msg). A program, an archive or anything
else is refused, whatever it is called.
"""

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
    (b"BM", BMP),
]

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
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream)
    for magic, what in _KNOWN_REFUSED:
        if head.startswith(magic):
            raise RefusedType(what)
    return _sniff_text(head)


def _sniff_zip(stream: BinaryIO) -> FileType:
    """OOXML and OpenDocument files are zip archives with a telling member inside."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype.startswith("application/vnd.oasis.opendocument."):
                    kind = mimetype.rsplit(".", 1)[-1]
                    return FileType(mimetype, f"OpenDocument {kind}")
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
                if any(n.startswith("ppt/") for n in names):
                    return PPTX
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RefusedType("a damaged or unreadable archive") from None
    finally:
        stream.seek(0)
    raise RefusedType("a zip archive")


def _sniff_text(head: bytes) -> FileType:
    if b"\x00" in head:
        raise RefusedType("binary data of an unknown kind")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character: judge what came before it.
        if exc.start < len(head) - 4:
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                raise RefusedType("binary data of an unknown kind") from None
        else:
            text = head[: exc.start].decode("utf-8")
    text = text.lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and _looks_like_email(lines):
        return EMAIL
    if len(lines) >= 2 and _looks_like_csv(lines):
        return CSV
    return TEXT


def _looks_like_email(lines: list[str]) -> bool:
    header_lines = [line.lower().encode() for line in lines[:20]]
    hits = sum(1 for line in header_lines if line.startswith(_EMAIL_HEADERS))
    return hits >= 3 and header_lines[0].split(b":", 1)[0].replace(b"-", b"").isalnum()


def _looks_like_csv(lines: list[str]) -> bool:
    sample = lines[:20]
    for separator in (",", ";", "\t"):
        counts = {line.count(separator) for line in sample}
        if len(counts) == 1 and counts.pop() >= 1:
            return True
    return False


def sniff_bytes(data: bytes) -> FileType:
    return sniff(io.BytesIO(data))
