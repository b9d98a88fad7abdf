"""Pages of an organisation's history, in a fixed number of queries whatever its size.

Every registered history table is filtered through the organisation (directly, or through
its year's organisation: deleted years included, read from the years' own history), so
another organisation's rows never appear. A page is found by one UNION of (date, history id,
kind) over the tables, ordered newest first and sliced by the database; then each kind on the
page loads its rows together with the row before each (one query a kind), and the names they
mention (people, years, elements, items) in one query each.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from assessments.models import Assessment
from audit.changes import ChangeRecord, Event, change_records, events_of
from audit.registry import Labels, Source, sources, value_kind
from evidence.models import Evidence
from organisations.models import Membership, Organisation
from standards.models import Criterion, Element

PER_PAGE = 50


@dataclass(frozen=True)
class LogFilters:
    person: int | None = None  # the user who made the change
    ref: str = ""  # an element's ref: its results, links and actions
    year: int | None = None
    kinds: tuple[str, ...] = ()  # registered kinds; empty: every kind
    since: date | None = None  # from this day (inclusive)
    until: date | None = None  # to this day (inclusive)


@dataclass
class HistoryPage:
    page: Page  # of (history_date, history_id, kind) tuples
    records: list[ChangeRecord] = field(default_factory=list)

    @property
    def events(self) -> list[Event]:
        return events_of(self.records)


def _years(organisation: Organisation, year: int | None = None) -> QuerySet:
    """The ids of the organisation's years (of ``year`` only), deleted ones included."""
    years = Assessment.history.model.objects.filter(organisation_id=organisation.pk)
    if year is not None:
        years = years.filter(year=year)
    return years.values("id")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def history_rows(
    source: Source, organisation: Organisation, filters: LogFilters
) -> QuerySet | None:
    """The source's history rows of the organisation that pass the filters (None: the
    filters exclude this kind altogether)."""
    if filters.kinds and source.kind not in filters.kinds:
        return None
    rows = source.rows_model.objects.all()
    in_years = f"{source.assessment_column}__in"
    if source.organisation == "assessment":
        rows = rows.filter(**{in_years: _years(organisation)})
    else:
        rows = rows.filter(organisation_id=organisation.pk)
    if filters.year is not None:
        if source.year == "assessment":
            rows = rows.filter(**{in_years: _years(organisation, filters.year)})
        elif source.year == "year":
            rows = rows.filter(year=filters.year)
        else:
            return None
    if filters.ref:
        if not source.element:
            return None
        rows = rows.filter(element_id__in=Element.objects.filter(ref=filters.ref).values("id"))
    if filters.person is not None:
        rows = rows.filter(**{source.user_column: filters.person})
    when = source.date_column
    if filters.since is not None:
        rows = rows.filter(**{f"{when}__gte": _day_start(filters.since)})
    if filters.until is not None:
        rows = rows.filter(**{f"{when}__lt": _day_start(filters.until + timedelta(days=1))})
    return rows


def _index(organisation: Organisation, filters: LogFilters) -> QuerySet | None:
    """(history_date, history_id, kind) of every matching row of every kind, newest first."""
    parts = []
    for source in sources():
        rows = history_rows(source, organisation, filters)
        if rows is not None:
            if source.own_rows:  # its own columns, under the history tables' names
                rows = rows.annotate(
                    history_date=F(source.date_column), history_id=F(source.id_column)
                )
            parts.append(
                rows.annotate(audit_kind=Value(source.kind, output_field=CharField()))
                .order_by()
                .values_list("history_date", "history_id", "audit_kind")
            )
    if not parts:
        return None
    index = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return index.order_by("-history_date", "-history_id")


