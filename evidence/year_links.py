"""The evidence app's answers to what an assessment year asks of its links
(``assessments.linked_evidence.LinkedEvidence``), registered in ``EvidenceConfig.ready()``.

Assessments may not import evidence, so the grid's evidence counts, the element page's links,
carrying links into a new year and deleting a year's links are done here, called through that
interface. The writes run inside the caller's transaction, after its locks.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, FilteredRelation, Q, QuerySet
from simple_history.utils import bulk_create_with_history

from accounts.people import NamedPerson
from assessments.linked_evidence import ElementLinks, LinkCounts
from assessments.models import Assessment
from evidence.forms import SEARCH_MAX_LENGTH
from evidence.models import Evidence, EvidenceLink
from evidence.queries import EvidenceSearch, search_evidence
from organisations.models import Organisation
from organisations.prepared import prepared
from standards.models import Element

# The element page lists a link's note and re-confirmation, its item's title, kind, web
# address and review date, and who confirmed it: read as plain values (ELEMENT_LINK_FIELDS),
# not as model instances (making three instances a link took more than half the links'
# reading at 55 links). The rows answer to what the list reads of a link
# (assessments.templatetags.link_tags), with the models' own rules.
ELEMENT_LINK_FIELDS = (
    "id",
    "note",
    "carried_forward",
    "confirmed_at",
    "evidence_id",
    "evidence__kind",
    "evidence__title",
    "evidence__url",
    "evidence__review_by",
    "confirmed_by__full_name",
    "confirmed_by__email",
)


@dataclass(frozen=True, slots=True)
class ListedItem:
    """An evidence item as an element page's list shows it."""

    pk: int
    kind: str
    title: str
    url: str
    review_by: date | None

    is_overdue = Evidence.is_overdue

    def get_kind_display(self) -> str:
        return str(Evidence.Kind(self.kind).label)


@dataclass(frozen=True, slots=True)
class ListedLink:
    """A link as an element page's list shows it (the list reads what it reads of an
    EvidenceLink, which the answers to a change draw)."""

    pk: int
    evidence: ListedItem
    element: Element
    note: str
    carried_forward: bool
    confirmed_at: datetime | None
    confirmed_by: NamedPerson | None

    needs_confirmation = EvidenceLink.needs_confirmation


def _link_counts(assessment_id: int, element_id: int | None = None) -> QuerySet:
    """(element id, its links in the year), counted from the year's side (YearLinks.figures)."""
    counted = Assessment.objects.filter(pk=assessment_id)
    if element_id is not None:
        counted = counted.filter(evidence_links__element_id=element_id)
    return (
        counted.values_list("evidence_links__element_id")
        .annotate(n=Count("evidence_links"))
        .order_by()
    )


def _overdue_elements(assessment_id: int, today: date, element_id: int | None = None) -> QuerySet:
    """The elements with an item past its review-by date linked in the year, from the items'
    side (YearLinks.figures)."""
    year_links = Q(links__assessment_id=assessment_id)
    if element_id is not None:
        year_links &= Q(links__element_id=element_id)
    return (
        Evidence.objects.filter(review_by__lt=today)
        .annotate(year_link=FilteredRelation("links", condition=year_links))
        .values_list("year_link__element_id", flat=True)
        .order_by()
        .distinct()
    )


_YEAR_COUNTS = prepared(_link_counts)
_ELEMENT_LINKS = prepared(
    lambda assessment_id, element_id: (
        EvidenceLink.objects.filter(assessment_id=assessment_id, element_id=element_id)
        .order_by("evidence__title", "pk")
        .values_list(*ELEMENT_LINK_FIELDS)
    )
)
_YEAR_OVERDUE = prepared(_overdue_elements)


