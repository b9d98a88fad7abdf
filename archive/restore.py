"""Restoring a checked archive (archive.reader) into this database, in one transaction.

Before anything is written: the organisation's slug must be free here and every standard the
rows name must be loaded. Then, in one transaction that also removes every file it stored if
it fails (``evidence.services.storing_files``): people are matched by email address (those
missing are created inactive, with no usable password), every id the archive names gets a
new one from its table's sequence (archive.ids), files are copied from the zip into storage
in chunks (named by the model's own rule, their hash checked again on the way) and the rows
are inserted as they were, ids remapped, timestamps kept.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models
from django.db.models.functions import Lower

from archive import ids as id_sequences
from archive.errors import ArchiveError
from archive.reader import Archive, FileRef, TableRows
from archive.tables import Kind, tables
from evidence.services import store_file, storing_files
from organisations.models import Organisation

BATCH = 500
IDS = (Kind.PK, Kind.OBJECT, Kind.ROW, Kind.USER, Kind.STANDARD)
SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


@dataclass
class ImportSummary:
    organisation: Organisation
    rows: int = 0
    files: int = 0
    people_matched: int = 0
    people_created: list[str] = field(default_factory=list)


def check_importable(archive: Archive) -> None:
    """What this database must offer before the archive is written (ArchiveError if not):
    the organisation's slug free, every standard its rows name loaded. Writes nothing."""
    _check_slug_free(archive.slug)
    _standard_ids(archive)


def import_archive(archive: Archive) -> ImportSummary:
    """Write ``archive``'s organisation into this database, or nothing (ArchiveError)."""
    _check_slug_free(archive.slug)
    standards = _standard_ids(archive)
    try:
        with storing_files():
            _check_slug_free(archive.slug)
            return _write(archive, standards)
    except (DatabaseError, ValueError, OverflowError, SuspiciousOperation) as error:
        # Rolled back, and storing_files has removed the files it stored.
        raise ArchiveError(
            f"The archive could not be written ({type(error).__name__}: {error}); "
            "nothing was imported."
        ) from None


def _check_slug_free(slug: str) -> None:
    if Organisation.objects.filter(slug=slug).exists():
        raise ArchiveError(
            f"An organisation with the slug {slug!r} already exists here, so nothing was "
            "imported. An archive restores an organisation into a database that lacks it."
        )


def _standard_ids(archive: Archive) -> dict[type[models.Model], dict[tuple, Any]]:
    """Each standard model's ids by natural key, for the keys the archive names; refused
    when one is not loaded here."""
    wanted: dict[type[models.Model], set[tuple]] = defaultdict(set)
    for rows in archive.tables:
        for index, column in enumerate(rows.columns):
            if column.kind == Kind.STANDARD:
                wanted[column.target].update(
                    row[index] for row in rows.rows if row[index] is not None
                )
    found: dict[type[models.Model], dict[tuple, Any]] = {}
    for model, keys in wanted.items():
        query = model._base_manager.all()
        if any(f.name == "standard" and f.is_relation for f in model._meta.concrete_fields):
            query = query.select_related("standard")
        found[model] = {tuple(row.natural_key()): row.pk for row in query}
        if missing := sorted(keys - set(found[model])):
            shown = ", ".join("/".join(key) for key in missing[:3])
            raise ArchiveError(
                f"The archive names {model._meta.verbose_name} {shown}, which this database "
                "does not have: load that standard first (manage.py loaddata), then import "
                "again. Nothing was imported."
            )
    return found


def _write(archive: Archive, standards: dict) -> ImportSummary:
    people, created = _people(archive)
    new_ids = _new_ids(archive)
    organisation_rows = next(t for t in archive.tables if t.table.model is Organisation)
    old_org = organisation_rows.rows[0][organisation_rows.columns.index(organisation_rows.table.pk)]
    context = _Context(
        archive=archive,
        ids=new_ids,
        people=people,
        standards=standards,
        old_org=old_org,
        new_org=new_ids[Organisation][old_org],
    )
    by_table = {rows.table.label: rows for rows in archive.tables}
    inserted = 0
    for table in tables():  # live tables before history: files are named before renaming
        if table.label in by_table:
            inserted += _insert(by_table[table.label], context)
    summary = ImportSummary(
        organisation=Organisation.objects.get(pk=context.new_org),
        rows=inserted,
        files=len(context.files),
        people_matched=len(people) - len(created),
        people_created=created,
    )
    return summary


@dataclass
class _Context:
    archive: Archive
    ids: dict[type[models.Model], dict[int, int]]
    people: dict[str, Any]
    standards: dict
    old_org: int
    new_org: int
    files: dict[str, str] = field(default_factory=dict)  # old stored name -> new


def _people(archive: Archive) -> tuple[dict[str, Any], list[str]]:
    """Everyone the rows name, by email: matched to this database's accounts, or created
    inactive with no usable password (an admin re-invites them or they reset it)."""
    User = get_user_model()
    emails = sorted(archive.people)
    found: dict[str, Any] = {}
    for start in range(0, len(emails), BATCH):
        chunk = emails[start : start + BATCH]
        accounts = User._base_manager.annotate(address=Lower("email")).filter(address__in=chunk)
        for pk, address in accounts.values_list("pk", "address"):
            found[address] = pk
    created = []
    for email in emails:
        if email not in found:
            user = User.objects.create_user(
                email, password=None, is_active=False, full_name=archive.people[email]
            )
            found[email] = user.pk
            created.append(email)
    return found, created


