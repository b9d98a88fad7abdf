"""What an organisation archive holds, found from the models themselves.

A *tenant table* is every model (history tables and many-to-many tables included) with a
path of foreign keys to ``Organisation``: its own ``organisation`` key, or a key to another
tenant table (a result through its year, a version through its item, a history row through
the year it names). Nothing here lists the apps' models by hand, so a model added later is
exported without anyone remembering it; a model that must stay out is named in ``EXCLUDED``
with the reason, and ``tests/archive/test_tables.py`` fails for any tenant model that is
neither exported nor excluded.

Each column of a tenant table has a *kind* that says how its values travel:
``pk`` (the row's own id, renumbered on import), ``object`` (a history row's copy of the
id of what it records, renumbered like that model's ids), ``row`` (a key to another tenant
table, renumbered), ``user`` (a person, by email address), ``standard`` (reference data, by
natural key: ``["cse", "1", "1.3.3"]``), ``file`` (a stored file: a member of ``files/``),
``file_name`` (a history row's copy of a file's stored name) and ``value`` (everything else,
as JSON).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q

from archive.errors import ArchiveError
from organisations.models import Organisation

# Models with a path to Organisation that the archive leaves out, each with its reason.
# (label_lower -> reason). Empty today: every tenant model travels.
EXCLUDED: dict[str, str] = {}


class Kind(StrEnum):
    PK = "pk"
    OBJECT = "object"
    ROW = "row"
    USER = "user"
    STANDARD = "standard"
    FILE = "file"
    FILE_NAME = "file_name"
    VALUE = "value"


# Field classes whose values travel as JSON (text, numbers, dates, choices, JSON).
VALUE_FIELDS: tuple[type[models.Field], ...] = (
    models.CharField,  # Slug, Email, URL are CharFields
    models.TextField,
    models.IntegerField,  # the Small/Big/Positive variants too
    models.BooleanField,
    models.DateField,  # DateTimeField is a DateField
    models.TimeField,
    models.DecimalField,
    models.FloatField,
    models.UUIDField,
    models.JSONField,
    models.GenericIPAddressField,
    models.DurationField,
)


@dataclass(frozen=True)
class Column:
    name: str  # the field's name, as it appears in the archive
    attname: str  # its database attribute (organisation_id for organisation)
    kind: Kind
    field: models.Field
    target: type[models.Model] | None = None  # whose ids a pk, object or row column holds


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    owner: Column  # the column leading to the organisation
    columns: tuple[Column, ...]
    records: type[models.Model] | None = None  # for a history table: the model it records

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def member(self) -> str:
        return f"tables/{self.label}.json"

    @property
    def pk(self) -> Column:
        return next(column for column in self.columns if column.kind == Kind.PK)

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


def all_models() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


def records_of(model: type[models.Model]) -> type[models.Model] | None:
    """The model a django-simple-history table records, or None for any other model."""
    return getattr(model, "instance_type", None) if _is_history(model) else None


def _is_history(model: type[models.Model]) -> bool:
    from simple_history.models import HistoricalChanges

    return issubclass(model, HistoricalChanges) and hasattr(model, "instance_type")


def _keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is not None
    ]


def tenant_models(
    candidates: Iterable[type[models.Model]] | None = None,
) -> list[type[models.Model]]:
    """Every model with a path of foreign keys to Organisation (Organisation first)."""
    candidates = list(all_models() if candidates is None else candidates)
    found: list[type[models.Model]] = [Organisation]
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in found:
                continue
            if any(
                key.related_model in found and key.related_model is not model
                for key in _keys(model)
            ):
                found.append(model)
                changed = True
    return found


def _owner_key(model: type[models.Model], tenants: list[type[models.Model]]) -> models.Field:
    """The key that says whose a row is: the organisation's own key when there is one; for
    a history table the key its model uses; else the first required key to a tenant table."""
    keys = [k for k in _keys(model) if k.related_model in tenants and k.related_model is not model]
    for key in keys:
        if key.related_model is Organisation:
            return key
    recorded = records_of(model)
    if recorded is not None and recorded in tenants:
        name = _owner_key(recorded, tenants).name
        for key in keys:
            if key.name == name:
                return key
    required = [key for key in keys if not key.null]
    return (required or keys)[0]


# Reference data that travels by natural key: the standard, its criteria and elements. A
# database that imports an archive must have the same standard loaded (loaddata).
REFERENCE_APPS = {"standards"}


def _is_standard(model: type[models.Model]) -> bool:
    return model._meta.app_label in REFERENCE_APPS and hasattr(model, "natural_key")


def _column(
    model: type[models.Model], field: models.Field, tenants: list[type[models.Model]]
) -> Column:
    recorded = records_of(model)
    name, attname = field.name, field.attname
    if field.primary_key:
        return Column(name, attname, Kind.PK, field, model)
    if recorded is not None and name == recorded._meta.pk.name and not field.is_relation:
        return Column(name, attname, Kind.OBJECT, field, recorded)
    if field.is_relation:
        target = field.related_model
        if target in tenants:
            return Column(name, attname, Kind.ROW, field, target)
        if target is get_user_model():
            return Column(name, attname, Kind.USER, field, target)
        if _is_standard(target):
            return Column(name, attname, Kind.STANDARD, field, target)
        raise ArchiveError(
            f"{model._meta.label}.{name} refers to {target._meta.label}, which an archive "
            "cannot carry: export it, or add the model to archive.tables.EXCLUDED with a reason."
        )
    if isinstance(field, models.FileField):
        return Column(name, attname, Kind.FILE, field)
    if recorded is not None:
        try:
            if isinstance(recorded._meta.get_field(name), models.FileField):
                return Column(name, attname, Kind.FILE_NAME, field)
        except FieldDoesNotExist:
            pass
    if isinstance(field, VALUE_FIELDS):
        return Column(name, attname, Kind.VALUE, field)
    raise ArchiveError(
        f"{model._meta.label}.{name} is a {type(field).__name__}, which an archive cannot "
        "carry: teach archive.tables its values, or add the model to EXCLUDED with a reason."
    )


def describe(model: type[models.Model], tenants: list[type[models.Model]]) -> Table:
    """How ``model``'s rows travel (ArchiveError for a column no archive can carry)."""
    columns = tuple(_column(model, field, tenants) for field in model._meta.concrete_fields)
    if model is Organisation:
        owner = next(c for c in columns if c.kind == Kind.PK)
    else:
        name = _owner_key(model, tenants).name
        owner = next(c for c in columns if c.name == name)
    return Table(model=model, owner=owner, columns=columns, records=records_of(model))


