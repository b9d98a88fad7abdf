"""Data generations: a token per organisation that changes whenever its data changes, so that
anything computed from that data (organisations.page_cache) can be kept under the token and is
never served once the data has moved on.

Not a list of places to remember: every connection of every process (web, worker, command)
watches its own SQL. A statement that writes (INSERT, UPDATE, DELETE) to any table but the few
listed in ``UNWATCHED`` changes a generation once its transaction commits:

* inside ``tenancy.tenant(organisation)``: that organisation's;
* anywhere else (``all_tenants``, no context: commands, the admin, the sweeps, a user editing
  their own name): the global generation, which is part of every organisation's.

An UPDATE that matched no row changes nothing. A rolled-back transaction changes nothing (its
data never existed for anyone else). A writing transaction's own connection sees its changes
before they commit; ``uncommitted_writes`` says so, and the page cache then stays out of it
(the test suite runs each test in one transaction that never commits).

Tokens are random and never reused, and are kept in the database beside the data
(organisations.models.Generation, one small row a scope): a restored backup brings back the
tokens of its data, and a cache that restarts from an old snapshot holds nothing under a token
that is current. Data written by something else than this app (psql, another program) changes
no generation: ``python manage.py renew_generations`` after such a change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable

from django.db import DEFAULT_DB_ALIAS, connections

from organisations import tenancy

# Where the tokens are kept (organisations.models.Generation).
_TABLE = "organisations_generation"
# Tables whose writes no cached page shows: sessions, sign-in throttling and lockout, the
# password-reset rate table, API tokens (their page is never cached).
UNWATCHED = frozenset(
    {
        "django_session",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accesslog",
        "axes_accessfailurelog",
        "accounts_passwordresetrequest",
        "accounts_apitoken",
        _TABLE,
    }
)
# Signing in stamps the user's last_login: shown on no cached page.
_LAST_LOGIN_ONLY = re.compile(r'^UPDATE "accounts_user" SET "last_login" = \S+ WHERE ', re.I)
_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)

GLOBAL = "all"


def written_table(sql: str) -> str | None:
    """The table a statement writes to, "" for a write whose table is not read here (DDL, a
    statement of an unknown shape), or None when it writes nothing the pages show."""
    # A compound query begins with its first part's parenthesis on PostgreSQL ("(SELECT …)
    # UNION (SELECT …)"): a read. No write begins with one.
    head = sql.lstrip(" \t\r\n(")[:7].upper()
    if head.startswith(("SELECT", "SAVEPOI", "RELEASE", "ROLLBAC", "BEGIN", "COMMIT", "PRAGMA")):
        return None
    if head.startswith(("SET ", "SHOW", "EXPLAIN")):
        return None
    match = _WRITE.match(sql)
    if match is None:
        return ""  # CREATE, ALTER, DROP, TRUNCATE...: anything may have changed
    table = match.group(1).lower()
    if table in UNWATCHED or _LAST_LOGIN_ONLY.match(sql):
        return None
    return table


def _change(scope: str) -> Callable[[], None]:
    """The after-commit callback that changes one generation (one per transaction each)."""

    def renew_generation() -> None:
        renew(scope)

    renew_generation.cse_scope = scope
    return renew_generation


def _scope() -> str:
    setting = tenancy.current_setting()
    return setting if setting and setting != tenancy.ALL else GLOBAL


def watch(execute, sql, params, many, context):
    """A database execute wrapper (installed on every connection): runs the statement, then
    notes which generation it changes."""
    result = execute(sql, params, many, context)
    if written_table(sql) is not None and not _matched_nothing(sql, context.get("cursor")):
        changed(_scope(), context["connection"])
    return result


def _matched_nothing(sql: str, cursor) -> bool:
    """An UPDATE or DELETE that matched no row. Not asked of an INSERT, nor of a statement
    with RETURNING: their row count is known only once their rows are fetched (SQLite)."""
    if sql.lstrip()[:6].upper() not in ("UPDATE", "DELETE") or "RETURNING" in sql.upper():
        return False
    return getattr(cursor, "rowcount", -1) == 0


def changed(scope: str, connection) -> None:
    """The data of ``scope`` (an organisation's id or GLOBAL) changed on ``connection``: its
    generation changes once the transaction commits (now, outside a transaction)."""
    connection.cse_uncommitted_writes = getattr(connection, "cse_uncommitted_writes", 0) + 1
    if not connection.in_atomic_block:
        renew(scope)
        return
    for _savepoints, callback, _robust in connection.run_on_commit:
        if getattr(callback, "cse_scope", None) == scope:
            return
    connection.on_commit(_change(scope), robust=True)


def uncommitted_writes(using: str = DEFAULT_DB_ALIAS) -> int:
    """How many writes the current transaction on this connection holds uncommitted (0 when
    none, or outside a transaction): their generations change only when they commit."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return 0
    if not any(hasattr(callback, "cse_scope") for _s, callback, _r in connection.run_on_commit):
        return 0
    return getattr(connection, "cse_uncommitted_writes", 0)


def renew(scope: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give ``scope`` a new token: whatever was kept under the old one is never read again.
    Nothing to do while the database is being made (the table does not exist yet)."""
    connection = connections[using]
    # Known per database name: the test runner moves a connection to its test database,
    # where the table is made later than in the database it left.
    database = connection.settings_dict["NAME"]
    if getattr(connection, "cse_generations_ready", None) != database:
        if _TABLE not in connection.introspection.table_names():
            return
        connection.cse_generations_ready = database
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (scope, token) VALUES (%s, %s) "
            "ON CONFLICT (scope) DO UPDATE SET token = excluded.token",
            [scope, secrets.token_hex(8)],
        )


def tokens(scopes: Iterable[object], using: str = DEFAULT_DB_ALIAS) -> tuple[str, ...]:
    """The current token of GLOBAL and of each scope, in that order (one query); a scope with
    none yet gets one."""
    wanted = list(dict.fromkeys([GLOBAL, *(str(scope) for scope in scopes)]))
    marks = ", ".join(["%s"] * len(wanted))
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT scope, token FROM {_TABLE} WHERE scope IN ({marks})", wanted)
        found = dict(cursor.fetchall())
        missing = [scope for scope in wanted if scope not in found]
        if missing:
            for scope in missing:
                cursor.execute(
                    f"INSERT INTO {_TABLE} (scope, token) VALUES (%s, %s) "
                    "ON CONFLICT (scope) DO NOTHING",
                    [scope, secrets.token_hex(8)],
                )
            cursor.execute(f"SELECT scope, token FROM {_TABLE} WHERE scope IN ({marks})", wanted)
            found = dict(cursor.fetchall())
    return tuple(found[scope] for scope in wanted)


def install(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: put ``watch`` on the connection once (the same wrapper
    object lives across reconnections of one connection)."""
    if connection is not None and watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch)
