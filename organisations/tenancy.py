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
  The same context managers set it on every open connection, and on each connection opened
  while they are active.

The places that legitimately cross tenants say so with ``all_tenants("why")``; there is no
other way to switch either wall off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DatabaseError, connections, models
from django_scopes import ScopedManager, scope, scopes_disabled
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


def _apply(connection, value: str, *, new: bool = False) -> None:
    """Set SETTING on one open PostgreSQL connection (session-wide, not only the transaction:
    a request is not one transaction). Through the driver's own cursor, so it is not one of the
    app's queries (query counts stay as they were).

    Outside a transaction a value once set stays until changed, so the same value is not sent
    again (a request on a kept connection sends two: its organisation, then none). Inside one,
    it is always sent and not remembered: a rollback may restore an earlier value."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    if (
        not new
        and not connection.in_atomic_block
        and getattr(connection, "cse_tenancy_setting", None) == value
    ):
        return
    connection.cse_tenancy_setting = None
    # A kept connection that died (a database restart) is closed here, as Django's health check
    # would before its first query; the next query reconnects and connection_created sets it.
    connection.close_if_health_check_failed()
    if connection.connection is None:
        return
    raw = connection.connection
    import psycopg2.extensions as ext

    if raw.get_transaction_status() == ext.TRANSACTION_STATUS_INERROR:
        # An aborted transaction accepts nothing until it is rolled back; the value is set
        # again by the next context entered (each request and task starts with none).
        return
    try:
        with connection.wrap_database_errors, raw.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])
        if not connection.in_atomic_block:
            connection.cse_tenancy_setting = value
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        # Outside a transaction, a connection that cannot take the setting is not used again:
        # the next query opens a new one, which gets the setting (fail closed, not open).
        connection.close()


def _apply_everywhere(value: str) -> None:
    for connection in connections.all(initialized_only=True):
        _apply(connection, value)


def on_connection_created(sender, connection, **kwargs) -> None:
    """A connection opened inside a context gets the context's setting at once (connected to
    ``connection_created`` in OrganisationsConfig.ready)."""
    _apply(connection, _setting.get(), new=True)


@contextmanager
def _database(value: str) -> Iterator[None]:
    previous = _setting.get()
    _setting.set(value)
    _apply_everywhere(value)
    try:
        yield
    finally:
        _setting.set(previous)
        _apply_everywhere(previous)


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
    _apply_everywhere("")


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
        _apply_everywhere(previous_setting)


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

    TenantManager.__name__ = f"TenantManager[{queryset_class.__name__}]"
    return TenantManager()


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
