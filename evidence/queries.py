"""The read side of the evidence library: the filtered list and its years, one item's page,
the items due for review, the library search of an element's page, and labels.

Every query starts from the organisation, so another tenant's ids are simply not found. The
list page loads in a constant number of queries however many items there are: owners and
authors are joined, the organisation's years come with their counts in one query, and the
links of a whole page in one more.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from assessments.models import Assessment
from cse_portal.web import get_for_org
from evidence import filetypes
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from evidence.services import human_size, max_upload_bytes, years_text
from organisations.models import Organisation
from organisations.prepared import PreparedQuery, prepared
from organisations.services import members_of
from standards.memo import per_standard
from standards.models import Element

PAGE_SIZE = 25
MAX_SEARCH_WORDS = 10


@dataclass(frozen=True)
class LibraryFilters:
    """What the library is narrowed to; the empty defaults mean "everything".

    ``year`` does not narrow the items: it chooses which year's links are shown beside them
    and which year the element filter looks in (None: every year).
    """

    q: str = ""
    element: str = ""  # a ref such as "1.1.1": items linked to it (in ``year``, if given)
    kind: str = ""
    owner_id: int | None = None
    overdue: bool = False
    year: int | None = None

    @property
    def active(self) -> bool:
        """Whether the items are narrowed (the year alone only changes the links shown)."""
        return bool(self.q or self.element or self.kind or self.owner_id or self.overdue)


@dataclass(frozen=True)
class LibraryYear:
    """One of the organisation's assessment years, as the library's year filter offers it."""

    year: int
    is_finalised: bool
    # Links carried forward into the year and not yet re-confirmed; None when not counted
    # (``with_links_to_reconfirm``: only the year shown, for a member who may re-confirm).
    to_reconfirm: int | None = None
    pk: int | None = None
    standard_id: int | None = None

    @property
    def may_reconfirm(self) -> bool:
        return not self.is_finalised and bool(self.to_reconfirm)


def library_years(organisation: Organisation) -> list[LibraryYear]:
    """The organisation's years, latest first (the first is its current year), their links to
    re-confirm not counted (``with_links_to_reconfirm`` counts those of the year shown). One
    query."""
    return [
        LibraryYear(year, status == Assessment.Status.FINALISED, None, pk, standard_id)
        for pk, year, status, standard_id in Assessment.objects.for_org(organisation)
        .order_by("-year")
        .values_list("pk", "year", "status", "standard_id")
    ]


def with_links_to_reconfirm(organisation: Organisation, year: LibraryYear) -> LibraryYear:
    """``year`` with the number of its links carried forward and not yet re-confirmed (what
    the library's button offers to re-confirm): one query, none for a finalised year (which
    offers no re-confirmation: 0).

    Counted from the organisation's year to its links (a year's links are its organisation's,
    as their items are), each seeking the year's index (evidence_link_year_state; ``IN
    (true)`` rather than the bare column an ``=True`` gives, which SQLite cannot seek),
    rather than through each link's item: at 3,600 links to re-confirm, a fifth of the time.
    """
    if year.is_finalised:
        return replace(year, to_reconfirm=0)
    count = (
        Assessment.objects.for_org(organisation)
        .filter(
            pk=year.pk,
            evidence_links__carried_forward__in=[True],
            evidence_links__confirmed_at__isnull=True,
        )
        .order_by()
        .count()
    )
    return replace(year, to_reconfirm=count)


def members(organisation: Organisation) -> list:
    """The organisation's current people (users), by email: the choices of owner (a lapsed
    member can no longer own anything new; an item keeps the owner it has)."""
    return [membership.user for membership in members_of(organisation).current()]


@dataclass(frozen=True, slots=True)
class MemberName:
    """One of ``members`` as the library's owner filter names them: no User row."""

    pk: int
    full_name: str
    email: str


def member_names(organisation: Organisation) -> list[MemberName]:
    """``members`` as plain values (one query): the library's choices of owner to filter
    by, where whole memberships and users were a tenth of the page's time."""
    return [
        MemberName(*row)
        for row in members_of(organisation)
        .current()
        .values_list("user_id", "user__full_name", "user__email")
    ]


def _links_in(year: int | None) -> QuerySet[EvidenceLink]:
    """Evidence links, of one year when ``year`` is given; narrowed to an organisation by the
    item they belong to."""
    links = EvidenceLink.objects.all()
    return links if year is None else links.filter(assessment__year=year)


@dataclass(frozen=True, slots=True)
class ChipLink:
    """One of an item's links as the library's chips show it (evidence_tags.link_chips)."""

    year: int
    ref: str
    note: str
    needs_confirmation: bool  # carried forward and not yet re-confirmed


