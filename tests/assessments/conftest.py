"""Fixtures of the assessment page tests: an item of the library carried forward into 2018,
one linked in the finalised 2017, and one linked to nothing."""

import pytest

from evidence.models import EvidenceLink
from tests.factories import EvidenceFactory


@pytest.fixture
def item(org):
    return EvidenceFactory(organisation=org, title="Customer profile 2018")


@pytest.fixture
def carried_link(y2018, element, item):
    """A link carried forward into 2018, not yet re-confirmed."""
    return EvidenceLink.objects.create(
        evidence=item, assessment=y2018, element=element, note="Profile", carried_forward=True
    )


@pytest.fixture
def old_link(y2017, element, item):
    """A link in the finalised 2017."""
    return EvidenceLink.objects.create(
        evidence=item, assessment=y2017, element=element, note="Old profile"
    )


@pytest.fixture
def spare(org):
    """An item of the library linked to nothing yet."""
    return EvidenceFactory(organisation=org, title="Satisfaction survey results")
