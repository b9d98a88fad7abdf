"""Tenant queries compiled by the ORM once per process, then run with each request's values.

Django builds and compiles every queryset afresh on each request: some 0.25–0.45 ms of CPU a
query on this machine, before the database is asked (10–50 µs for the pages' reads). A page
drawing five queries spends more in that than in anything else it does
(docs/performance.md). ``prepared`` keeps the SQL the ORM writes for a queryset, and runs it
with new values:

    _RESULTS = prepared(
        lambda assessment_id: ElementResult.objects.filter(assessment_id=assessment_id)
        .order_by()
        .values_list("element_id", "rating")
    )
    rows = _RESULTS(assessment.pk)   # a list, as list(queryset) gives

**The builder is run once per process** (and database connection), with stand-in values: it
must be a pure function of its arguments (ints, strings or dates; every value that varies is
an argument, never ``timezone.now()`` or a setting read inside). Each argument must reach the
SQL as a parameter of its own, unchanged (``filter(pk=…)``, ``year__lt=…``: not a LIKE
pattern, a LIMIT or an ``__in`` list), or the query is refused when first prepared.

**The tenancy wall stands.** The builder is compiled in a django-scopes scope whose
organisation is a stand-in, so the scoped managers write their organisation filter into the
SQL as a parameter; each run puts the current scope's organisation there. A run outside a
single organisation's scope runs the queryset itself (refused with ScopeError outside any
scope, across every organisation in ``all_tenants``, as it always was); a builder whose SQL
does not filter by the scope's organisation is refused. PostgreSQL's row-level security
applies to these statements as to any (the tenancy setting is sent with each).

Rows come back as the ORM makes them: tuples for ``values_list``, values for
``values_list(flat=True)``, model instances (with ``select_related`` ones) for a model
queryset, after the same database converters. tests/organisations/test_prepared.py compares
every prepared query of the app with its queryset.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django_scopes import get_scope, scope

from organisations.tenancy import ScopeError

_INT64 = (-(2**63), 2**63 - 1)
_ORGANISATION = 29989  # the stand-in organisation id (as unlikely a value as the arguments')


def _stand_in(index: int, value: Any) -> Any:
    """A value no query holds by chance, of the argument's type (an int in the range of the
    smallest integer column, which the ORM checks: a year, a position)."""
    if isinstance(value, bool):
        raise TypeError("a prepared query takes no bool argument: make it part of the query")
    if isinstance(value, int):
        return 30011 + 22 * index  # odd, not a year, a position or a count any query holds
    if isinstance(value, str):
        return f"cse-prepared-{index}-9f3a61"
    if isinstance(value, date) and not hasattr(value, "hour"):
        return date(1901, 2, 3) + timedelta(days=index)
    raise TypeError(f"a prepared query takes ints, strings and dates, not {value!r}")


class _Compiled:
    """The SQL of one prepared query on one connection, and what each parameter is: the
    scope's organisation, an argument (its index), or a constant of the query."""

    def __init__(self, build: Callable[..., models.QuerySet], args: Sequence[Any], connection):
        stand_ins = [_stand_in(index, value) for index, value in enumerate(args)]
        with scope(organisation=_ORGANISATION):
            queryset = build(*stand_ins)
        self.iterable = queryset._iterable_class
        if self.iterable not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise TypeError("a prepared query is a model queryset or a values_list")
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise TypeError("a prepared query reads one statement: no prefetch_related")
        self.types = [type(value) for value in args]
        self.compiler = queryset.query.get_compiler(connection=connection)
        sql, params = self.compiler.as_sql()
        adapted = {_adapt(connection, stand_in): index for index, stand_in in enumerate(stand_ins)}
        self.slots: list[tuple[str, Any]] = []
        for param in params:
            if param == _ORGANISATION:
                self.slots.append(("organisation", None))
            elif _key(param) in adapted:
                self.slots.append(("argument", adapted[_key(param)]))
            else:
                self.slots.append(("constant", param))
        if ("organisation", None) not in self.slots:
            raise ScopeError("a prepared query must read through a scoped (tenant) manager")
        missing = set(range(len(args))) - {
            value for kind, value in self.slots if kind == "argument"
        }
        if missing:
            raise ValueError(
                f"argument(s) {sorted(missing)} did not reach the SQL as a parameter of their own"
            )
        self.sql = sql
        self.arity = len(args)
        if self.iterable is ModelIterable:
            info = self.compiler.klass_info
            self.model = info["model"]
            fields = info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            select = self.compiler.select
            self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
            self.related = get_related_populators(info, select, connection.alias)
            self.annotations = list(self.compiler.annotation_col_map.items())

    def params(self, organisation: int, args: Sequence[Any], connection) -> list[Any]:
        values = []
        for kind, value in self.slots:
            if kind == "organisation":
                values.append(organisation)
            elif kind == "argument":
                values.append(_adapt(connection, args[value]))
            else:
                values.append(value)
        return values

    def rows(self, raw: list[tuple], connection) -> list[Any]:
        if self.compiler.has_extra_select:  # the ordering's columns, as execute_sql drops
            raw = [row[: self.compiler.col_count] for row in raw]
        converted = self.compiler.results_iter(results=[raw], tuple_expected=True)
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in converted]
        if self.iterable is ValuesListIterable:
            return list(converted)
        objects = []
        for row in converted:
            instance = self.model.from_db(
                connection.alias, self.init_list, row[self.start : self.end]
            )
            for populator in self.related:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            objects.append(instance)
        return objects


def _adapt(connection, value: Any) -> Any:
    """A date as the backend's ORM sends it (SQLite: text); anything else as it is."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return connection.ops.adapt_datefield_value(value)
    return value


def _key(param: Any) -> Any:
    return param if isinstance(param, (int, str, date)) and not isinstance(param, bool) else None


class PreparedQuery:
    def __init__(self, build: Callable[..., models.QuerySet]):
        self.build = build
        # Per connection object (each thread has its own): its compiler and converters.
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        current = get_scope()
        organisation = current.get("organisation")
        if not current.get("_enabled", True) or type(organisation) is not int:
            # Not one organisation's page or task (a command across them all, no scope at
            # all): the queryset itself, which its scoped managers allow or refuse.
            return list(self.build(*args))
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled(self.build, args, connection)
        if len(args) != compiled.arity:
            raise TypeError(f"this prepared query takes {compiled.arity} argument(s)")
        if [type(value) for value in args] != compiled.types:
            raise TypeError(f"this prepared query takes {compiled.types}, not {args!r}")
        if any(type(value) is int and not _INT64[0] <= value <= _INT64[1] for value in args):
            return []  # no column holds it (a number typed into an address): no row, as the ORM

        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params(organisation, args, connection))
            raw = cursor.fetchall()
        rows = compiled.rows(raw, connection)
        if settings.PREPARED_QUERIES_CHECK:
            # The ORM's run is the check's own: it is left out of the queries a test counts.
            logged = len(connection.queries_log)
            expected = list(self.build(*args))
            while len(connection.queries_log) > logged:
                connection.queries_log.pop()
            _check(rows, expected, args)
        return rows


class PreparedDiffers(AssertionError):
    """A prepared query's rows differ from its queryset's (raised only with
    PREPARED_QUERIES_CHECK, as in the tests)."""


def _check(rows: list[Any], expected: list[Any], args: Sequence[Any]) -> None:
    """With PREPARED_QUERIES_CHECK, every run is compared with its queryset run by the ORM:
    the same rows, and for instances the same fields, annotations and related instances."""
    if _comparable(rows) != _comparable(expected):
        raise PreparedDiffers(f"prepared {args!r}: {rows!r} != the ORM's {expected!r}")


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, models.Model):
        fields = {k: v for k, v in value.__dict__.items() if k != "_state"}
        related = {k: _comparable(v) for k, v in value._state.fields_cache.items()}
        return (type(value), fields, related)
    return value


def prepared(build: Callable[..., models.QuerySet]) -> PreparedQuery:
    """A tenant query compiled once per process (above): call it with the builder's
    arguments, in the organisation's scope, for its rows."""
    return PreparedQuery(build)
