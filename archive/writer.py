"""Writing an organisation's archive (docs/archive.md): every tenant table as JSON, every
stored file once, the people its rows name, and the manifest of hashes.

The zip is written to a temporary file beside the target and moved into place only when
complete, so a failed export leaves no half archive under the target's name. Files are
copied from storage into the zip in chunks, never held whole in memory; tables are written
row by row from the database's cursor. On PostgreSQL the export reads one snapshot
(repeatable read), so its tables agree with each other.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.storage import Storage
from django.db import connection, models, transaction
from django.utils import timezone

from archive import manifest as fmt
from archive.errors import ArchiveError
from archive.tables import Kind, Table, owned, tables, to_json
from organisations.models import Organisation

CHUNK = 1024 * 1024
ROWS_PER_FETCH = 2000


@dataclass
class ExportSummary:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    people: int = 0


@dataclass
class _Files:
    """Stored files met in the rows, each given one member however often it is named."""

    members: dict[tuple[int, str], str] = field(default_factory=dict)
    pending: list[tuple[Storage, str, str, str]] = field(default_factory=list)

    def member_for(self, storage: Storage, name: str, where: str) -> str:
        key = (id(storage), name)
        if key not in self.members:
            self.members[key] = f"files/{len(self.members) + 1}"
            self.pending.append((storage, name, self.members[key], where))
        return self.members[key]


class _Names:
    """Natural keys of reference rows (the standard's elements), one query a model."""

    def __init__(self) -> None:
        self.keys: dict[type[models.Model], dict[Any, list]] = {}

    def natural_key(self, model: type[models.Model], pk: Any) -> list | None:
        if model not in self.keys:
            self.keys[model] = {row.pk: list(row.natural_key()) for row in _with_standard(model)}
        return self.keys[model].get(pk)


def _with_standard(model: type[models.Model]) -> models.QuerySet:
    query = model._base_manager.all()
    if any(f.name == "standard" and f.is_relation for f in model._meta.concrete_fields):
        query = query.select_related("standard")
    return query


def export_organisation(organisation: Organisation, path: str | os.PathLike) -> ExportSummary:
    """Write ``organisation``'s archive to ``path`` (replaced if it exists)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ArchiveError(f"The folder {target.parent} does not exist: create it first.")
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.parent
    )
    os.close(handle)
    try:
        summary = _write(organisation, Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    summary.path = target
    summary.bytes = target.stat().st_size
    return summary


def _write(organisation: Organisation, path: Path) -> ExportSummary:
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
            return _write_members(organisation, archive, path)


def _member(archive: zipfile.ZipFile, name: str, compressed: bool):
    info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return archive.open(info, "w", force_zip64=True)


def _write_members(
    organisation: Organisation, archive: zipfile.ZipFile, path: Path
) -> ExportSummary:
    summary = ExportSummary(path=path)
    members: dict[str, dict] = {}
    users = {pk: (email, name) for pk, email, name in _people()}
    named_users: set[Any] = set()
    names = _Names()
    files = _Files()
    for table in tables():
        with _member(archive, table.member, compressed=True) as out:
            writer = fmt.HashingWriter(out)
            summary.rows += _write_table(
                table, organisation.pk, writer, users, named_users, names, files
            )
        members[table.member] = writer.entry()
        summary.tables += 1
        for storage, name, member, where in files.pending:
            members[member] = _copy_file(archive, storage, name, member, where)
            summary.files += 1
        files.pending.clear()

    people = sorted(
        ({"email": users[pk][0], "full_name": users[pk][1]} for pk in named_users if pk in users),
        key=lambda person: person["email"],
    )
    summary.people = len(people)
    with _member(archive, fmt.PEOPLE, compressed=True) as out:
        writer = fmt.HashingWriter(out)
        writer.write(json.dumps({"people": people}, ensure_ascii=False, indent=1).encode())
    members[fmt.PEOPLE] = writer.entry()

    document = fmt.manifest(
        {"slug": organisation.slug, "name": organisation.name},
        timezone.now().isoformat(),
        members,
    )
    with _member(archive, fmt.MANIFEST, compressed=True) as out:
        out.write(json.dumps(document, ensure_ascii=False, indent=1).encode())
    return summary


def _people() -> list[tuple[Any, str, str]]:
    User = get_user_model()
    return list(User._base_manager.values_list("pk", "email", "full_name"))


def _write_table(
    table: Table,
    organisation_id: int,
    out: fmt.HashingWriter,
    users: dict[Any, tuple[str, str]],
    named_users: set[Any],
    names: _Names,
    files: _Files,
) -> int:
    header = {
        "model": table.label,
        "columns": [
            {"name": c.name, "kind": c.kind.value}
            | ({"table": c.target._meta.label_lower} if c.kind in (Kind.ROW, Kind.OBJECT) else {})
            for c in table.columns
        ],
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))
    out.write(head[:-1].encode() + b',"rows":[')
    rows = (
        owned(table, organisation_id)
        .order_by(table.pk.attname)
        .values_list(*(c.attname for c in table.columns))
    )
    count = 0
    for values in rows.iterator(chunk_size=ROWS_PER_FETCH):
        row = []
        for column, value in zip(table.columns, values, strict=True):
            row.append(_travel(table, column, value, values, users, named_users, names, files))
        out.write(
            (b"\n" if count == 0 else b",\n")
            + json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()
        )
        count += 1
    out.write(b"\n]}\n")
    return count


def _travel(table, column, value, values, users, named_users, names, files) -> Any:
    """One value as the archive carries it (see archive.tables for the kinds)."""
    if value is None:
        return None
    kind = column.kind
    if kind == Kind.USER:
        if value not in users:
            return None  # a person deleted since (a history row's loose key)
        named_users.add(value)
        return users[value][0]
    if kind == Kind.STANDARD:
        return names.natural_key(column.target, value)
    if kind == Kind.FILE:
        if not value:
            return ""
        where = f"{table.model._meta.verbose_name} {values[table.columns.index(table.pk)]}"
        return {"member": files.member_for(column.field.storage, value, where), "name": value}
    if kind in (Kind.PK, Kind.OBJECT, Kind.ROW, Kind.FILE_NAME):
        return value
    return to_json(value)


def _copy_file(
    archive: zipfile.ZipFile, storage: Storage, name: str, member: str, where: str
) -> dict:
    try:
        source = storage.open(name, "rb")
    except FileNotFoundError:  # (S3 opens lazily: a missing key fails on reading, below)
        raise ArchiveError(
            f"The file of {where} ({name}) is missing from storage, so the archive would be "
            "incomplete. Restore the file (or remove the row) and export again."
        ) from None
    try:
        with source, _member(archive, member, compressed=False) as out:
            writer = fmt.HashingWriter(out)
            shutil.copyfileobj(source, writer, CHUNK)
    except Exception as error:  # a storage's own errors (S3's among them): say which file
        raise ArchiveError(
            f"Could not read the file of {where} ({name}) from storage "
            f"({type(error).__name__}: {error}); nothing was written."
        ) from None
    return writer.entry()