@dataclass(slots=True)
class LibraryItem:
    """An item as the library's rows show it (evidence_tags.library_rows): no model instance
    (reading a page's items, owners and authors as instances took two thirds of the time of
    reading them as values)."""

    pk: int
    title: str
    kind: str
    description: str
    owner_name: str | None  # the owner's full name or email; None when nobody owns it
    evidence_date: date | None
    review_by: date | None
    author_name: str  # who added it: full name or email; "" when unknown
    created_at: datetime
    today: date
    chip_links: list[ChipLink] = field(default_factory=list)

    @property
    def is_overdue(self) -> bool:
        return self.review_by is not None and self.review_by < self.today


LIBRARY_COLUMNS = (
    "pk",
    "title",
    "kind",
    "description",
    "owner_id",
    "owner__full_name",
    "owner__email",
    "evidence_date",
    "review_by",
    "created_by__full_name",
    "created_by__email",
    "created_at",
)


def library(organisation: Organisation, filters: LibraryFilters) -> QuerySet[Evidence]:
    """The organisation's items matching ``filters``, newest first, with their owners and
    authors (``library_page`` adds their links)."""
    items = Evidence.objects.for_org(organisation).select_related("owner", "created_by")
    for word in filters.q.split()[:MAX_SEARCH_WORDS]:
        items = items.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if filters.element:
        # Exists, not a join: an item linked to the ref in several years is listed once.
        linked = _links_in(filters.year).filter(
            evidence=OuterRef("pk"), element__ref=filters.element
        )
        items = items.filter(Exists(linked))
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.owner_id is not None:
        items = items.filter(owner_id=filters.owner_id)
    if filters.overdue:
        items = items.overdue()
    return items.order_by("-created_at", "-pk")


def library_page(
    organisation: Organisation,
    filters: LibraryFilters,
    number: str | None,
    years: Sequence[LibraryYear],
) -> Page:
    """One page of ``library`` (``page_of``), its items as LibraryItems in a list, each with
    ``chip_links``: its links in ``filters.year`` (every year's when it is None), by year and
    element, as ChipLinks. Two queries and the paginator's count: the items with their
    owners' and authors' names, and the links of the whole page, with only what the chips
    show (no model instances: a page's fifty links, their years and elements were a fifth of
    the page's time). ``years``: the organisation's (``library_years``)."""
    page = page_of(library(organisation, filters), number)
    # The page's slice read as values: the paginator counts the items alone (a count of the
    # values would join their owners and authors).
    rows = page.object_list.values_list(*LIBRARY_COLUMNS)
    today = timezone.localdate()
    items = [
        LibraryItem(
            pk=pk,
            title=title,
            kind=kind,
            description=description,
            owner_name=(owner_full_name or owner_email) if owner_id is not None else None,
            evidence_date=evidence_date,
            review_by=review_by,
            author_name=author_full_name or author_email or "",
            created_at=created_at,
            today=today,
        )
        for (
            pk,
            title,
            kind,
            description,
            owner_id,
            owner_full_name,
            owner_email,
            evidence_date,
            review_by,
            author_full_name,
            author_email,
            created_at,
        ) in rows
    ]
    by_item = {item.pk: item.chip_links for item in items}
    if by_item:
        _add_chip_links(by_item, filters.year, years)
    page.object_list = items
    return page


def _add_chip_links(
    by_item: dict[int, list[ChipLink]], year: int | None, years: Sequence[LibraryYear]
) -> None:
    """The links of the items of ``by_item`` (item id → its chips, filled here) in ``year``
    (None: every year), each item's by year then element, in one query that joins nothing:
    each link's year is one of ``years``, and its element's ref and place in the standard
    are kept per process (standards.memo)."""
    year_of = {y.pk: y.year for y in years}
    elements: dict[int, tuple[str, int]] = {}
    for standard_id in {y.standard_id for y in years}:
        elements.update(per_standard("evidence.chip_elements", standard_id, _chip_elements))
    links = EvidenceLink.objects.filter(evidence_id__in=list(by_item))
    if year is not None:
        shown = [pk for pk, y in year_of.items() if y == year]
        if not shown:  # not one of the organisation's years: no link is in it
            return
        links = links.filter(assessment_id=shown[0])
    found = []
    for (
        evidence_id,
        assessment_id,
        element_id,
        note,
        carried,
        confirmed_at,
    ) in links.order_by().values_list(
        "evidence_id", "assessment_id", "element_id", "note", "carried_forward", "confirmed_at"
    ):
        ref, position = elements[element_id]
        link = ChipLink(year_of[assessment_id], ref, note, carried and confirmed_at is None)
        found.append((link.year, position, evidence_id, link))
    found.sort(key=lambda row: row[:2])
    for _year, _position, evidence_id, link in found:
        by_item[evidence_id].append(link)


