"""An organisation with a small, hand-made history: a year and an element's result, changed
by real services (so the history rows are those the app writes)."""

import pytest

from assessments.models import Assessment, ElementResult
from organisations.models import Role
from standards.models import Element
from tests.factories import AssessmentFactory, MembershipFactory


@pytest.fixture
def admin(org, member_of):
    return member_of(org, Role.ADMIN)


@pytest.fixture
def year(org, cse_standard) -> Assessment:
    return AssessmentFactory(organisation=org, year=2018, standard=cse_standard)


@pytest.fixture
def element_111(cse_standard) -> Element:
    return Element.objects.get(standard=cse_standard, ref="1.1.1")


@pytest.fixture
def result_111(year, element_111) -> ElementResult:
    return ElementResult.objects.create(assessment=year, element=element_111)


@pytest.fixture
def named(org):
    """named(full_name, role) -> a member with a name (the log shows names)."""

    def make(full_name, role=Role.QUALITY_LEAD):
        return MembershipFactory(organisation=org, role=role, user__full_name=full_name).user

    return make
