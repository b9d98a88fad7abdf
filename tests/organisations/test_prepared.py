"""Prepared tenant queries (organisations.prepared): compiled once, run with each request's
values, never a way round the tenancy wall.

Every prepared query of the app is also compared with its queryset on every run in every
test (PREPARED_QUERIES_CHECK, tests/conftest.py); these tests pin the rules themselves.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, ElementResult
from evidence.models import Evidence, EvidenceLink
from organisations.prepared import PreparedDiffers, prepared
from organisations.tenancy import ScopeError, all_tenants, no_tenant, tenant
from standards.models import Element
from tests.factories import AssessmentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

YEARS = prepared(
    lambda year: Assessment.objects.filter(year__gte=year).order_by("year").values_list("year")
)
TITLES = prepared(
    lambda kind, before: (
        Evidence.objects.filter(kind=kind, review_by__lt=before)
        .order_by("title")
        .values_list("title", flat=True)
    )
)
RESULT = prepared(
    lambda assessment_id, ref: (
        ElementResult.objects.select_related("assessment", "element")
        .filter(assessment_id=assessment_id, element__ref=ref)
        .order_by()
    )
)


@pytest.fixture
def two_orgs(org, other_org):
    for organisation in (org, other_org):
        AssessmentFactory(organisation=organisation, year=2017)
        AssessmentFactory(organisation=organisation, year=2018)
    return org, other_org


def test_a_prepared_query_reads_the_scope_s_organisation_only(two_orgs):
    org, other = two_orgs
    with tenant(org):
        assert YEARS(2017) == [(2017,), (2018,)]
        assert YEARS(2018) == [(2018,)]
    with tenant(other):
        assert YEARS(2017) == [(2017,), (2018,)]
    with all_tenants("the test counts every organisation's years"):
        assert len(Assessment.objects.filter(year__gte=2017)) == 4


def test_another_organisation_s_ids_find_nothing(y2018, other_org):
    with tenant(other_org):
        assert RESULT(y2018.pk, "1.1.1") == []


def test_it_is_compiled_once_and_asks_one_query(two_orgs):
    org, _other = two_orgs
    with tenant(org):
        YEARS(2017)
        with CaptureQueriesContext(connection) as queries:
            assert YEARS(2018) == [(2018,)]
        assert len(queries) == 1
        assert "2018" in queries[0]["sql"] and str(org.pk) in queries[0]["sql"]


def test_dates_and_strings_are_arguments(org):
    EvidenceFactory(organisation=org, kind="link", title="Old", review_by=date(2018, 1, 1))
    EvidenceFactory(organisation=org, kind="link", title="New", review_by=date(2030, 1, 1))
    EvidenceFactory(organisation=org, kind="note", title="Note", review_by=date(2018, 1, 1))
    with tenant(org):
        assert TITLES("link", date(2019, 1, 1)) == ["Old"]
        assert TITLES("link", date(2031, 1, 1)) == ["New", "Old"]
        assert TITLES("note", date(2031, 1, 1)) == ["Note"]


def test_instances_come_with_their_related_rows(y2018, seeded):
    with tenant(y2018.organisation):
        [result] = RESULT(y2018.pk, "1.1.1")
    assert isinstance(result, ElementResult)
    assert result.assessment == y2018 and result.element.ref == "1.1.1"
    with CaptureQueriesContext(connection) as queries:
        assert result.assessment.year == 2018 and result.element.text
    assert not queries


def test_outside_one_organisation_it_is_the_queryset_itself(two_orgs):
    with no_tenant(), pytest.raises(ScopeError):
        YEARS(2017)
    with all_tenants("the test reads every organisation"):
        assert len(YEARS(2017)) == 4


def test_a_number_no_column_holds_finds_nothing(org):
    with tenant(org):
        assert YEARS(2**70) == []
        assert RESULT(2**63, "1.1.1") == []


@pytest.mark.parametrize(
    ("build", "args", "error"),
    [
        # Not a tenant model's scoped manager: nothing filters it by organisation.
        (lambda ref: Element.objects.filter(ref=ref).values_list("ref"), ("1.1.1",), ScopeError),
        # The argument does not reach the SQL as itself (a LIKE pattern).
        (
            lambda title: Evidence.objects.filter(title__icontains=title).values_list("id"),
            ("x",),
            ValueError,
        ),
        # Nor as a parameter at all (a LIMIT).
        (lambda n: Evidence.objects.order_by("id").values_list("id")[:n], (3,), ValueError),
        # A bool cannot be told from the query's own booleans.
        (
            lambda flag: EvidenceLink.objects.filter(carried_forward=flag).values_list("id"),
            (True,),
            TypeError,
        ),
        # Dicts are not a kind of row it makes.
        (lambda pk: Evidence.objects.filter(pk=pk).values("id"), (1,), TypeError),
    ],
)
def test_a_query_it_cannot_prepare_is_refused_when_first_run(org, build, args, error):
    with tenant(org), pytest.raises(error):
        prepared(build)(*args)


def test_arguments_keep_the_types_it_was_prepared_for(two_orgs):
    org, _other = two_orgs
    with tenant(org):
        YEARS(2017)
        with pytest.raises(TypeError):
            YEARS("2017")


def test_the_check_sees_a_prepared_query_that_differs(org, monkeypatch):
    """The tests' check (PREPARED_QUERIES_CHECK) fails a run whose rows are not the ORM's."""
    AssessmentFactory(organisation=org, year=2018)
    query = prepared(lambda year: Assessment.objects.filter(year=year).values_list("year"))
    with tenant(org):
        assert query(2018) == [(2018,)]
        query.build = lambda year: Assessment.objects.filter(year=year + 1).values_list("year")
        with pytest.raises(PreparedDiffers):
            query(2018)
