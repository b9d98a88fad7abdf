"""Fixtures of the evidence page tests: a file item with an earlier version, a year with
element 1.1.1 (a factory element), and a small library to filter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evidence import services
from organisations.models import Role
from tests.evidence import samples
from tests.factories import (
    AssessmentFactory,
    ElementFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
)


@pytest.fixture
def item(org, lead):
    """A file item with an earlier version (so both downloads have something to send)."""
    first = services.add_file(
        org, services.check_upload(samples.upload("policy v1.pdf", samples.PDF)), acting_user=lead
    )
    new = services.check_upload(samples.upload("policy v2.pdf", samples.unique_pdf(2)))
    return services.replace_file(first, new, acting_user=lead)


@pytest.fixture
def version(item):
    return item.versions.get()


@pytest.fixture
def element():
    return ElementFactory(ref="1.1.1", text="We have an in-depth understanding of our customers.")


@pytest.fixture
def year(org, element):
    return AssessmentFactory(organisation=org, standard=element.standard, year=2018)


@pytest.fixture
def library(org, lead, member_of, element, year):
    admin = member_of(org, Role.ADMIN)
    today = timezone.localdate()
    items = {
        "profile": EvidenceFactory(
            organisation=org, title="Customer profile", description="Census data", owner=lead
        ),
        "survey": EvidenceFactory(
            organisation=org,
            title="Satisfaction survey",
            description="Results by customer group",
            owner=admin,
            review_by=today - timedelta(days=3),
        ),
        "note": EvidenceFactory(
            organisation=org, title="Call-back practice", kind="note", body="b", owner=admin
        ),
        "file": EvidenceFactory(
            organisation=org,
            title="Complaints policy",
            kind="file",
            owner=lead,
            review_by=today + timedelta(days=3),
        ),
    }
    EvidenceLinkFactory(evidence=items["profile"], assessment=year, element=element)
    later = AssessmentFactory(organisation=org, standard=element.standard, year=2019)
    EvidenceLinkFactory(evidence=items["profile"], assessment=later, element=element)
    EvidenceLinkFactory(
        evidence=items["survey"],
        assessment=year,
        element=ElementFactory(standard=element.standard, ref="1.2.1"),
    )
    return {"items": items, "admin": admin}