def _with_previous(source: Source, history_ids: list[int]) -> list[dict]:
    """The rows ``history_ids`` and the row before each of the same object: one query (and
    one for each many-to-many field the kind tracks)."""
    if source.own_rows:
        return _own_rows(source, history_ids)
    model = source.history_model
    before = (
        model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    previous = model.objects.filter(history_id__in=history_ids).annotate(
        previous_id=Subquery(before)
    )
    wanted = Q(history_id__in=history_ids) | Q(history_id__in=previous.values("previous_id"))
    rows = list(model.objects.filter(wanted).order_by("id", "history_id").values())
    for registered in source.sets:
        table, column = source.set_table(registered.name)
        held: dict[int, set[int]] = {row["history_id"]: set() for row in rows}
        for history_id, related_id in table.objects.filter(history_id__in=list(held)).values_list(
            "history_id", column
        ):
            held[history_id].add(related_id)
        for row in rows:
            row[registered.name] = frozenset(held[row["history_id"]])
    return rows


def _own_rows(source: Source, ids: list[int]) -> list[dict]:
    """A kind without a history table: its rows ``ids``, each as a history row (date, id,
    author, a change) followed by what ``source.before`` makes of it, so the pairs compare
    the two (one query)."""
    rows = []
    for row in source.rows_model.objects.filter(pk__in=ids).order_by("pk").values():
        row.update(
            history_id=row[source.id_column],
            history_date=row[source.date_column],
            history_user_id=row[source.user_column],
            history_type="~",
        )
        before = source.before(row) if source.before else dict(row)
        rows += [{**before, "history_id": None}, row]
    return rows


def _pairs(rows: list[dict], history_ids: set[int]) -> dict[int, tuple[dict, dict | None]]:
    """history id → (its row, the row before it of the same object, or None)."""
    pairs = {}
    last: dict | None = None
    for row in rows:  # ordered by object, then history id
        previous = last if last is not None and last["id"] == row["id"] else None
        if row["history_id"] in history_ids:
            pairs[row["history_id"]] = (row, previous)
        last = row
    return pairs


def _labels(organisation: Organisation, loaded: dict[str, list[dict]]) -> Labels:
    """The names the rows mention: one query for each kind of name."""
    users, elements, items, criteria = set(), set(), set(), set()
    for kind, rows in loaded.items():
        source = next(s for s in sources() if s.kind == kind)
        user_columns = ["history_user_id"] + [
            f.attname for _, f in source.model_fields if value_kind(f) == "user"
        ]
        if kind == "membership":
            user_columns.append("user_id")
        for row in rows:
            users.update(row[c] for c in user_columns if row.get(c) is not None)
            if row.get("element_id") is not None:
                elements.add(row["element_id"])
            if kind == "link":
                items.add(row["evidence_id"])
            for registered in source.sets:
                items.update(row.get(registered.name, ()))
            if row.get("criterion_id") is not None:
                criteria.add(row["criterion_id"])
    labels = Labels()
    if any(source.organisation == "assessment" or source.year for source in _kinds(loaded)):
        labels.years = dict(
            Assessment.history.model.objects.filter(organisation_id=organisation.pk)
            .values_list("id", "year")
            .distinct()
        )
    if users:
        labels.users = {
            pk: full_name or email
            for pk, full_name, email in get_user_model()
            .objects.filter(pk__in=users)
            .values_list("pk", "full_name", "email")
        }
    if elements:
        labels.elements = dict(Element.objects.filter(pk__in=elements).values_list("pk", "ref"))
    if criteria:
        labels.criteria = dict(Criterion.objects.filter(pk__in=criteria).values_list("pk", "ref"))
    if items:
        # The item's latest title, from its history (an item deleted since keeps its name).
        labels.evidence = dict(
            Evidence.history.model.objects.filter(
                id__in=list(items), organisation_id=organisation.pk
            )
            .order_by("id", "history_id")
            .values_list("id", "title")
        )
    return labels


def _kinds(loaded: dict[str, list[dict]]) -> list[Source]:
    return [s for s in sources() if s.kind in loaded]


def history_page(
    organisation: Organisation,
    filters: LogFilters,
    page_number: int | str | None = 1,
    per_page: int = PER_PAGE,
) -> HistoryPage:
    """One page of the organisation's changes, newest first.

    Queries: the count of matching history rows (one UNION); the page's (date, id, kind)
    tuples (the same UNION, sliced); one query for each kind on the page (its rows and the
    row before each); then the names: the organisation's years, the people, the elements
    and the evidence items mentioned (each only when the page mentions one). So a page costs
    at most 2 + kinds + 4 queries, however long the history.
    """
    index = _index(organisation, filters)
    paginator = Paginator(index if index is not None else [], per_page)
    page = paginator.get_page(page_number)
    wanted = list(page.object_list)
    by_kind: dict[str, list[int]] = {}
    for _, history_id, kind in wanted:
        by_kind.setdefault(kind, []).append(history_id)
    loaded = {
        kind: _with_previous(next(s for s in sources() if s.kind == kind), ids)
        for kind, ids in by_kind.items()
    }
    labels = _labels(organisation, loaded)
    records: list[ChangeRecord] = []
    pairs = {kind: _pairs(rows, set(by_kind[kind])) for kind, rows in loaded.items()}
    for _, history_id, kind in wanted:
        source = next(s for s in sources() if s.kind == kind)
        row, previous = pairs[kind][history_id]
        records += change_records(source, row, previous, labels)
    return HistoryPage(page=page, records=records)


def people(organisation: Organisation) -> list[tuple[int, str]]:
    """Everyone who is or was a member, for the person filter: one query."""
    members = Membership.history.model.objects.filter(organisation_id=organisation.pk)
    users = (
        get_user_model()
        .objects.filter(pk__in=members.values("user_id"))
        .order_by("full_name", "email")
        .values_list("pk", "full_name", "email")
    )
    return [
        (pk, f"{full_name} ({email})" if full_name else email) for pk, full_name, email in users
    ]
