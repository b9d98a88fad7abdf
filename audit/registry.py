"""What the audit trail shows: one entry a kind of change.

Each ``Source`` names a model that django-simple-history records, the fields whose changes
the trail shows (with the words a reader sees), how its history rows reach their organisation
(so another organisation's history never appears), which year and element a row concerns (for
the filters), and how a row is named ("2018 · 1.1.1"). A new kind of change is one more entry
in ``SOURCES``; the queries and the change records read nothing else.

Fields not registered (``updated_at``, a version counter) are not shown; a registered field the
model does not have (yet) is skipped, so an entry may name a field a migration adds later.

Two kinds read more than one history table's columns:
- ``sets``: a many-to-many field django-simple-history tracks (``m2m_fields``): each history
  row keeps the set as it stood, so what was attached or removed is the difference with the
  row before (an improvement action's evidence).
- ``own_rows``: a model that is its own record and keeps no history table (a year's workflow
  events, ``AssessmentEvent``): its rows are read directly, each compared with what
  ``before`` makes of it (the status it moved from).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db import models


@dataclass
class Labels:
    """Names for the ids a page of history rows mentions, each kind loaded in one query."""

    users: dict[int, str] = field(default_factory=dict)  # user id → full name or email
    years: dict[int, int] = field(default_factory=dict)  # assessment id → its year
    elements: dict[int, str] = field(default_factory=dict)  # element id → ref
    evidence: dict[int, str] = field(default_factory=dict)  # evidence item id → its title
    criteria: dict[int, str] = field(default_factory=dict)  # criterion id → ref

    def criterion(self, pk: int | None) -> str:
        return self.criteria.get(pk, "?") if pk is not None else "?"

    def user(self, pk: int | None) -> str:
        if pk is None:
            return "System"
        return self.users.get(pk, "A removed account")

    def year(self, pk: int | None) -> str:
        return str(self.years.get(pk, "?")) if pk is not None else "?"

    def element(self, pk: int | None) -> str:
        return self.elements.get(pk, "?") if pk is not None else "?"

    def item(self, pk: int | None) -> str:
        return self.evidence.get(pk, "an item since deleted") if pk is not None else "?"


@dataclass(frozen=True)
class Field:
    name: str  # the model field's name ("rating", "owner")
    label: str  # what the reader sees ("Assessor's rating")


@dataclass(frozen=True)
class Source:
    kind: str  # the filter's value: "result"
    label: str  # "Element result"
    model: str  # "assessments.ElementResult"
    fields: tuple[Field, ...]
    # How a history row reaches its organisation: "organisation" (its own column) or
    # "assessment" (through its year's organisation; deleted years included).
    organisation: str
    # The year it concerns: "assessment" (its year's), "year" (the row is the year), or None.
    year: str | None
    element: bool  # it has an element_id (the element filter applies)
    describe: Callable[[dict, Labels], str]  # the object's name, from a history row
    # The column naming its year, when ``organisation`` or ``year`` is "assessment".
    assessment_column: str = "assessment_id"
    created: str = "created"  # the words of a history row's kind
    changed: str = "changed"
    deleted: str = "deleted"
    # Many-to-many fields tracked by simple_history, whose ids name evidence items: what a
    # history row attached or removed (``label`` + " attached" / " removed").
    sets: tuple[Field, ...] = ()
    # The model's own rows are its records (no history table): their date, id and author.
    own_rows: bool = False
    date_column: str = "history_date"
    id_column: str = "history_id"
    user_column: str = "history_user_id"
    # For ``own_rows``: the row "before" an own row (what it is compared with).
    before: Callable[[dict], dict] | None = None

    @cached_property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @cached_property
    def history_model(self) -> type[models.Model]:
        return self.model_class.history.model

    @cached_property
    def rows_model(self) -> type[models.Model]:
        """Where its records are read: the history table, or the model's own rows."""
        return self.model_class if self.own_rows else self.history_model

    def set_table(self, name: str) -> tuple[type[models.Model], str]:
        """The history table of the many-to-many field ``name`` (simple_history's
        ``Historical<Model>_<field>``) and its column of the related id."""
        m2m = self.model_class._meta.get_field(name)
        suffix = f"_{name}".lower()
        through = next(
            rel.related_model
            for rel in self.history_model._meta.related_objects
            if rel.related_model._meta.model_name.endswith(suffix)
        )
        return through, m2m.m2m_reverse_name()

    @cached_property
    def model_fields(self) -> list[tuple[Field, models.Field]]:
        """The registered fields the model has, with the model's own field."""
        names = {f.name for f in self.model_class._meta.get_fields()}
        return [
            (f, self.model_class._meta.get_field(f.name)) for f in self.fields if f.name in names
        ]

    @property
    def available(self) -> bool:
        return apps.is_installed(self.model.split(".")[0]) and _has_model(self.model)


