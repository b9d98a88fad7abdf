"""The read side of improvement actions: the filtered list, one action's page, an element's
actions for its page, the counts the dashboard shows, what the pre-finalise check asks, and
the reminders' list.

Every query starts from the organisation, so another tenant's ids are simply not found. The
list loads in a constant number of queries however many actions there are.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.people import NamedPerson
from actions.models import Action
from assessments.linked_actions import ActionFigures
from assessments.models import Assessment
from cse_portal.web import get_for_org
from evidence.models import Evidence
from organisations.models import Organisation
from organisations.prepared import prepared
from standards.models import Criterion, Element

PAGE_SIZE = 25
UNFINISHED = "unfinished"  # the status filter's "open or in progress"


@dataclass(frozen=True)
class ActionFilters:
    """What the list is narrowed to; the empty defaults mean "everything"."""

    status: str = ""  # a status, or UNFINISHED
    owner_id: int | None = None
    criterion: str = ""  # "1" to "5"
    year: int | None = None  # the year the action was raised in
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(
            self.status or self.owner_id is not None or self.criterion or self.year or self.overdue
        )


def action_list(
    organisation: Organisation, filters: ActionFilters, today: date | None = None
) -> QuerySet[Action]:
    """The organisation's actions matching ``filters``, soonest due first, each with its
    element (and criterion), year, owner and how many evidence items it has (one query a
    page)."""
    today = today or timezone.localdate()
    actions = (
        Action.objects.for_org(organisation)
        .select_related("element__sub_criterion__criterion", "raised_in", "owner")
        .annotate(evidence_count=Count("evidence"))
    )
    if filters.status == UNFINISHED:
        actions = actions.unfinished()
    elif filters.status:
        actions = actions.filter(status=filters.status)
    if filters.owner_id is not None:
        actions = actions.filter(owner_id=filters.owner_id)
    if filters.criterion:
        actions = actions.filter(element__sub_criterion__criterion__ref=filters.criterion)
    if filters.year:
        actions = actions.filter(raised_in__year=filters.year)
    if filters.overdue:
        actions = actions.overdue(today)
    return actions.order_by("due_date", "pk")


def page_of(actions: QuerySet, number: str | None) -> Page:
    """One page; a page number that is not one gives the first page, one past the end the
    last (never an error)."""
    return Paginator(actions, PAGE_SIZE).get_page(number)


def years_of(organisation: Organisation) -> list[int]:
    """The organisation's assessment years, latest first: the year filter's choices."""
    return list(
        Assessment.objects.for_org(organisation).order_by("-year").values_list("year", flat=True)
    )


def criteria_of(organisation: Organisation) -> list[tuple[str, str]]:
    """(ref, title) of the criteria of the standards the organisation is assessed on."""
    standards = Assessment.objects.for_org(organisation).values("standard_id")
    seen: dict[str, str] = {}
    for ref, title in (
        Criterion.objects.filter(standard_id__in=standards)
        .order_by("position", "ref")
        .values_list("ref", "title")
    ):
        seen.setdefault(ref, title)
    return list(seen.items())


def action_page(organisation: Organisation, action_pk: int) -> Action:
    """One action of the organisation with its evidence, or 404 (two queries)."""
    return get_for_org(
        Action.objects.select_related(
            "element__sub_criterion__criterion",
            "element__parent",
            "raised_in",
            "owner",
            "created_by",
            "status_changed_by",
        ).prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("title", "pk"))),
        organisation,
        pk=action_pk,
    )


def history_of(action: Action, limit: int = 50) -> list:
    """The action's history rows, latest first, with who made each (one query)."""
    return list(action.history.select_related("history_user").order_by("-history_date")[:limit])


def linkable_evidence(organisation: Organisation, action: Action) -> list[tuple[int, str]]:
    """(id, title) of the library's items not yet linked to ``action``, by title (one query)."""
    linked = {item.pk for item in action.evidence.all()}  # prefetched by action_page
    return [
        (pk, title)
        for pk, title in Evidence.objects.for_org(organisation)
        .order_by("title", "pk")
        .values_list("pk", "title")
        if pk not in linked
    ]


# --- an element's actions, and what a year asks -----------------------------------------------


@dataclass(frozen=True, slots=True)
class PanelYear:
    year: int


@dataclass(frozen=True, slots=True)
class PanelAction:
    """An action as the element page's panel shows it (templates/actions/_element_panel.html
    reads what it reads of an Action), with the model's own rules."""

    pk: int
    description: str
    due_date: date
    status: str
    raised_in: PanelYear
    owner: NamedPerson | None

    UNFINISHED = Action.UNFINISHED
    is_unfinished = Action.is_unfinished
    is_overdue_on = Action.is_overdue_on

    def get_status_display(self) -> str:
        return str(Action.Status(self.status).label)


