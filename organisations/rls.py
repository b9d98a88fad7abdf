"""PostgreSQL row-level security on the tenant tables: the second wall (organisations.tenancy
is the first, and sets both).

Each tenant table gets ROW LEVEL SECURITY, FORCEd (so the tables' owner is held to it too),
and one policy ``cse_tenant`` for every command, reading the connection's setting
``cse.organisation_id`` (organisations.tenancy.SETTING):

* an organisation's id: that organisation's rows only;
* ``all`` (``tenancy.all_tenants``): every row;
* unset or empty (no declared context): no tenant row at all.

A table with an ``organisation_id`` column compares it; a child table without one (a result
through its year, a version through its item, a history row through what it records) shows a
row when its parent row is visible (``EXISTS`` on the parent, whose own policy applies), so
a child is never more visible than its parent. Under ``all`` every row is visible, a history
row whose parent was deleted included; under one organisation such a row is not visible.

A superuser, or a role with BYPASSRLS, ignores all of this: the app connects as a role that
has neither and does not own the tables (docs/security.md, "Tenancy").
"""

from __future__ import annotations

from organisations.tenancy import ALL, SETTING

POLICY = "cse_tenant"


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def visible(table: str, column: str, parent: str | None = None, parent_key: str = "id") -> str:
    """The policy's condition for ``table``: ``column`` is the organisation's id (``parent``
    None), or the key of a row of ``parent`` that must be visible."""
    setting = f"current_setting('{SETTING}', true)"
    everything = f"{setting} = '{ALL}'"
    if parent is None:
        return f"({everything} OR {_quote(table)}.{_quote(column)}::text = {setting})"
    return (
        f"({everything} OR EXISTS (SELECT 1 FROM {_quote(parent)} AS parent "
        f"WHERE parent.{_quote(parent_key)} = {_quote(table)}.{_quote(column)}))"
    )


def enable(table: str, column: str, parent: str | None = None, parent_key: str = "id") -> list[str]:
    """The statements that put ``table`` behind the wall (idempotent)."""
    condition = visible(table, column, parent, parent_key)
    name = _quote(table)
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {name}",
        f"CREATE POLICY {POLICY} ON {name} FOR ALL USING {condition} WITH CHECK {condition}",
    ]


def disable(table: str) -> list[str]:
    name = _quote(table)
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {name}",
        f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY",
    ]


def run(schema_editor, statements: list[str]) -> None:
    """Run on PostgreSQL; nothing on any other database (SQLite has no row-level security)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)
