"""The archive's format: its name and version, the members it may hold, their limits, and the
manifest of SHA-256 hashes (docs/archive.md)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from archive.errors import ArchiveError

FORMAT = "cse-portal-organisation"
VERSION = 1
MANIFEST = "manifest.json"
PEOPLE = "people.json"

# tables/<app label>.<model name>.json, files/<number>: nothing else is a member.
TABLE_MEMBER = re.compile(r"tables/[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.json")
FILE_MEMBER = re.compile(r"files/[0-9]{1,9}")

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an import reads at most; bigger is refused before a byte is read."""

    members: int  # members in the zip
    json_bytes: int  # one JSON member (the manifest, people, a table), read into memory
    file_bytes: int  # one stored file
    total_bytes: int  # everything, uncompressed

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            members=getattr(settings, "ARCHIVE_MAX_MEMBERS", 1_000_000),
            json_bytes=getattr(settings, "ARCHIVE_MAX_JSON_MB", 1024) * MB,
            file_bytes=getattr(settings, "ARCHIVE_MAX_FILE_MB", 1024) * MB,
            total_bytes=getattr(settings, "ARCHIVE_MAX_TOTAL_MB", 100 * 1024) * MB,
        )


def is_allowed_member(name: str) -> bool:
    """Only the names the format defines: no folders, no ``..``, no absolute paths."""
    return (
        name in (MANIFEST, PEOPLE)
        or TABLE_MEMBER.fullmatch(name) is not None
        or FILE_MEMBER.fullmatch(name) is not None
    )


class HashingWriter:
    """Writes through to ``out`` and counts the bytes and their SHA-256 on the way."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)

    def entry(self) -> dict[str, Any]:
        return {"sha256": self.digest.hexdigest(), "size": self.size}


def manifest(organisation: dict[str, Any], created_at: str, members: dict[str, dict]) -> dict:
    """The manifest document: format, version, whose archive, and every member's hash."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at,
        "organisation": organisation,
        "members": dict(sorted(members.items())),
    }


def check_manifest(document: Any) -> dict[str, dict]:
    """The members of a manifest read from an archive, once its format, version and shape
    are known good (ArchiveError otherwise)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveError(f"This is not an organisation archive ({MANIFEST} is not one).")
    version = document.get("version")
    if version != VERSION:
        raise ArchiveError(
            f"The archive's format version is {version!r}; this portal reads version "
            f"{VERSION} only. Import it with the portal version that wrote it."
        )
    members = document.get("members")
    if not isinstance(members, dict):
        raise ArchiveError(f"The archive's {MANIFEST} lists no members.")
    for name, entry in members.items():
        if not isinstance(name, str) or not is_allowed_member(name):
            raise ArchiveError(f"The manifest names a member the format does not allow: {name!r}.")
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
            or not isinstance(entry.get("size"), int)
            or isinstance(entry.get("size"), bool)
            or entry["size"] < 0
        ):
            raise ArchiveError(f"The manifest's entry for {name} has no valid hash and size.")
    organisation = document.get("organisation")
    if not isinstance(organisation, dict) or not isinstance(organisation.get("slug"), str):
        raise ArchiveError(f"The archive's {MANIFEST} does not say whose archive it is.")
    return members
