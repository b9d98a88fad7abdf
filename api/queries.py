"""What the read-only API reads: plain functions over an organisation's rows, each in a fixed
number of queries whatever the size of the organisation (pinned by tests/api/test_queries.py).

Every function starts from the organisation, so another tenant's rows are never found.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from actions.models import Action
from assessments.models import Assessment, ElementResult
from assessments.outcome import Outcome, outcomes_of
from evidence.models import Evidence, EvidenceLink
from organisations.models import Organisation


@dataclass
class Year:
    """A year with its outcome (assessments.outcome: computed from the effective ratings;
    provisional until the year is finalised)."""

    assessment: Assessment
    outcome: Outcome
    results: list[dict] = field(default_factory=list)  # the year's detail only

    @property
    def year(self) -> int:
        return self.assessment.year


def years(organisation: Organisation) -> QuerySet[Assessment]:
    """The organisation's years, latest first, with their lead assessor (the list paginates
    this queryset)."""
    return (
        Assessment.objects.for_org(organisation).select_related("lead_assessor").order_by("-year")
    )


def with_outcomes(assessments: list[Assessment]) -> list[Year]:
    """Each year of a page with its outcome (the assessor's override, when the year records
    one, applied): one query, however many years."""
    outcomes = outcomes_of(assessments)
    return [Year(assessment, outcomes[assessment.pk]) for assessment in assessments]


def results_of(assessment: Assessment) -> list[dict]:
    """Every element and sub-element of the year in the standard's order, with its effective
    rating (an element not rated again this year keeps the rating carried forward), its
    self-rating and its sampled and carried-forward flags: one query."""
    return list(
        ElementResult.objects.filter(assessment=assessment)
        .order_by("element__position")
        .values(
            "rating",
            "self_rating",
            "sampled",
            "carried_forward",
            ref=F("element__ref"),
            parent=F("element__parent__ref"),
            criterion=F("element__sub_criterion__criterion__ref"),
        )
    )


def year_detail(organisation: Organisation, year: int) -> Year | None:
    """One year of the organisation with its outcome and every element's result, or None when
    it holds no such year: three queries."""
    assessment = years(organisation).filter(year=year).first()
    if assessment is None:
        return None
    [detail] = with_outcomes([assessment])
    detail.results = results_of(assessment)
    return detail


# --- Evidence ---------------------------------------------------------------------------------


def evidence(
    organisation: Organisation, kind: str = "", year: int | None = None
) -> QuerySet[Evidence]:
    """The organisation's evidence items, newest first, with their owner and their links (each
    with its year and element, in the years' and the standard's order): the page's items in
    one query and their links (of every year) in a second. ``kind`` keeps one kind of item;
    ``year`` keeps the items linked to an element in that year."""
    items = Evidence.objects.for_org(organisation).select_related("owner")
    if kind:
        items = items.filter(kind=kind)
    if year is not None:
        linked = EvidenceLink.objects.filter(evidence=OuterRef("pk"), assessment__year=year)
        items = items.filter(Exists(linked))
    links = EvidenceLink.objects.select_related("assessment", "element").order_by(
        "assessment__year", "element__position"
    )
    return items.prefetch_related(Prefetch("links", queryset=links)).order_by("-created_at", "-pk")


# --- Improvement actions ----------------------------------------------------------------------

UNFINISHED = "unfinished"  # the status filter's "open or in progress"


def actions(
    organisation: Organisation,
    status: str = "",
    year: int | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> QuerySet[Action]:
    """The organisation's improvement actions, soonest due first, each with its element, the
    year it was raised in and its owner, and the ids of its evidence items: the page in one
    query and its evidence in a second. ``status`` keeps one status (or ``UNFINISHED``: open
    or in progress); ``year`` the actions raised in that year; ``overdue`` those unfinished and
    past their due date on ``today``."""
    today = today or timezone.localdate()
    found = Action.objects.for_org(organisation).select_related("element", "raised_in", "owner")
    if status == UNFINISHED:
        found = found.unfinished()
    elif status:
        found = found.filter(status=status)
    if year is not None:
        found = found.filter(raised_in__year=year)
    if overdue:
        found = found.overdue(today)
    evidence_ids = Prefetch("evidence", queryset=Evidence.objects.only("pk").order_by("pk"))
    return found.prefetch_related(evidence_ids).order_by("due_date", "pk")