@dataclass
class ElementActions:
    """The actions on an element as of one year: those raised in it or before (any status)."""

    actions: list[PanelAction] = field(default_factory=list)
    offers: bool = False  # the element is rated PC or NC: it offers "Raise an action"
    today: date | None = None

    @property
    def in_hand(self) -> bool:
        """Whether a PC/NC has an action in hand (raised in the year, or not yet verified)."""
        return any(a.status != Action.Status.VERIFIED for a in self.actions)


def _as_of(assessment: Assessment) -> QuerySet[Action]:
    """The organisation's actions raised in ``assessment``'s year or an earlier one."""
    return _raised_by(assessment.organisation_id, assessment.year)


def _raised_by(organisation_id: int, year: int) -> QuerySet[Action]:
    return Action.objects.filter(organisation_id=organisation_id, raised_in__year__lte=year)


_ELEMENT_ACTIONS = prepared(
    lambda organisation_id, year, ref: _raised_by(organisation_id, year)
    .filter(element__ref=ref)
    .order_by("-raised_in__year", "due_date", "pk")
    .values_list(
        "id", "description", "due_date", "status", "raised_in__year", "owner__full_name",
        "owner__email",
    )
)  # fmt: skip


def element_actions(assessment: Assessment, element: Element) -> list[PanelAction]:
    """The actions on ``element``'s ref raised in the year or before, latest year first, then
    soonest due (one query, as plain values: the panel's rows)."""
    rows = _ELEMENT_ACTIONS(assessment.organisation_id, assessment.year, element.ref)
    return [
        PanelAction(
            pk,
            description,
            due_date,
            status,
            PanelYear(year),
            NamedPerson(full_name, email) if email is not None else None,
        )
        for pk, description, due_date, status, year, full_name, email in rows
    ]


def in_hand(assessment: Assessment | int) -> Q:
    """An action in hand in the year: raised in it (any status), or raised earlier and not
    yet verified (every unfinished action is one)."""
    return Q(raised_in=assessment) | ~Q(status=Action.Status.VERIFIED)


def refs_with_actions(assessment: Assessment) -> set[str]:
    """Refs with an action in hand in the year (``in_hand``). The pre-finalise check warns of
    a PC or NC not in this set."""
    return set(
        _as_of(assessment)
        .filter(in_hand(assessment))
        .order_by()  # the default order's columns would join the DISTINCT: one row per action
        .values_list("element__ref", flat=True)
        .distinct()
    )


def unfinished_counts(assessment: Assessment) -> dict[str, int]:
    """Element ref → its unfinished actions raised in the year or before (one query)."""
    rows = _as_of(assessment).unfinished().values("element__ref").annotate(n=Count("id")).order_by()
    return {row["element__ref"]: row["n"] for row in rows}


def _in_hand_statuses(organisation_id: int, year: int, assessment_id: int) -> QuerySet:
    """(element ref, status) of each action in hand in the year (``in_hand``) raised in it or
    before (``_as_of``)."""
    return (
        _raised_by(organisation_id, year)
        .filter(in_hand(assessment_id))
        .order_by()
        .values_list("element__ref", "status")
    )


_YEAR_IN_HAND = prepared(_in_hand_statuses)


def element_figures(assessment: Assessment, ref: str = "") -> dict[str, ActionFigures]:
    """Element ref → its unfinished actions raised in the year or before, and whether it has
    an action in hand (as ``refs_with_actions``): the year's grid, in one query; ``ref``
    narrows it to one element (a row drawn again after a save). A ref none of whose actions
    is in hand (all verified in earlier years) is left out, as one with none."""
    if ref:
        rows = _in_hand_statuses(assessment.organisation_id, assessment.year, assessment.pk).filter(
            element__ref=ref
        )
    else:  # the whole year: the grid's (organisations.prepared)
        rows = _YEAR_IN_HAND(assessment.organisation_id, assessment.year, assessment.pk)
    unfinished: Counter[str] = Counter()
    for element_ref, status in rows:
        unfinished[element_ref] += status in Action.UNFINISHED
    return {element_ref: ActionFigures(n, True) for element_ref, n in unfinished.items()}


@dataclass(frozen=True)
class ActionCounts:
    unfinished: int = 0  # open or in progress
    overdue: int = 0  # unfinished and past their due date


def open_and_overdue(organisation: Organisation, today: date | None = None) -> ActionCounts:
    """How many of the organisation's actions are open or in progress, and how many of those
    are overdue (one query): for the dashboard."""
    today = today or timezone.localdate()
    counts = (
        Action.objects.for_org(organisation)
        .unfinished()
        .aggregate(unfinished=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    )
    return ActionCounts(unfinished=counts["unfinished"], overdue=counts["overdue"])


def due_for_reminder(today: date) -> QuerySet[Action]:
    """Every organisation's unfinished actions due within ACTION_REMINDER_WINDOW_DAYS of
    ``today`` or overdue, with an owner: the reminders' list."""
    until = today + timedelta(days=settings.ACTION_REMINDER_WINDOW_DAYS)
    return (
        Action.objects.unfinished()
        .filter(due_date__lte=until, owner__isnull=False)
        .select_related("owner", "organisation", "element", "raised_in")
        .order_by("owner_id", "due_date", "pk")
    )
