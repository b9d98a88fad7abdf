"""A cap on what one uploaded file may write to disk or memory, before any view sees it.

Django's own handlers keep every byte of an upload (in memory, then in a temporary file) and
only then does a view learn its size: a 10 GB post fills the disk first. ``SizeLimitHandler``
runs before them (``FILE_UPLOAD_HANDLERS``): it passes a file's bytes on until the file
passes EVIDENCE_MAX_UPLOAD_MB, then swallows the rest, still counting, and hands the view an
``OversizeFile`` — no content, the size that was sent — which every upload check refuses by
its size with the usual message ("files may be at most 25 MB").
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def max_file_bytes() -> int:
    """The most any one uploaded file may write: the evidence limit (the largest of all)."""
    return settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024


class OversizeFile(UploadedFile):
    """A file cut off at the limit: its name and the size sent, no content."""

    def __init__(self, name: str, size: int, content_type: str | None = None) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def open(self, mode=None):  # noqa: ARG002 - the signature of File.open
        raise ValueError("An oversize upload has no content: refuse it by its size.")

    def read(self, *args, **kwargs) -> bytes:
        raise ValueError("An oversize upload has no content: refuse it by its size.")

    def chunks(self, chunk_size=None):  # noqa: ARG002
        raise ValueError("An oversize upload has no content: refuse it by its size.")

    def seek(self, *args, **kwargs) -> int:
        return 0

    def close(self) -> None:
        pass


class SizeLimitHandler(FileUploadHandler):
    """First of the upload handlers: the others get a file's bytes only up to the limit."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.limit = max_file_bytes()
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.over or self.received > self.limit:
            self.over = True
            return None  # the handlers after this one never see it
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over:
            return None  # the next handler (memory or temporary file) gives the file
        return OversizeFile(self.file_name, self.received, self.content_type)
