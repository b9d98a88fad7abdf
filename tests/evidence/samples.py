"""Small real files of each kind, built in memory, for the upload and type tests."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def bmp() -> bytes:
    """A 1×1 BMP: file header, a 40-byte info header, one pixel."""
    pixel = b"\xff\xff\xff\x00"
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixel), 2835, 2835, 0, 0)
    size = 14 + len(info) + len(pixel)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, 14 + len(info)) + info + pixel


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/"/>'


def docx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p/>"})


def odt() -> bytes:
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        }
    )


def ods() -> bytes:
    return _zip(
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}
    )


def plain_zip() -> bytes:
    return _zip({"notes.txt": b"hello", "photo.jpg": JPEG})


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EML = (
    b"From: Sam Smith <sam@example.org>\r\n"
    b"To: quality@example.org\r\n"
    b"Subject: Thank you for the home visit\r\n"
    b"Date: Tue, 3 Sep 2024 10:12:00 +0100\r\n"
    b"Message-ID: <1@example.org>\r\n"
    b"\r\n"
    b"The staff were kind and explained everything clearly.\r\n"
)
CSV = b"date,channel,complaints\n2024-01,phone,3\n2024-02,email,5\n2024-03,letter,1\n"
TEXT = b"Minutes of the customer panel, 12 March 2024.\nPresent: five members.\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    """What Django hands a view: the browser's claimed content type is never trusted."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def unique_pdf(n: int) -> bytes:
    """A different PDF each time (duplicates are judged by sha256)."""
    return PDF + f"% copy {n}\n".encode()
