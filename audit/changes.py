"""History rows → change records: who changed what, when, from which value to which.

Plain functions over ``values()`` dicts of django-simple-history's tables (no queries here):
each history row is compared with the previous row of the same object, field by field, over
the fields its ``Source`` registers, and over its many-to-many sets (what was attached or
removed). A creation lists the fields it set, a deletion says so,
and a change lists the fields that differ (a row that changed none of them gives nothing).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as format_date

from audit.registry import Labels, Source, raw, value_kind

CREATED, CHANGED, DELETED = "created", "changed", "deleted"
HISTORY_TYPES = {"+": CREATED, "~": CHANGED, "-": DELETED}


@dataclass(frozen=True)
class ChangeRecord:
    when: datetime
    who: str  # a person's name (or email), "System" for a command
    kind: str  # the source's kind: "result"
    kind_label: str  # "Element result"
    action: str  # created / changed / deleted
    action_label: str  # the source's word for it: "linked", "changed", "removed"
    label: str  # the object: "2018 · 1.1.1"
    field: str  # "Self-rating"; "" for a deletion (or a creation that set nothing shown)
    old: str  # "" when there was none
    new: str
    event: tuple[str, int]  # (kind, history id): the history row the record comes from


@dataclass
class Event:
    """One history row's records, as a page shows them together."""

    when: datetime
    who: str
    kind: str
    kind_label: str
    action: str
    action_label: str
    label: str
    changes: list[ChangeRecord] = field(default_factory=list)


def show(value: Any, kind: str, choices: dict, labels: Labels) -> str:
    """A stored value as the reader sees it: a rating's name, Yes/No, a person, a date."""
    if value is None or value == "":
        return ""
    if kind == "choice":
        return str(choices.get(value, value))
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "user":
        return labels.user(value)
    if kind == "datetime" and isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return format_date(local, "j M Y, H:i")
    if kind == "date" and isinstance(value, date):
        return format_date(value, "j M Y")
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or value == ""


def change_records(
    source: Source, row: dict, previous: dict | None, labels: Labels
) -> list[ChangeRecord]:
    """The records of one history row, compared with ``previous`` (the row before it of the
    same object, None for its first)."""
    action = HISTORY_TYPES.get(row["history_type"], CHANGED)
    if action == CHANGED and previous is None:
        action = CREATED  # history kept from its first save only: read it as the creation
    words = {CREATED: source.created, CHANGED: source.changed, DELETED: source.deleted}

    def record(field_label: str = "", old: str = "", new: str = "") -> ChangeRecord:
        return ChangeRecord(
            when=row["history_date"],
            who=labels.user(row["history_user_id"]),
            kind=source.kind,
            kind_label=source.label,
            action=action,
            action_label=words[action],
            label=source.describe(row, labels),
            field=field_label,
            old=old,
            new=new,
            event=(source.kind, row["history_id"]),
        )

    if action == DELETED:
        return [record()]
    records = []
    for registered, model_field in source.model_fields:
        kind = value_kind(model_field)
        choices = dict(model_field.flatchoices) if kind == "choice" else {}
        before = raw(previous, model_field) if previous is not None else None
        after = raw(row, model_field)
        if _blank(before) and _blank(after) or before == after:
            continue
        if previous is None and after is False:  # a new row's "no" says nothing
            continue
        records.append(
            record(
                registered.label,
                show(before, kind, choices, labels),
                show(after, kind, choices, labels),
            )
        )
    for registered in source.sets:  # evidence attached or removed (named by its title)
        before_set = previous.get(registered.name, frozenset()) if previous else frozenset()
        after_set = row.get(registered.name, frozenset())
        added, removed = sorted(after_set - before_set), sorted(before_set - after_set)
        if added:
            names = ", ".join(labels.item(pk) for pk in added)
            records.append(record(f"{registered.label} attached", "", names))
        if removed:
            names = ", ".join(labels.item(pk) for pk in removed)
            records.append(record(f"{registered.label} removed", names, ""))
    if action == CREATED and not records:
        records.append(record())
    return records


def events_of(records: list[ChangeRecord]) -> list[Event]:
    """Records grouped by the history row they come from, in the order given."""
    events: dict[tuple[str, int], Event] = {}
    for r in records:
        event = events.get(r.event)
        if event is None:
            event = events[r.event] = Event(
                r.when, r.who, r.kind, r.kind_label, r.action, r.action_label, r.label
            )
        event.changes.append(r)
    return list(events.values())
