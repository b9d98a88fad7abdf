"""Reading an organisation archive and checking all of it before anything is written.

``read_archive`` opens the zip and refuses it (ArchiveError, nothing written) when it is not
a zip or is damaged, names a member the format does not allow (``../x``, ``/etc/x``, a
folder), declares a member or a total larger than the limits (``manifest.Limits``), lacks a
member the manifest lists or holds one it does not, when any member's SHA-256 differs from
the manifest's, when the format version is unknown, or when a table's columns or values are
not what this portal's models take. What it returns holds every table's rows with their
values already converted and checked; the files stay in the zip, to be copied into storage
by ``archive.restore`` in chunks.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from archive import manifest as fmt
from archive.errors import ArchiveError
from archive.tables import Column, Kind, Table, from_json, table_for
from cse_portal.text import single_line
from organisations.models import Organisation

CHUNK = 1024 * 1024
# What reading a damaged zip may raise, beyond BadZipFile.
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,  # an unknown compression method
    RuntimeError,  # an encrypted member (refused from its flags before it is opened)
)


@dataclass(frozen=True)
class FileRef:
    member: str  # files/<n>
    old_name: str  # its stored name where it was exported


@dataclass
class TableRows:
    table: Table
    columns: list[Column]  # the archive's columns, in its order
    rows: list[list[Any]]  # converted values: ids as ints, people as emails, files as FileRef


@dataclass
class Archive:
    zip: zipfile.ZipFile
    slug: str
    name: str
    members: dict[str, dict]
    people: dict[str, str]  # email -> full name
    tables: list[TableRows] = field(default_factory=list)

    def open_file(self, member: str) -> IO[bytes]:
        return self.zip.open(member)


@contextmanager
def read_archive(path: str | Path, limits: fmt.Limits | None = None) -> Iterator[Archive]:
    """The checked archive at ``path``, its zip open while the block runs."""
    limits = limits or fmt.Limits.from_settings()
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"There is no file {path}.")
    try:
        archive_zip = zipfile.ZipFile(path)
    except DAMAGED:
        raise ArchiveError(f"{path.name} is not a zip file, or it is damaged.") from None
    with archive_zip:
        try:
            yield _check(archive_zip, limits)
        except DAMAGED as error:
            raise ArchiveError(
                f"{path.name} is damaged ({type(error).__name__}: {error}); nothing was imported."
            ) from None


def _check(archive_zip: zipfile.ZipFile, limits: fmt.Limits) -> Archive:
    infos = _check_listing(archive_zip, limits)
    document = _json(archive_zip, infos[fmt.MANIFEST], limits, expected=None)
    members = fmt.check_manifest(document)

    present = set(infos) - {fmt.MANIFEST}
    if missing := sorted(set(members) - present):
        raise ArchiveError(f"The archive is incomplete: {', '.join(missing[:5])} missing.")
    if extra := sorted(present - set(members)):
        raise ArchiveError(
            f"The archive holds members its manifest does not list: {', '.join(extra[:5])}."
        )
    for name, entry in members.items():
        if infos[name].file_size != entry["size"]:
            raise ArchiveError(
                f"{name} is not the size the manifest gives: the archive was changed or damaged."
            )
    # Every file member's hash first (streamed), then the JSON members (read and parsed).
    for name in sorted(members):
        if name.startswith("files/"):
            _check_hash(archive_zip, infos[name], members[name], limits)

    people = _people(_json(archive_zip, infos[fmt.PEOPLE], limits, members[fmt.PEOPLE]))
    organisation = document["organisation"]
    archive = Archive(
        zip=archive_zip,
        slug=organisation["slug"],
        name=str(organisation.get("name", "")),
        members=members,
        people=people,
    )
    for name in sorted(n for n in members if n.startswith("tables/")):
        content = _json(archive_zip, infos[name], limits, members[name])
        archive.tables.append(_table(name, content, archive))
    _check_organisation(archive)
    _check_keys(archive)
    return archive


def _check_listing(archive_zip: zipfile.ZipFile, limits: fmt.Limits) -> dict[str, zipfile.ZipInfo]:
    listing = archive_zip.infolist()
    if len(listing) > limits.members:
        raise ArchiveError(f"The archive holds {len(listing)} members, more than {limits.members}.")
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in listing:
        if not fmt.is_allowed_member(info.filename):
            raise ArchiveError(
                f"The archive holds a member the format does not allow: {info.filename!r} "
                "(only manifest.json, people.json, tables/… and files/…)."
            )
        if info.filename in infos:
            raise ArchiveError(f"The archive holds {info.filename} twice.")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{info.filename} is encrypted: archives are never encrypted.")
        limit = limits.file_bytes if info.filename.startswith("files/") else limits.json_bytes
        if info.file_size > limit:
            raise ArchiveError(
                f"{info.filename} would unpack to {info.file_size} bytes, more than the limit "
                f"of {limit}: refused."
            )
        total += info.file_size
        infos[info.filename] = info
    if total > limits.total_bytes:
        raise ArchiveError(
            f"The archive would unpack to {total} bytes, more than the limit of "
            f"{limits.total_bytes}: refused."
        )
    if fmt.MANIFEST not in infos:
        raise ArchiveError(f"The archive has no {fmt.MANIFEST}: it is not an organisation archive.")
    return infos


def _read(archive_zip: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, keep: bool):
    digest = hashlib.sha256()
    size = 0
    parts: list[bytes] = []
    with archive_zip.open(info) as member:
        while chunk := member.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ArchiveError(f"{info.filename} is larger than the limit of {limit} bytes.")
            digest.update(chunk)
            if keep:
                parts.append(chunk)
    return digest.hexdigest(), size, b"".join(parts)


def _check_hash(
    archive_zip: zipfile.ZipFile, info: zipfile.ZipInfo, entry: dict, limits: fmt.Limits
) -> None:
    digest, size, _ = _read(archive_zip, info, limits.file_bytes, keep=False)
    _compare(info.filename, entry, digest, size)


def _compare(name: str, entry: dict, digest: str, size: int) -> None:
    if digest != entry["sha256"] or size != entry["size"]:
        raise ArchiveError(
            f"{name} does not match the hash in the manifest: the archive was changed or "
            "damaged after it was written. Nothing was imported."
        )


def _json(
    archive_zip: zipfile.ZipFile, info: zipfile.ZipInfo, limits: fmt.Limits, expected: dict | None
) -> Any:
    digest, size, content = _read(archive_zip, info, limits.json_bytes, keep=True)
    if expected is not None:
        _compare(info.filename, expected, digest, size)
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ArchiveError(f"{info.filename} is not valid JSON.") from None


def _people(document: Any) -> dict[str, str]:
    people = document.get("people") if isinstance(document, dict) else None
    if not isinstance(people, list):
        raise ArchiveError(f"{fmt.PEOPLE} has no list of people.")
    found: dict[str, str] = {}
    for number, person in enumerate(people, start=1):
        email = person.get("email") if isinstance(person, dict) else None
        full_name = person.get("full_name", "") if isinstance(person, dict) else None
        try:
            if not isinstance(email, str) or not isinstance(full_name, str):
                raise ValidationError("an email address and a name")
            validate_email(email)
            single_line(email)
            single_line(full_name)
        except ValidationError as error:
            raise ArchiveError(
                f"{fmt.PEOPLE}, person {number}: not a valid person ({'; '.join(error.messages)})."
            ) from None
        found[email.strip().lower()] = full_name[:150]
    return found


def _table(member: str, document: Any, archive: Archive) -> TableRows:
    if not isinstance(document, dict) or not isinstance(document.get("model"), str):
        raise ArchiveError(f"{member} is not a table.")
    table = table_for(document["model"])
    if table is None or table.member != member:
        raise ArchiveError(
            f"{member} holds {document['model']!r}, which this portal has no table for: "
            "the archive comes from another version of the portal."
        )
    columns = _columns(member, table, document.get("columns"))
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise ArchiveError(f"{member} has no rows.")
    converted = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(columns):
            raise ArchiveError(f"{member}, row {number}: not {len(columns)} values.")
        converted.append(
            [
                _value(member, number, column, value, archive)
                for column, value in zip(columns, row, strict=True)
            ]
        )
    return TableRows(table=table, columns=columns, rows=converted)


def _columns(member: str, table: Table, described: Any) -> list[Column]:
    if not isinstance(described, list):
        raise ArchiveError(f"{member} does not list its columns.")
    columns: list[Column] = []
    for entry in described:
        name = entry.get("name") if isinstance(entry, dict) else None
        column = table.column(name) if isinstance(name, str) else None
        if column is None or entry.get("kind") != column.kind.value:
            raise ArchiveError(
                f"{member}: the column {name!r} is not one this portal's {table.label} has "
                "(the archive comes from another version of the portal)."
            )
        if (
            column.kind in (Kind.ROW, Kind.OBJECT)
            and entry.get("table") != column.target._meta.label_lower
        ):
            raise ArchiveError(f"{member}: the column {name!r} points at another table.")
        if column in columns:
            raise ArchiveError(f"{member}: the column {name!r} is listed twice.")
        columns.append(column)
    names = {column.name for column in columns}
    if table.pk.name not in names or table.owner.name not in names:
        raise ArchiveError(f"{member} lacks its id or its owner column.")
    for column in table.columns:
        if column.name not in names and not _has_default(column.field):
            raise ArchiveError(f"{member} lacks the column {column.name!r}, which has no default.")
    return columns


def _has_default(field: models.Field) -> bool:
    return field.has_default() or field.null or isinstance(field, models.FileField)


def _value(member: str, number: int, column: Column, value: Any, archive: Archive) -> Any:
    try:
        return _convert(column, value, archive)
    except (ValidationError, ValueError, TypeError) as error:
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        raise ArchiveError(f"{member}, row {number}, column {column.name}: {reason}") from None


def _convert(column: Column, value: Any, archive: Archive) -> Any:
    field = column.field
    if value is None:
        if column.kind == Kind.PK or not (field.null or column.kind == Kind.FILE):
            raise ValidationError("a value is required")
        return None
    kind = column.kind
    if kind in (Kind.PK, Kind.OBJECT, Kind.ROW):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
            raise ValidationError("not an id")
        return value
    if kind == Kind.USER:
        if not isinstance(value, str) or value.strip().lower() not in archive.people:
            raise ValidationError("a person the archive's people.json does not list")
        return value.strip().lower()
    if kind == Kind.STANDARD:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(part, str) for part in value)
        ):
            raise ValidationError("not a natural key")
        return tuple(value)
    if kind == Kind.FILE:
        if value == "":
            return ""
        if not isinstance(value, dict) or value.get("member") not in archive.members:
            raise ValidationError("a file the archive does not hold")
        if not str(value["member"]).startswith("files/") or not isinstance(value.get("name"), str):
            raise ValidationError("not a file reference")
        return FileRef(member=value["member"], old_name=value["name"])
    if not _json_type_fits(field, value):
        raise ValidationError(f"not a value of a {type(field).__name__}")
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("a NUL character")
    python = from_json(field, value)
    if kind == Kind.FILE_NAME:
        if not isinstance(python, str):
            raise ValidationError("not a file name")
        return python
    if field.choices and python not in ("", None):
        field.validate(python, None)  # one of the choices
    if isinstance(field, models.CharField) and field.max_length and len(python) > field.max_length:
        raise ValidationError(f"longer than {field.max_length} characters")
    if python not in ("", None):
        # The column's own rules: an integer's range, the text rules (no control or bidi
        # characters: cse_portal.text), an address's or a URL's form.
        field.run_validators(python)
    return python


def _json_type_fits(field: models.Field, value: Any) -> bool:
    """The JSON type the writer gives each kind of field (archive.tables.to_json)."""
    if isinstance(field, models.JSONField):
        return True
    if isinstance(field, models.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, models.IntegerField):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(field, models.FloatField | models.DurationField):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _check_keys(archive: Archive) -> None:
    """Every row's id once, and every key the database enforces pointing at a row of the
    archive (a history row's keys are loose: what it recorded may be gone)."""
    ids: dict[type[models.Model], set[int]] = {}
    for rows in archive.tables:
        index = rows.columns.index(rows.table.pk)
        seen: set[int] = set()
        for number, row in enumerate(rows.rows, start=1):
            if row[index] in seen:
                raise ArchiveError(f"{rows.table.member}, row {number}: the id {row[index]} twice.")
            seen.add(row[index])
        ids[rows.table.model] = seen
    for rows in archive.tables:
        for index, column in enumerate(rows.columns):
            if column.kind != Kind.ROW or not getattr(column.field, "db_constraint", False):
                continue
            held = ids.get(column.target, set())
            for number, row in enumerate(rows.rows, start=1):
                if row[index] is not None and row[index] not in held:
                    raise ArchiveError(
                        f"{rows.table.member}, row {number}, column {column.name}: it refers "
                        "to a row the archive does not hold."
                    )


def _check_organisation(archive: Archive) -> None:
    rows = next((t for t in archive.tables if t.table.model is Organisation), None)
    if rows is None or len(rows.rows) != 1:
        raise ArchiveError("The archive does not hold exactly one organisation.")
    slug_column = next((c for c in rows.columns if c.name == "slug"), None)
    slug = rows.rows[0][rows.columns.index(slug_column)] if slug_column else None
    if slug != archive.slug:
        raise ArchiveError("The archive's organisation is not the one its manifest names.")