@cache
def tables() -> tuple[Table, ...]:
    """Every exported table: Organisation first, each live table after the tables it refers
    to, then the history tables (so files are stored, and named from their rows, before a
    history row's copy of a file's name is renamed to match)."""
    tenants = tenant_models()
    described = [describe(m, tenants) for m in tenants if m._meta.label_lower not in EXCLUDED]
    _check_references(described)
    live = [table for table in described if table.records is None]
    history = [table for table in described if table.records is not None]
    return tuple(_in_dependency_order(live) + _in_dependency_order(history))


def _check_references(described: list[Table]) -> None:
    """A table refers only to tables the archive carries: a row kept whose key points at an
    excluded table could not be restored."""
    carried = {table.model for table in described}
    for table in described:
        for column in table.columns:
            if column.kind in (Kind.ROW, Kind.OBJECT) and column.target not in carried:
                raise ArchiveError(
                    f"{table.model._meta.label}.{column.name} refers to "
                    f"{column.target._meta.label}, which archive.tables.EXCLUDED leaves out: "
                    "exclude this model too, or carry that one."
                )


def _in_dependency_order(described: list[Table]) -> list[Table]:
    by_model = {table.model: table for table in described}
    ordered: list[Table] = []
    placed: set[type[models.Model]] = set()
    visiting: set[type[models.Model]] = set()

    def place(table: Table) -> None:
        if table.model in placed or table.model in visiting:
            return  # a cycle: the database checks keys at commit, so any order works
        visiting.add(table.model)
        for column in table.columns:
            if column.kind == Kind.ROW and column.target in by_model:
                place(by_model[column.target])
        visiting.discard(table.model)
        placed.add(table.model)
        ordered.append(table)

    for table in sorted(described, key=lambda t: (t.model is not Organisation, t.label)):
        place(table)
    return ordered


def table_for(label: str) -> Table | None:
    return next((table for table in tables() if table.label == label), None)


def _history_tables(model: type[models.Model]) -> list[Table]:
    return [table for table in tables() if table.records is model]


def owned(table: Table, organisation_id: int) -> models.QuerySet:
    """The rows of ``table`` that belong to the organisation: through its owner key, to a
    row that is the organisation's now or was once (a deleted year's history rows still name
    it in the year's own history)."""
    return table.model._base_manager.filter(_owned_q(table, organisation_id))


def _owned_q(table: Table, organisation_id: int) -> Q:
    owner = table.owner
    if table.model is Organisation:
        return Q(pk=organisation_id)
    if owner.target is Organisation:
        return Q(**{owner.attname: organisation_id})
    condition = Q(pk__in=[])
    for ids in id_queries(owner.target, organisation_id):
        condition |= Q(**{f"{owner.attname}__in": ids})
    return condition


def id_queries(model: type[models.Model], organisation_id: int) -> list[models.QuerySet]:
    """Subqueries of every id of ``model`` that is the organisation's: its live rows' ids
    and the ids its history tables recorded (rows deleted since)."""
    parent = next(table for table in tables() if table.model is model)
    queries = [parent.model._base_manager.filter(_owned_q(parent, organisation_id)).values("pk")]
    for history in _history_tables(model):
        recorded = history.model._base_manager.filter(_owned_q(history, organisation_id))
        object_column = next(c for c in history.columns if c.kind == Kind.OBJECT)
        queries.append(recorded.values(object_column.attname))
    return queries


# --- values -----------------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """A value column's value as JSON: dates and times in ISO 8601, decimals and UUIDs as
    strings, durations in seconds; JSON fields as they are."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def from_json(field: models.Field, value: Any) -> Any:
    """The Python value of ``field`` from its JSON (ValidationError when it is not one)."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.DurationField):
        if not isinstance(value, int | float):
            raise ValidationError("a duration in seconds")
        return datetime.timedelta(seconds=value)
    return field.to_python(value)
