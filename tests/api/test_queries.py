"""The API answers in a fixed number of queries, whatever the size of the organisation: each
page is measured on the seed's five years and on an organisation grown to eleven years with
forty evidence items, and must cost the same. The queries are written above each count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, ElementResult
from standards.models import Element
from tests.factories import (
    ActionFactory,
    EvidenceLinkFactory,
    FileEvidenceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def grow(org, y2018, lead, items: int) -> None:
    """Years 2019–2024, each a copy of 2018's results, and ``items`` file items, each owned
    by its own person and linked to three elements in three years."""
    for year in range(2019, 2025):
        assessment = Assessment.objects.create(
            organisation=org, standard=y2018.standard, year=year, status=y2018.status
        )
        ElementResult.objects.bulk_create(
            ElementResult(
                assessment=assessment,
                element_id=r.element_id,
                rating=r.rating,
                self_rating=r.self_rating,
                sampled=r.sampled,
                carried_forward=True,
            )
            for r in ElementResult.objects.filter(assessment=y2018)
        )
    years = list(Assessment.objects.filter(organisation=org).order_by("-year")[:3])
    elements = list(Element.objects.filter(standard=y2018.standard)[:3])
    for _ in range(items):
        item = FileEvidenceFactory(organisation=org, created_by=lead, owner=UserFactory())
        for year, element in zip(years, elements, strict=True):
            EvidenceLinkFactory(evidence=item, assessment=year, element=element)


def queries(client, path: str) -> list[str]:
    """The SQL of each query the page made."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


def assert_queries(client, path: str, expected: int) -> None:
    made = queries(client, path)
    assert len(made) == expected, f"{len(made)} queries:\n" + "\n".join(made)


def test_the_years_list(client, seeded, y2018, lead):
    client.force_login(lead)
    # The session, the user, the membership (with the organisation), the number of years,
    # the page of years (with their lead assessors), their outcomes (one query).
    assert_queries(client, "/o/acme/api/years/", 6)
    grow(seeded, y2018, lead, items=0)
    assert Assessment.objects.filter(organisation=seeded).count() == 11
    assert_queries(client, "/o/acme/api/years/", 6)


def test_a_years_detail(client, seeded, y2018, lead):
    client.force_login(lead)
    # The session, the user, the membership, the year (with its lead assessor), its outcome
    # (one query), its results (one query).
    assert_queries(client, "/o/acme/api/years/2018/", 6)
    grow(seeded, y2018, lead, items=0)
    assert_queries(client, "/o/acme/api/years/2024/", 6)


def test_the_evidence_list(client, seeded, y2018, lead, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(lead)
    FileEvidenceFactory(organisation=seeded, created_by=lead)
    # The session, the user, the membership, the number of items, the page of items (with
    # their owners), their links (with their years and elements).
    assert_queries(client, "/o/acme/api/evidence/", 6)
    grow(seeded, y2018, lead, items=40)
    assert_queries(client, "/o/acme/api/evidence/", 6)
    assert_queries(client, "/o/acme/api/evidence/?year=2024&kind=file", 6)


def test_a_token_costs_one_query_and_a_write_at_most_every_five_minutes(seeded, lead, token_client):
    client = token_client(lead)
    # The token (with its user), the note of its use, the membership, the number of years,
    # the page of years, their outcomes. No session.
    assert_queries(client, "/o/acme/api/years/", 6)
    # Used a moment ago: no note written.
    assert_queries(client, "/o/acme/api/years/", 5)


def test_the_actions_list(client, seeded, y2018, lead):
    client.force_login(lead)
    elements = list(Element.objects.filter(standard=y2018.standard, parent=None))
    item = FileEvidenceFactory(organisation=seeded, created_by=lead)
    action = ActionFactory(raised_in=y2018, element=elements[0], owner=lead)
    action.evidence.add(item)
    # The session, the user, the membership, the number of actions, the page of actions (with
    # their elements, years and owners), their evidence ids.
    assert_queries(client, "/o/acme/api/actions/", 6)
    grow(seeded, y2018, lead, items=10)
    for element in elements[1:41]:
        overdue = date(2019, 1, 1)
        action = ActionFactory(
            raised_in=y2018, element=element, owner=UserFactory(), due_date=overdue
        )
        action.evidence.add(item)
    assert_queries(client, "/o/acme/api/actions/", 6)
    assert_queries(client, "/o/acme/api/actions/?status=open&year=2018&overdue=1", 6)
    # The session, the user, the membership, the action, its evidence ids.
    assert_queries(client, f"/o/acme/api/actions/{action.pk}/", 5)