class YearLinks:
    def figures(
        self, assessment: Assessment, today: date, element_id: int | None = None
    ) -> dict[int, tuple[int, bool]]:
        """Two queries, each reading an index only (at 10 years x 2,000 items: the year's
        4,000 links in 0.3 ms and the overdue in 0.1 ms, where one query joining each link to
        its item took 1.9 ms):

        * the links counted per element from the year's side (the Assessment, looked up
          through the organisation): the link's own wall, its item's organisation, would
          join every link to its item to count it. A link's item and year are always of the
          same organisation (``evidence.services.link`` refuses any other), and on
          PostgreSQL the links' row-level security policy still applies;
        * the elements with an overdue item from the items' side: the organisation's items
          past their review-by date (an index), each with its links of the year (the
          link's unique index). A LEFT JOIN keeps that order: joined plainly, SQLite starts
          from the year's links (no statistics tell it the overdue items are few)."""
        if element_id is None:  # the whole year: the grid's (organisations.prepared)
            counts = _YEAR_COUNTS(assessment.pk)
            overdue_elements = set(_YEAR_OVERDUE(assessment.pk, today))
        else:
            counts = _link_counts(assessment.pk, element_id)
            overdue_elements = set(_overdue_elements(assessment.pk, today, element_id))
        return {
            linked_element: (n, linked_element in overdue_elements)
            for linked_element, n in counts
            if linked_element is not None
        }

    def element_links(self, assessment: Assessment, element: Element, today: date) -> ElementLinks:
        """One query: the links with what the element page shows of their items and of who
        confirmed them, as plain rows (ELEMENT_LINK_FIELDS)."""
        links = [
            ListedLink(
                pk=pk,
                evidence=ListedItem(evidence_id, kind, title, url, review_by),
                element=element,
                note=note,
                carried_forward=carried_forward,
                confirmed_at=confirmed_at,
                confirmed_by=NamedPerson(full_name, email) if email is not None else None,
            )
            for (
                pk,
                note,
                carried_forward,
                confirmed_at,
                evidence_id,
                kind,
                title,
                url,
                review_by,
                full_name,
                email,
            ) in _ELEMENT_LINKS(assessment.pk, element.pk)
        ]
        return ElementLinks(
            links=links,
            overdue=any(
                link.evidence.review_by is not None and link.evidence.review_by < today
                for link in links
            ),
            to_confirm=sum(link.needs_confirmation for link in links),
        )

    def search(
        self, organisation: Organisation, assessment: Assessment, element: Element, query: str
    ) -> EvidenceSearch:
        return search_evidence(organisation, assessment, element, query[:SEARCH_MAX_LENGTH])

    def counts(self, assessment: Assessment) -> LinkCounts:
        counts = EvidenceLink.objects.filter(assessment=assessment).aggregate(
            total=Count("id"), added=Count("id", filter=Q(carried_forward=False))
        )
        return LinkCounts(total=counts["total"], added=counts["added"])

    def carry_forward(
        self,
        previous: Assessment,
        assessment: Assessment,
        elements: list[Element],
        *,
        acting_user: AbstractBaseUser | None,
    ) -> int:
        """The links of ``previous`` whose ref the new year's standard has, copied with their
        notes, marked carried forward and not yet re-confirmed, each with a history row."""
        by_ref = {element.ref: element for element in elements}
        links = [
            EvidenceLink(
                evidence_id=old.evidence_id,
                assessment=assessment,
                element=by_ref[old.element.ref],
                note=old.note,
                carried_forward=True,
                created_by=acting_user,
            )
            for old in EvidenceLink.objects.filter(assessment=previous)
            .select_related("element")
            .order_by("pk")
            if old.element.ref in by_ref
        ]
        bulk_create_with_history(
            links,
            EvidenceLink,
            default_user=acting_user,
            default_change_reason=f"Carried forward into {assessment.year}",
        )
        return len(links)

    def delete_links(
        self, assessment: Assessment, *, acting_user: AbstractBaseUser | None, reason: str
    ) -> int:
        """Row by row, so that each gets its history row."""
        links = list(EvidenceLink.objects.filter(assessment=assessment).order_by("pk"))
        for evidence_link in links:
            evidence_link._history_user = acting_user
            evidence_link._change_reason = reason
            evidence_link.delete()
        return len(links)
