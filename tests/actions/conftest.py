"""Fixtures of the improvement action tests: the seeded organisation's 2018 (in assessor
review), its Partial Compliance element 2.1.4, and an admin."""

import pytest

from organisations.models import Role
from standards.models import Element


@pytest.fixture
def org_admin(org, member_of):
    return member_of(org, Role.ADMIN)


@pytest.fixture
def pc_element(y2018):
    """2.1.4: rated Partial Compliance in 2018 (the board paper's chart)."""
    return Element.objects.get(standard=y2018.standard, ref="2.1.4")


@pytest.fixture
def c_element(y2018):
    """1.1.1: rated Compliance in 2018."""
    return Element.objects.get(standard=y2018.standard, ref="1.1.1")