def _chip_elements(standard_id: int) -> dict[int, tuple[str, int]]:
    """Each element of the standard (sub-elements too) → its ref and position."""
    return {
        pk: (ref, position)
        for pk, ref, position in Element.objects.filter(standard_id=standard_id).values_list(
            "pk", "ref", "position"
        )
    }


def page_of(items: QuerySet, number: str | None) -> Page:
    """One page of ``items``; a page number that is not one gives the first page, one past
    the end the last page (never an error)."""
    return Paginator(items, PAGE_SIZE).get_page(number)


def item(organisation: Organisation, evidence_pk: int) -> Evidence:
    """One item of the organisation with its versions and links, or 404."""
    return get_for_org(
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
        organisation,
        pk=evidence_pk,
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


def reconfirmation(assessment: Assessment) -> list[EvidenceLink]:
    """The year's carried-forward links not yet re-confirmed, with their items and elements,
    by element then title (one query): what the bulk re-confirmation would confirm."""
    return list(
        EvidenceLink.objects.filter(
            assessment=assessment, carried_forward=True, confirmed_at__isnull=True
        )
        .select_related("evidence", "element")
        .order_by("element__position", "evidence__title", "pk")
    )


def due_for_review(today: date | None = None, within_days: int | None = None) -> QuerySet[Evidence]:
    """Items with a review-by date up to ``within_days`` ahead (overdue ones included), by
    date: the one answer to "what is due for review", for the owners' reminder emails and the
    organisation's dashboard alike. ``within_days`` defaults to EVIDENCE_REVIEW_WINDOW_DAYS."""
    return due_by(review_until(today, within_days)).select_related("organisation", "owner")


def review_until(today: date | None = None, within_days: int | None = None) -> date:
    """The last review-by date due for review on ``today`` (``due_for_review``)."""
    today = today or timezone.localdate()
    within_days = settings.EVIDENCE_REVIEW_WINDOW_DAYS if within_days is None else within_days
    return today + timedelta(days=within_days)


def due_by(until: date) -> QuerySet[Evidence]:
    """Items with a review-by date up to ``until``, by date (``due_for_review``)."""
    return Evidence.objects.filter(review_by__isnull=False, review_by__lte=until).order_by(
        "review_by", "title"
    )


@dataclass(frozen=True, slots=True)
class DueItem:
    """An item due for review, as the dashboard lists it."""

    pk: int
    title: str
    review_by: date
    owner_name: str  # the owner's full name or email; "" when nobody owns it
    today: date

    @property
    def is_overdue(self) -> bool:
        return self.review_by < self.today


@functools.cache
def _due_items_query(limit: int) -> PreparedQuery:
    """``due_items``' query for one ``limit`` (a LIMIT is written into the SQL)."""
    return prepared(
        lambda organisation_id, until: (
            due_by(until)
            .filter(organisation_id=organisation_id)
            .values_list("pk", "title", "review_by", "owner__full_name", "owner__email")[:limit]
        )
    )


def due_items(organisation: Organisation, limit: int) -> list[DueItem]:
    """The first ``limit`` of the organisation's items ``due_for_review``, with only what the
    dashboard shows (one query; no model instances: half the time of reading whole items)."""
    today = timezone.localdate()
    rows = _due_items_query(limit)(organisation.pk, review_until(today))
    return [
        DueItem(pk, title, review_by, full_name or email or "", today)
        for pk, title, review_by, full_name, email in rows
    ]


# --- linking from an element's page ----------------------------------------------------------

SEARCH_LIMIT = 20


@dataclass
class SearchHit:
    evidence: Evidence
    linked: bool  # already linked to this element in this year


@dataclass
class EvidenceSearch:
    query: str
    hits: list[SearchHit]
    more: bool  # more items match than are shown


def search_evidence(
    organisation: Organisation,
    assessment: Assessment,
    element: Element,
    query: str,
    limit: int = SEARCH_LIMIT,
) -> EvidenceSearch:
    """The organisation's evidence items whose title contains ``query``, by title; one query
    (each hit says whether it is linked to this element in this year already)."""
    query = query.strip()
    if not query:
        return EvidenceSearch(query, [], False)
    linked = EvidenceLink.objects.filter(
        evidence=OuterRef("pk"), assessment=assessment, element=element
    )
    items = list(
        Evidence.objects.for_org(organisation)
        .filter(title__icontains=query)
        .annotate(linked=Exists(linked))
        .order_by("title", "pk")[: limit + 1]
    )
    hits = [SearchHit(item, item.linked) for item in items[:limit]]
    return EvidenceSearch(query, hits, len(items) > limit)


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
