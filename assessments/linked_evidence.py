"""What an assessment year asks of the evidence linked to it, without importing evidence.

The apps depend one way (standards ← organisations ← assessments ← evidence ← reports), yet a
year's grid counts each element's evidence, its element page lists the links and searches the
library, opening a year carries the links forward and deleting a year deletes them. So
assessments says here what it asks (``LinkedEvidence``) and the evidence app answers:
``EvidenceConfig.ready()`` registers its ``evidence.year_links.YearLinks`` with ``provide``.
Until something is registered, a year has no evidence (``NoEvidence``).

A provider rather than signals: each question has an answer the caller needs (counts, links,
how many were copied or deleted), the writes run inside the caller's transaction and after its
locks (lock order: the organisation, the assessment row, then the year's rows), and this one
Protocol lists everything assessments asks of evidence.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.contrib.auth.base_user import AbstractBaseUser

from assessments.models import Assessment
from organisations.models import Organisation
from standards.models import Element


@dataclass(frozen=True)
class ElementLinks:
    """The evidence linked to one element in one year, as its page shows it."""

    links: list[Any] = field(default_factory=list)  # the evidence app's rows, for its templates
    overdue: bool = False  # any linked item past its review-by date
    to_confirm: int = 0  # links carried forward and not yet re-confirmed for the year


@dataclass(frozen=True)
class LinkCounts:
    """A year's evidence links: all of them, and those made in the year (not carried)."""

    total: int = 0
    added: int = 0


class LinkedEvidence(Protocol):
    def figures(
        self, assessment: Assessment, today: date, element_id: int | None = None
    ) -> dict[int, tuple[int, bool]]:
        """Element id → (items linked in the year, whether any is past its review-by date),
        of every element or of ``element_id`` only; two queries (the counts, the overdue)."""
        ...

    def element_links(self, assessment: Assessment, element: Element, today: date) -> ElementLinks:
        """The links of ``element`` in the year, by title (one query)."""
        ...

    def search(
        self, organisation: Organisation, assessment: Assessment, element: Element, query: str
    ) -> Any:
        """The library's items whose title holds ``query`` (cut to the search box's length,
        stripped), each saying whether it is linked to ``element`` in the year already: the
        evidence app's search, for its template; no query when ``query`` is blank."""
        ...

    def counts(self, assessment: Assessment) -> LinkCounts:
        """How many links the year has (one query)."""
        ...

    def carry_forward(
        self,
        previous: Assessment,
        assessment: Assessment,
        elements: list[Element],
        *,
        acting_user: AbstractBaseUser | None,
    ) -> int:
        """Copy the links of ``previous`` into the year just opened (``elements``: its
        standard's), marked carried forward and not yet re-confirmed; how many."""
        ...

    def delete_links(
        self, assessment: Assessment, *, acting_user: AbstractBaseUser | None, reason: str
    ) -> int:
        """Delete the year's links, each with a history row naming ``acting_user``; how many."""
        ...


class NoEvidence:
    """The answers of a portal without the evidence app: no links anywhere."""

    def figures(
        self, assessment: Assessment, today: date, element_id: int | None = None
    ) -> dict[int, tuple[int, bool]]:
        return {}

    def element_links(self, assessment: Assessment, element: Element, today: date) -> ElementLinks:
        return ElementLinks()

    def search(
        self, organisation: Organisation, assessment: Assessment, element: Element, query: str
    ) -> Any:
        return None

    def counts(self, assessment: Assessment) -> LinkCounts:
        return LinkCounts()

    def carry_forward(
        self,
        previous: Assessment,
        assessment: Assessment,
        elements: list[Element],
        *,
        acting_user: AbstractBaseUser | None,
    ) -> int:
        return 0

    def delete_links(
        self, assessment: Assessment, *, acting_user: AbstractBaseUser | None, reason: str
    ) -> int:
        return 0


_provider: LinkedEvidence = NoEvidence()


def provide(provider: LinkedEvidence) -> None:
    """Register the answers (the evidence app does, once, when Django starts)."""
    global _provider
    _provider = provider


def provider() -> LinkedEvidence:
    return _provider
