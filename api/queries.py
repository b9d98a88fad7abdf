"""What the read-only API reads: plain functions over an organisation's rows, each in a fixed
number of queries whatever the size of the organisation (pinned by tests/api/test_queries.py).

Every function starts from the organisation, so another tenant's rows are never found.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

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
