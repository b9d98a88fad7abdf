"""The read side of the evidence library: the filtered list, one item's page, the items due
for review, and labels.

Every query starts from the organisation, so another tenant's ids are simply not found. The
list page loads in a constant number of queries however many items there are: owners and
authors are joined, and the links of a whole page come in one more query.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.models import Assessment
from evidence import filetypes
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from evidence.services import human_size, max_upload_bytes, years_text
from organisations.models import Organisation
from organisations.services import members_of

PAGE_SIZE = 25
MAX_SEARCH_WORDS = 10


@dataclass(frozen=True)
class LibraryFilters:
    """What the library is narrowed to; the empty defaults mean "everything"."""

    q: str = ""
    element: str = ""  # a ref such as "1.1.1": items linked to it in any year
    kind: str = ""
    owner_id: int | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.q or self.element or self.kind or self.owner_id or self.overdue)


def members(organisation: Organisation) -> list:
    """The organisation's people (users), by email: the choices of owner."""
    return [membership.user for membership in members_of(organisation)]


def _links_of_a_page() -> Prefetch:
    return Prefetch(
        "links",
        queryset=EvidenceLink.objects.select_related("assessment", "element").order_by(
            "assessment__year", "element__position"
        ),
    )


def library(organisation: Organisation, filters: LibraryFilters) -> QuerySet[Evidence]:
    """The organisation's items matching ``filters``, newest first, with what the list shows."""
    items = (
        Evidence.objects.for_org(organisation)
        .select_related("owner", "created_by")
        .prefetch_related(_links_of_a_page())
    )
    for word in filters.q.split()[:MAX_SEARCH_WORDS]:
        items = items.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if filters.element:
        # Exists, not a join: an item linked to the ref in several years is listed once.
        items = items.filter(
            Exists(
                EvidenceLink.objects.filter(evidence=OuterRef("pk"), element__ref=filters.element)
            )
        )
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.owner_id is not None:
        items = items.filter(owner_id=filters.owner_id)
    if filters.overdue:
        items = items.overdue()
    return items.order_by("-created_at", "-pk")


def page_of(items: QuerySet, number: str | None) -> Page:
    """One page of ``items``; a page number that is not one gives the first page, one past
    the end the last page (never an error)."""
    return Paginator(items, PAGE_SIZE).get_page(number)


def item(organisation: Organisation, evidence_pk: int) -> Evidence:
    """One item of the organisation with its versions and links, or 404."""
    return get_object_or_404(
        Evidence.objects.select_related("owner", "created_by", "file_uploaded_by").prefetch_related(
            Prefetch(
                "versions",
                queryset=EvidenceVersion.objects.select_related("uploaded_by").order_by(
                    "-replaced_at", "-pk"
                ),
            ),
            Prefetch(
                "links",
                queryset=EvidenceLink.objects.select_related(
                    "assessment", "element", "confirmed_by", "created_by"
                ).order_by("-assessment__year", "element__position"),
            ),
        ),
        pk=evidence_pk,
        organisation=organisation,
    )


@dataclass(frozen=True)
class Deletion:
    """What deleting an item would do, for its confirmation page: an item that is evidence
    in a finalised year is kept (evidence.services.InFinalisedYear), and may instead be
    withdrawn from the open years."""

    finalised_years: list[int]
    open_years: list[int]
    open_links: int
    version_count: int

    @property
    def may_delete(self) -> bool:
        return not self.finalised_years

    @property
    def finalised_text(self) -> str:
        return years_text(self.finalised_years) if self.finalised_years else ""

    @property
    def open_text(self) -> str:
        return years_text(self.open_years) if self.open_years else ""


def deletion(item: Evidence) -> Deletion:
    """In two queries: the item's links with their years' status, and its versions."""
    finalised: set[int] = set()
    open_years: set[int] = set()
    open_links = 0
    for year, status in EvidenceLink.objects.filter(evidence=item).values_list(
        "assessment__year", "assessment__status"
    ):
        if status == Assessment.Status.FINALISED:
            finalised.add(year)
        else:
            open_years.add(year)
            open_links += 1
    return Deletion(sorted(finalised), sorted(open_years), open_links, item.versions.count())


def due_for_review(today: date | None = None, within_days: int | None = None) -> QuerySet[Evidence]:
    """Items with a review-by date up to ``within_days`` ahead (overdue ones included), by
    date: the one answer to "what is due for review", for the owners' reminder emails and the
    organisation's dashboard alike. ``within_days`` defaults to EVIDENCE_REVIEW_WINDOW_DAYS."""
    today = today or timezone.localdate()
    within_days = settings.EVIDENCE_REVIEW_WINDOW_DAYS if within_days is None else within_days
    return (
        Evidence.objects.filter(
            review_by__isnull=False, review_by__lte=today + timedelta(days=within_days)
        )
        .select_related("organisation", "owner")
        .order_by("review_by", "title")
    )


# --- labels ----------------------------------------------------------------------------------


def type_label(content_type: str) -> str:
    """ "PDF document" for application/pdf: what the sniffer called the type. A type outside
    the known list (a row stored before the list existed) is never shown as it was stored."""
    filetype = filetypes.KNOWN_TYPES.get(content_type)
    return filetype.label if filetype else "unknown type"


def upload_rules() -> dict:
    """What the uploader tells people before they choose files (and its JS pre-check)."""
    limit = max_upload_bytes()
    return {
        "max_bytes": limit,
        "max_size": human_size(limit),
        "allowed": filetypes.ALLOWED_DESCRIPTION,
    }