def _has_model(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _result(row: dict, labels: Labels) -> str:
    return f"{labels.year(row['assessment_id'])} · {labels.element(row['element_id'])}"


def _link(row: dict, labels: Labels) -> str:
    return f"{_result(row, labels)} · {labels.item(row['evidence_id'])}"


def _year(row: dict, labels: Labels) -> str:
    return f"Year {row['year']}"


def _membership(row: dict, labels: Labels) -> str:
    return f"Membership of {labels.user(row['user_id'])}"


def _invitation(row: dict, labels: Labels) -> str:
    return f"Invitation of {row['email']}"


def _evidence(row: dict, labels: Labels) -> str:
    return f"Item “{row['title']}”"


def _summary(row: dict, labels: Labels) -> str:
    return (
        f"{labels.year(row['assessment_id'])} · criterion {labels.criterion(row['criterion_id'])}"
    )


def _action(row: dict, labels: Labels) -> str:
    return f"{labels.year(row['raised_in_id'])} · {labels.element(row['element_id'])}"


def _workflow(row: dict, labels: Labels) -> str:
    return f"Year {labels.year(row['assessment_id'])}"


def _moved_from(row: dict) -> dict:
    """A workflow event compared with the status it moved from, and no note."""
    return {**row, "to_status": row["from_status"], "note": ""}


SOURCES: tuple[Source, ...] = (
    Source(
        kind="result",
        label="Element result",
        model="assessments.ElementResult",
        fields=(
            Field("self_rating", "Self-rating"),
            Field("self_notes", "Self-assessment notes"),
            Field("rating", "Assessor's rating"),
            Field("sampled", "Sampled"),
            Field("comment", "Assessor's comment"),
            Field("carried_forward", "Carried forward"),
        ),
        organisation="assessment",
        year="assessment",
        element=True,
        describe=_result,
    ),
    Source(
        kind="link",
        label="Evidence link",
        model="evidence.EvidenceLink",
        fields=(
            Field("note", "Note"),
            Field("carried_forward", "Carried forward"),
            Field("confirmed_at", "Re-confirmed"),
            Field("confirmed_by", "Re-confirmed by"),
        ),
        organisation="assessment",
        year="assessment",
        element=True,
        describe=_link,
        created="linked",
        deleted="unlinked",
    ),
    Source(
        kind="year",
        label="Year",
        model="assessments.Assessment",
        fields=(
            Field("status", "Status"),
            Field("kind", "Kind of visit"),
            Field("document_review_date", "Document review date"),
            Field("visit_date", "Visit date"),
            Field("visit_end_date", "Visit's last day"),
            Field("lead_assessor", "Lead assessor"),
            Field("certification_body", "Certification body"),
            Field("assessor_summary", "Assessor's overall findings"),
            Field("recommendation_override", "Recommendation override"),
            Field("recommendation_override_reason", "Reason for the override"),
            Field("finalised_at", "Finalised"),
            Field("finalised_by", "Finalised by"),
        ),
        organisation="organisation",
        year="year",
        element=False,
        describe=_year,
        created="opened",
    ),
    Source(
        kind="summary",
        label="Criterion findings",
        model="assessments.CriterionSummary",
        fields=(Field("text", "Assessor's findings"),),
        organisation="assessment",
        year="assessment",
        element=False,
        describe=_summary,
        created="written",
    ),
    Source(
        kind="action",
        label="Improvement action",
        model="actions.Action",
        fields=(
            Field("description", "Description"),
            Field("owner", "Owner"),
            Field("due_date", "Due date"),
            Field("status", "Status"),
        ),
        organisation="organisation",
        year="assessment",
        element=True,
        assessment_column="raised_in_id",
        describe=_action,
        created="raised",
        sets=(Field("evidence", "Evidence"),),
    ),
    Source(
        kind="workflow",
        label="Workflow",
        model="assessments.AssessmentEvent",
        fields=(Field("to_status", "Status"), Field("note", "Note")),
        organisation="assessment",
        year="assessment",
        element=False,
        describe=_workflow,
        changed="recorded",
        own_rows=True,
        date_column="at",
        id_column="id",
        user_column="actor_id",
        before=_moved_from,
    ),
    Source(
        kind="membership",
        label="Membership",
        model="organisations.Membership",
        fields=(Field("role", "Role"), Field("ends_on", "Last day")),
        organisation="organisation",
        year=None,
        element=False,
        describe=_membership,
        created="joined",
        deleted="removed",
    ),
    Source(
        kind="invitation",
        label="Invitation",
        model="organisations.Invitation",
        fields=(
            Field("role", "Role"),
            Field("expires_at", "Expires"),
            Field("accepted_at", "Accepted"),
            Field("accepted_by", "Accepted by"),
            Field("revoked_at", "Revoked"),
        ),
        organisation="organisation",
        year=None,
        element=False,
        describe=_invitation,
        created="sent",
    ),
    Source(
        kind="evidence",
        label="Evidence item",
        model="evidence.Evidence",
        fields=(
            Field("title", "Title"),
            Field("description", "Description"),
            Field("url", "Web address"),
            Field("body", "Note"),
            Field("original_filename", "File"),
            Field("owner", "Owner"),
            Field("evidence_date", "Evidence date"),
            Field("review_by", "Review by"),
        ),
        organisation="organisation",
        year=None,
        element=False,
        describe=_evidence,
        created="added",
    ),
)


def sources() -> list[Source]:
    """The registered kinds whose model exists in this installation, in the registry's order."""
    return [source for source in SOURCES if source.available]


def source(kind: str) -> Source | None:
    return next((s for s in sources() if s.kind == kind), None)


def kind_choices() -> list[tuple[str, str]]:
    return [(s.kind, s.label) for s in sources()]


def value_kind(model_field: models.Field) -> str:
    """How a field's stored value is shown: its choice's name, yes/no, a person, a date."""
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.BooleanField):
        return "bool"
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model._meta.label
        from django.contrib.auth import get_user_model

        return "user" if related == get_user_model()._meta.label else "id"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    return "text"


def column(model_field: models.Field) -> str:
    """The key of the field in a history row's values (``owner_id`` for a foreign key)."""
    return model_field.attname


def raw(row: dict, model_field: models.Field) -> Any:
    return row.get(column(model_field))
