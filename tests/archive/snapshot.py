"""An organisation's rows and files as a round trip must keep them: every column of every
exported table, ids replaced by their rank among the ids the organisation's rows name (an
import gives new ids in the old ids' order), people by email, the standard by natural key,
files by the SHA-256 of their content in storage."""

import hashlib
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from archive.tables import Kind, owned, tables


def file_hash(name: str) -> str | None:
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def snapshot(organisation_id: int) -> dict[str, list[tuple]]:
    raw = {}
    named: dict[Any, set] = defaultdict(set)
    for table in tables():
        rows = list(
            owned(table, organisation_id)
            .order_by(table.pk.attname)
            .values_list(*(c.attname for c in table.columns))
        )
        raw[table] = rows
        for index, column in enumerate(table.columns):
            if column.kind in (Kind.PK, Kind.OBJECT, Kind.ROW):
                named[column.target].update(r[index] for r in rows if r[index] is not None)
    live_files = {
        row[index]
        for table, rows in raw.items()
        for index, column in enumerate(table.columns)
        if column.kind == Kind.FILE
        for row in rows
    }
    rank = {model: {pk: n for n, pk in enumerate(sorted(ids))} for model, ids in named.items()}
    emails = dict(get_user_model()._base_manager.values_list("pk", "email"))
    shot = {}
    for table, rows in raw.items():
        shot[table.label] = [
            tuple(
                _value(column, value, rank, emails, live_files)
                for column, value in zip(table.columns, row, strict=True)
            )
            for row in rows
        ]
    return shot


def _value(column, value, rank, emails, live_files) -> Any:
    if value is None:
        return None
    if column.kind in (Kind.PK, Kind.OBJECT, Kind.ROW):
        return ("id", rank[column.target][value])
    if column.kind == Kind.USER:
        return ("user", emails.get(value))
    if column.kind == Kind.STANDARD:
        return ("standard", tuple(column.target._base_manager.get(pk=value).natural_key()))
    if column.kind == Kind.FILE:
        return ("file", file_hash(value))
    if column.kind == Kind.FILE_NAME:
        # A history row's copy of a file name: the file when it is one the rows still hold
        # (renamed on import), else the name as it was (a file deleted since).
        return ("file", file_hash(value)) if value in live_files else ("name", value)
    return value


def counts() -> dict[str, int]:
    """Rows in every table of the project (to show that nothing was written)."""
    from django.apps import apps

    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }
