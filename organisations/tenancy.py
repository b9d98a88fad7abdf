"""Tenancy as a wall: every query on a tenant table runs in a declared tenant context.

Two walls, set by the same three context managers, so one declaration sets both:

* **django-scopes** (in Python, every database): each tenant model's default manager is a
  ``ScopedManager`` (``scoped_manager`` below). Inside ``tenant(organisation)`` its queries
  are filtered to that organisation; inside ``all_tenants(reason)`` they are not filtered;
  anywhere else (``no_tenant()``, the state of every request that is not a tenant page, of
  every Celery task and command until it says otherwise) they raise ``ScopeError``.
* **Row-level security** (PostgreSQL): every tenant table has a policy that shows the rows of
  the organisation named by the connection's setting ``cse.organisation_id``, every row when
  it is ``all``, and no row when it is unset or empty (``docs/security.md``, "Tenancy").
  Every statement the app runs carries its context's value (``with_setting``, an execute
  wrapper on every connection), in the same round trip when the connection may hold
  another.

The places that legitimately cross tenants say so with ``all_tenants("why")``; there is no
other way to switch either wall off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django_scopes import ScopedManager, get_scope, scope, scopes_disabled
from django_scopes.exceptions import ScopeError
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import state as _scope_state

__all__ = [
    "ALL",
    "SETTING",
    "ScopeError",
    "all_tenants",
    "current_setting",
    "isolated",
    "no_tenant",
    "reset",
    "scoped_manager",
    "tenant",
]

# The PostgreSQL setting the row-level security policies read, and its cross-tenant value.
SETTING = "cse.organisation_id"
ALL = "all"

# What this thread's (or task's) connections should have in SETTING: "" (no tenant), ALL or
# an organisation's id.
_setting: ContextVar[str] = ContextVar("cse_tenancy_setting", default="")


def current_setting() -> str:
    """The value the row-level security setting has (or gets) on this context's connections."""
    return _setting.get()


# The values SETTING ever takes: none, every organisation, or one organisation's id.
_VALUE = re.compile(r"(|all|[0-9]+)")
# The statements that take no setting: transaction control, session commands and DDL, which
# read no tenant row; some refuse to share a message (CREATE DATABASE, VACUUM), and ROLLBACK TO
# SAVEPOINT must run in an aborted transaction. Every other statement (SELECT, a compound
# "(SELECT …) UNION (…)", WITH, INSERT, UPDATE, DELETE, MERGE, VALUES, EXPLAIN…) takes it:
# a statement of a kind not listed here is covered, not missed.
_TAKES_NO_SETTING = re.compile(
    r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|START|COMMIT|END|ABORT|SET|RESET|SHOW|CREATE|ALTER"
    r"|DROP|GRANT|REVOKE|COMMENT|VACUUM|ANALYZE|REINDEX|CLUSTER|LOCK|DISCARD|LISTEN|NOTIFY"
    r"|UNLISTEN|PREPARE|DEALLOCATE|CHECKPOINT|SECURITY)\b",
    re.IGNORECASE,
)


def with_setting(execute, sql, params, many, context):
    """A database execute wrapper (installed on every connection): each statement runs with
    this context's SETTING. On PostgreSQL, when the connection may hold another value, the
    ``set_config`` goes in the same round trip as the statement, before it (one simple-query
    message; the statement's result, row count and description are the last statement's).

    Outside a transaction the value sent is remembered and not sent again; inside one it is
    sent with every statement and forgotten, since a rollback (to a savepoint, or of the
    whole transaction) may restore an earlier value. A statement that fails forgets it too:
    in autocommit the two statements are one implicit transaction. A server-side cursor
    (``DECLARE … CURSOR FOR``) or ``executemany`` takes the setting as its own statement."""
    connection = context["connection"]
    if connection.vendor != "postgresql" or _TAKES_NO_SETTING.match(sql):
        return execute(sql, params, many, context)
    value = _setting.get()
    in_transaction = connection.in_atomic_block or not connection.get_autocommit()
    if not in_transaction and getattr(connection, "cse_tenancy_setting", None) == value:
        return execute(sql, params, many, context)
    if not _VALUE.fullmatch(value):
        raise ValueError(f"not a tenancy setting: {value!r}")
    connection.cse_tenancy_setting = None
    statement = f"SELECT set_config('{SETTING}', '{value}', false)"  # a value _VALUE allows
    driver_cursor = context["cursor"].cursor
    if many or getattr(driver_cursor, "name", None):
        with connection.wrap_database_errors, connection.connection.cursor() as own:
            own.execute(statement)
        result = execute(sql, params, many, context)
    else:
        result = execute(f"{statement}; {sql}", params, many, context)
    if not in_transaction:
        connection.cse_tenancy_setting = value
    return result


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: put ``with_setting`` on the connection once (the same
    wrapper list lives across reconnections), innermost, so that other wrappers see the
    statement as the app wrote it. A new connection holds no value (as "": no tenant row)."""
    if connection is None:
        return
    connection.cse_tenancy_setting = ""
    if with_setting not in connection.execute_wrappers:
        connection.execute_wrappers.append(with_setting)


@contextmanager
def _database(value: str) -> Iterator[None]:
    previous = _setting.get()
    _setting.set(value)
    try:
        yield
    finally:
        _setting.set(previous)


def _organisation_id(organisation: Any) -> int:
    pk = getattr(organisation, "pk", organisation)
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise TypeError(f"tenant() needs an organisation or its id, not {organisation!r}")
    return pk


@contextmanager
def tenant(organisation: Any) -> Iterator[None]:
    """Run the block as one organisation (an Organisation or its id): scoped managers filter to
    it, and PostgreSQL shows only its rows."""
    organisation_id = _organisation_id(organisation)
    with scope(organisation=organisation_id), _database(str(organisation_id)):
        yield


@contextmanager
def all_tenants(reason: str) -> Iterator[None]:
    """Run the block across every organisation, saying why (``reason`` is required and is the
    documentation of the crossing: sign-in, a daily reminder over every owner, a command…)."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("all_tenants() needs the reason this code crosses tenants")
    with scopes_disabled(), _database(ALL):
        yield


@contextmanager
def no_tenant() -> Iterator[None]:
    """Run the block in no tenant's context: a scoped query raises ScopeError, PostgreSQL
    shows no tenant row. Every request that is not a tenant page runs like this."""
    with scope(), _database(""):
        yield


def reset() -> None:
    """Forget any context left over: no scope, no setting."""
    _scope_state.set(None)
    _setting.set("")


@contextmanager
def isolated() -> Iterator[None]:
    """Run the block (a request, a task) in no tenant's context whatever the caller held, and
    give the caller its own back after: the test client runs requests in the test's thread
    (whose setup code runs across tenants), and a worker's process runs task after task. In
    production the caller holds nothing, so each request and task starts and ends with none."""
    previous_scope, previous_setting = _scope_state.get(), _setting.get()
    reset()
    try:
        with no_tenant():
            yield
    finally:
        _scope_state.set(previous_scope)
        _setting.set(previous_setting)


class _RefusingQuerySet(DisabledQuerySet):
    """django-scopes' refusing queryset, refusing also what it lets through (``exists()``,
    ``in_bulk()``, ``contains()``, ``explain()``, ``bulk_update()``) and anything that reaches
    the database at all (``_fetch_all``), so no chain of calls runs unscoped."""

    exists = DisabledQuerySet.error
    in_bulk = DisabledQuerySet.error
    contains = DisabledQuerySet.error
    explain = DisabledQuerySet.error
    bulk_update = DisabledQuerySet.error
    _fetch_all = DisabledQuerySet.error
    _update = DisabledQuerySet.error
    _raw_delete = DisabledQuerySet.error


def _disabled_queryset_class(queryset_class: type[models.QuerySet]) -> type[models.QuerySet]:
    """The refusing queryset with the model's own queryset methods, so that
    ``Model.objects.current()`` outside a scope raises ScopeError too (not AttributeError)."""
    if queryset_class is models.QuerySet:
        return _RefusingQuerySet
    return type(f"Disabled{queryset_class.__name__}", (_RefusingQuerySet, queryset_class), {})


def scoped_manager(path: str, queryset_class: type[models.QuerySet] = models.QuerySet):
    """The default manager of a tenant model: django-scopes' ``ScopedManager`` on the
    dimension ``organisation`` reached by ``path`` ("organisation", "assessment__organisation",
    "pk" for Organisation itself), keeping the model's own queryset methods."""
    base = models.Manager.from_queryset(queryset_class)
    disabled = _disabled_queryset_class(queryset_class)
    manager = ScopedManager(organisation=path, _manager_class=base)

    class TenantManager(type(manager)):
        scope_path = path

        def get_queryset(self):
            queryset = super().get_queryset()
            if type(queryset) is DisabledQuerySet:
                queryset.__class__ = disabled
                return queryset
            current = get_scope()
            organisation = current.get("organisation")
            if current.get("_enabled", True) and type(organisation) is int:
                # The filter django-scopes has just added, on the query (which every clone
                # copies), so that for_org can see that it has been filtered so already.
                queryset.query.tenant_filter = (path, organisation)
            return queryset

    TenantManager.__name__ = f"TenantManager[{queryset_class.__name__}]"
    return TenantManager()


def filter_to(queryset: models.QuerySet, path: str, organisation: Any) -> models.QuerySet:
    """``queryset`` filtered to ``organisation``'s rows through ``path``: the querysets'
    ``for_org``. A queryset that its scoped manager has filtered to that organisation through
    the same path already (made in ``tenant(organisation)``) is returned as it is: the same
    condition twice costs the ORM some 0.1 ms a query to build and compile, for nothing."""
    organisation_id = getattr(organisation, "pk", organisation)
    if getattr(queryset.query, "tenant_filter", None) == (path, organisation_id):
        return queryset
    return queryset.filter(**{path: organisation})


def is_scoped(manager: models.Manager) -> bool:
    """Whether a manager is django-scopes' (the test walking every tenant model asks)."""
    return hasattr(manager, "with_scopes_disabled") and hasattr(manager, "with_scope")


def unscoped_reason(model: type[models.Model]) -> str | None:
    """Why a tenant model has no scoped manager, or None when it must have one. Two kinds of
    table are reached only through a scoped one; PostgreSQL's policies cover them all the same
    (organisations.rls)."""
    if hasattr(model, "instance_type") and model.__name__.startswith("Historical"):
        return (
            "a django-simple-history table: its manager is simple-history's own (bound to the "
            "model it records, which django-scopes cannot wrap); it is read through a scoped "
            "model's history or filtered by organisation (audit), and its policy covers it"
        )
    if model._meta.auto_created:
        return (
            "an automatic many-to-many table: Django reaches it only through its two models' "
            "scoped managers; its policy covers it"
        )
    return None
