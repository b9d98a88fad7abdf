"""Helpers shared by the assessment page tests: URLs, the answer's text and messages, every
page and every change endpoint with real ids, and a library of a given size."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from evidence.models import Evidence, EvidenceLink
from organisations.models import Role
from standards.models import Element
from tests.factories import UserFactory

HX = {"HX-Request": "true"}
CHANGERS = [Role.ADMIN, Role.QUALITY_LEAD]
READERS = [Role.ASSESSOR, Role.GOVERNING_BODY]


def url(name: str, org, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def body(response) -> str:
    return response.content.decode()


def every_change(org, year: int, link, spare) -> list[tuple[str, dict]]:
    """(url, data) of every POST endpoint, with real ids, in an order that can all succeed."""
    return [
        (url("self-assessment", org, year, "1.1.1"), {"self_rating": "NC", "self_notes": "x"}),
        (url("element-link", org, year, "1.1.1"), {"evidence_id": spare.pk, "note": "x"}),
        (url("link-note", org, year, link.pk), {"note": "Changed"}),
        (url("link-confirm", org, year, link.pk), {}),
        (url("link-unlink", org, year, link.pk), {}),
    ]


def every_page(org) -> list[str]:
    return [
        url("assessment-list", org),
        url("year", org, 2018),
        url("year", org, 2017),
        url("element", org, 2018, "1.1.1"),
        url("element", org, 2018, "1.3.3"),
        url("element", org, 2018, "1.3.3.1"),
        url("element", org, 2017, "1.1.1"),
    ]


def add_evidence(assessment, count: int, refs: list[str] | None = None) -> None:
    """``count`` items of the library, linked round-robin to the year's elements (or
    ``refs``); every other item is past its review date."""
    org = assessment.organisation
    creator = UserFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    items = Evidence.objects.bulk_create(
        Evidence(
            organisation=org,
            kind="link",
            title=f"Item {n}",
            url=f"https://example.test/{n}",
            review_by=yesterday if n % 2 else None,
            created_by=creator,
        )
        for n in range(count)
    )
    elements = list(
        Element.objects.filter(standard=assessment.standard, ref__in=refs)
        if refs
        else Element.objects.filter(standard=assessment.standard)
    )
    EvidenceLink.objects.bulk_create(
        EvidenceLink(
            evidence=item,
            assessment=assessment,
            element=elements[n % len(elements)],
            carried_forward=bool(n % 3 == 0),
        )
        for n, item in enumerate(items)
    )


def add_actions(assessment, count: int) -> None:
    """``count`` improvement actions raised in the year, round-robin on its elements, every
    other one done."""
    elements = list(assessment.results.values_list("element_id", flat=True))
    Action.objects.bulk_create(
        Action(
            organisation=assessment.organisation,
            raised_in=assessment,
            element_id=elements[n % len(elements)],
            description=f"Improvement {n}",
            due_date=timezone.localdate(),
            status=Action.Status.DONE if n % 2 else Action.Status.OPEN,
        )
        for n in range(count)
    )
