"""Rows read without the ORM's query building, for the few lookups of every request.

Django spends some 0.2 ms of CPU building and compiling even a read by primary key, before
the database is asked (10 µs); every signed-in request makes three such reads before its page
does anything (its session, its user, its membership: docs/performance.md, "Request's fixed
part"). Those three read through here: their SQL is written once from the models' own
metadata, their values are passed as parameters, and each row becomes an instance exactly as
the ORM makes one (``Model.from_db``, after the same database converters), so nothing
downstream can tell the difference (tests/test_row_reads.py compares them field by field).

Only for lookups outside any tenant's scope, or under ``tenancy.all_tenants``: django-scopes
checks a query when the ORM builds it, and these are not built by the ORM. PostgreSQL's
row-level security still applies (the tenancy setting is sent with every statement by the
connection's execute wrapper, whoever wrote the SQL).
"""

import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, Any], Any]


class ModelColumns:
    """One model's concrete columns in a SELECT (as ``alias.column``), and the instance made
    from their values."""

    def __init__(self, model: type[M], alias: str):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        # Per connection object (each thread has its own): its operations' converters.
        self._converters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._texts: dict[tuple, str] = {}

    def table(self, connection) -> str:
        return self._text(
            connection,
            "table",
            lambda quote: f"{quote(self.model._meta.db_table)} {quote(self.alias)}",
        )

    def column(self, connection, name: str) -> str:
        """One column, by its field name (``user`` names the column ``user_id``)."""
        return self._text(
            connection,
            ("column", name),
            lambda quote: f"{quote(self.alias)}.{quote(self.model._meta.get_field(name).column)}",
        )

    def select(self, connection) -> str:
        return self._text(
            connection,
            "select",
            lambda quote: ", ".join(f"{quote(self.alias)}.{quote(f.column)}" for f in self.fields),
        )

    def _text(self, connection, key, write: Callable[[Callable[[str], str]], str]) -> str:
        # Written once per kind of database (its quoting).
        key = (connection.vendor, key)
        if key not in self._texts:
            self._texts[key] = write(connection.ops.quote_name)
        return self._texts[key]

    def instance(self, connection, values: Sequence[Any]) -> M:
        """The instance these values (in ``select``'s order) make, as the ORM would make it."""
        converted = []
        for value, converters in zip(values, self._field_converters(connection), strict=True):
            for convert, expression in converters:
                value = convert(value, expression, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)

    def _field_converters(self, connection) -> list[list[tuple[Converter, Any]]]:
        # As SQLCompiler.get_converters: the backend's converters, then the field's own.
        key = connection
        if key not in self._converters:
            per_field = []
            for field in self.fields:
                expression = field.get_col(self.alias)
                converters = connection.ops.get_db_converters(
                    expression
                ) + expression.get_db_converters(connection)
                per_field.append([(convert, expression) for convert in converters])
            self._converters[key] = per_field
        return self._converters[key]


def fetch(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple]:
    """The rows of one statement, through the connection's execute wrappers (the tenancy
    setting, the generations' watch) as every ORM query goes."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
