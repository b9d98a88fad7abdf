"""New ids for imported rows, taken from each table's own sequence.

Every id an archive names gets a new one: live rows', and those only history remembers (a
year deleted before the export). Taking them from the sequence, not from ``MAX(id) + 1``,
means no later row is ever given an id that the imported history already speaks of, so
the audit trail never mixes two objects. The new ids keep the old ids' order, so "the
previous history row" stays the previous one.
"""

from __future__ import annotations

from django.db import connection, models

from archive.errors import ArchiveError


def reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh ids of ``model``'s table, ascending, that no row has or will get.
    Call inside the transaction that inserts them (on SQLite the reservation is part of it;
    on PostgreSQL a sequence never goes back, so a rolled-back import only skips ids)."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            return _reserve_sqlite(cursor, table, column, count)
    raise ArchiveError("Importing an archive needs PostgreSQL or SQLite.")


def _reserve_sqlite(cursor, table: str, column: str, count: int) -> list[int]:
    # Django's SQLite ids are AUTOINCREMENT: sqlite_sequence holds the highest id ever
    # given, and new rows get more; raising it reserves the ids below.
    quote = connection.ops.quote_name
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
    highest = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
    if row:
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [highest + count, table]
        )
    else:
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, highest + count]
        )
    return list(range(highest + 1, highest + count + 1))