def _new_ids(archive: Archive) -> dict[type[models.Model], dict[int, int]]:
    """A new id for every id the archive names, table by table, in the old ids' order."""
    named: dict[type[models.Model], set[int]] = defaultdict(set)
    for rows in archive.tables:
        for index, column in enumerate(rows.columns):
            if column.kind in (Kind.PK, Kind.OBJECT, Kind.ROW):
                named[column.target].update(
                    row[index] for row in rows.rows if row[index] is not None
                )
    mapping = {}
    for model, old in named.items():
        ordered = sorted(old)
        mapping[model] = dict(zip(ordered, id_sequences.reserve(model, len(ordered)), strict=True))
    return mapping


def _insert(rows: TableRows, context: _Context) -> int:
    """Insert the table's rows, many to a statement (one round trip per batch)."""
    table = rows.table
    position = {column.name: index for index, column in enumerate(rows.columns)}
    columns = table.columns
    limit = connection.features.max_query_params
    per_statement = max(1, min(BATCH, limit // len(columns))) if limit else BATCH
    database = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no proxy per value
    # Ids (renumbered keys, people, the standard) are plain integers already.
    prepared = [column.kind not in IDS for column in columns]
    batch: list[Any] = []
    with database.cursor() as cursor:
        for row in rows.rows:
            values = {
                column.name: _new_value(column, row[position[column.name]], context)
                if column.name in position
                else _default(column.field)
                for column in columns
            }
            for column in columns:
                if column.kind == Kind.FILE and isinstance(values[column.name], FileRef):
                    values[column.name] = _store(table, column, values, context)
            batch.append(
                [
                    column.field.get_db_prep_save(values[column.name], database)
                    if prepare
                    else values[column.name]
                    for column, prepare in zip(columns, prepared, strict=True)
                ]
            )
            if len(batch) == per_statement:
                _execute(cursor, table, batch)
                batch = []
        if batch:
            _execute(cursor, table, batch)
    return len(rows.rows)


def _execute(cursor, table, batch: list[list[Any]]) -> None:
    quote = connection.ops.quote_name
    row = "({})".format(", ".join(["%s"] * len(table.columns)))
    sql = "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608 (names from the models)
        quote(table.model._meta.db_table),
        ", ".join(quote(column.field.column) for column in table.columns),
        ", ".join([row] * len(batch)),
    )
    cursor.execute(sql, [value for values in batch for value in values])


def _default(field: models.Field) -> Any:
    if isinstance(field, models.FileField):
        return ""
    return field.get_default()


def _new_value(column, value: Any, context: _Context) -> Any:
    if value is None:
        return None
    kind = column.kind
    if kind in (Kind.PK, Kind.OBJECT, Kind.ROW):
        return context.ids[column.target][value]
    if kind == Kind.USER:
        return context.people[value]
    if kind == Kind.STANDARD:
        return context.standards[column.target][value]
    if kind == Kind.FILE_NAME:
        return context.files.get(value, value)
    return value  # values, and FileRefs (stored once the row's ids are known)


def _store(table, column, values: dict[str, Any], context: _Context) -> str:
    """Copy a file from the zip into storage, named by the model's own rule from the new
    row (``evidence/<organisation>/<random>``, ``reports/<organisation>/board-report-<id>.pdf``)."""
    ref: FileRef = values[column.name]
    if ref.old_name in context.files:
        return context.files[ref.old_name]
    instance = table.model(
        **{c.attname: values[c.name] for c in table.columns if c.kind in (Kind.PK, Kind.ROW)}
    )
    field_file = column.field.attr_class(instance, column.field, None)
    expected = context.archive.members[ref.member]
    with context.archive.open_file(ref.member) as member:
        reader = _HashingReader(member)
        content = File(reader, name=PurePosixPath(ref.old_name).name or "file")
        content.size = expected["size"]
        store_file(field_file, _name_for(instance, ref.old_name, context), content)
    if reader.digest.hexdigest() != expected["sha256"] or reader.size != expected["size"]:
        raise ArchiveError(
            f"{ref.member} changed while it was being imported; nothing was imported."
        )
    context.files[ref.old_name] = field_file.name
    return field_file.name


def _name_for(instance: models.Model, old_name: str, context: _Context) -> str:
    """The name to store a file under: the row's own ``storage_name`` when its model derives
    one from the ids (board reports, evidence packs), else the old name with the old
    organisation's id replaced (a model with an ``upload_to`` rule applies it anyway)."""
    try:
        name = getattr(instance, "storage_name", None)
    except NotImplementedError:
        name = None
    return name if isinstance(name, str) else _renamed(old_name, context)


def _renamed(old_name: str, context: _Context) -> str:
    """The old name's safe parts (no ``..``, no root, plain characters), with the old
    organisation's id replaced by the new one."""
    parts = [
        str(context.new_org) if part == str(context.old_org) else part
        for part in old_name.replace("\\", "/").split("/")
        if SAFE_PART.fullmatch(part)
    ]
    return "/".join(parts) or "file"


class _HashingReader:
    """A file-like reader that hashes what is read through it."""

    def __init__(self, source) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data
