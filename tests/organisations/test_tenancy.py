"""The first wall (organisations.tenancy, django-scopes): a query on a tenant model runs only in
a declared context, every request starts in none, and every tenant model is scoped.

The test-wide ``all_tenants`` of tests/conftest.py covers test code only: requests run in their
own context, so a page's forgotten filter raises here as it would in production.
"""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from archive.tables import tenant_models
from assessments.models import Assessment, ElementResult
from cse_portal import urls as project_urls
from cse_portal.celery import app as celery_app
from evidence.models import Evidence
from organisations import tenancy
from organisations.decorators import require
from organisations.models import Membership, Organisation
from organisations.permissions import Action
from organisations.tenancy import ScopeError, all_tenants, no_tenant, tenant
from tests.factories import AssessmentFactory, EvidenceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


# --- throwaway views, on a URLconf of their own ---------------------------------------------

seen: dict[str, object] = {}


def forgetful_page(request):
    """A page outside any organisation that forgets whose rows it reads."""
    return HttpResponse(str(Assessment.objects.count()))


@require(Action.VIEW)
def forgetful_tenant_page(request, **kwargs):
    """A tenant page that forgets its organisation filter: the scope adds it."""
    seen["organisations"] = set(Assessment.objects.values_list("organisation_id", flat=True))
    seen["setting"] = tenancy.current_setting()
    return HttpResponse("ok")


urlpatterns = [
    path("forgetful/", forgetful_page),
    path("o/<slug:org_slug>/forgetful/", forgetful_tenant_page),
    *project_urls.urlpatterns,
]


@pytest.fixture
def two_orgs(org, other_org):
    AssessmentFactory(organisation=org, year=2024)
    AssessmentFactory(organisation=other_org, year=2024)
    EvidenceFactory(organisation=org)
    EvidenceFactory(organisation=other_org)
    return org, other_org


# --- the scope ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        lambda: list(Assessment.objects.all()),
        lambda: Assessment.objects.filter(year=2024).count(),
        lambda: ElementResult.objects.first(),
        lambda: Evidence.objects.exists(),  # django-scopes lets exists() through: not here
        lambda: Evidence.objects.in_bulk([1]),
        lambda: list(Evidence.objects.exclude(pk=0).select_related("organisation")),
        lambda: list(Membership.objects.current()),  # a custom queryset method too
        lambda: Organisation.objects.get(slug="acme"),
    ],
)
def test_a_scoped_query_outside_any_scope_raises(two_orgs, query):
    with no_tenant(), pytest.raises(ScopeError):
        query()


def test_a_tenant_context_sees_its_own_rows_only(two_orgs):
    org, other_org = two_orgs
    with tenant(org):
        assert {a.organisation_id for a in Assessment.objects.all()} == {org.pk}
        assert set(Evidence.objects.values_list("organisation_id", flat=True)) == {org.pk}
        assert list(Organisation.objects.all()) == [org]
        assert not Assessment.objects.filter(organisation=other_org).exists()
    with all_tenants("this test compares both organisations"):
        assert Assessment.objects.filter(organisation__in=two_orgs).count() == 2


def test_crossing_tenants_needs_a_reason():
    with pytest.raises(ValueError), all_tenants("  "):
        pass


def test_contexts_nest_and_restore(org):
    with no_tenant():
        with tenant(org):
            assert tenancy.current_setting() == str(org.pk)
            with all_tenants("a nested crossing"):
                assert tenancy.current_setting() == tenancy.ALL
            assert tenancy.current_setting() == str(org.pk)
        assert tenancy.current_setting() == ""
        with pytest.raises(ScopeError):
            Assessment.objects.count()


# --- requests -------------------------------------------------------------------------------


@override_settings(ROOT_URLCONF=__name__)
def test_a_forgotten_filter_outside_a_tenant_raises_in_tests_too(client, two_orgs, lead):
    """The test's own code runs across tenants, yet the request does not inherit it."""
    client.force_login(lead)
    assert Assessment.objects.count() >= 2  # the test's context: across tenants
    with pytest.raises(ScopeError):
        client.get("/forgetful/")
    assert Assessment.objects.count() >= 2  # the test's context is back after the request
    assert tenancy.current_setting() == tenancy.ALL


@override_settings(ROOT_URLCONF=__name__)
def test_a_tenant_pages_forgotten_filter_is_scoped_to_its_organisation(client, two_orgs):
    org, _other = two_orgs
    user = MembershipFactory(organisation=org).user
    client.force_login(user)
    seen.clear()
    assert client.get(f"/o/{org.slug}/forgetful/").status_code == 200
    assert seen == {"organisations": {org.pk}, "setting": str(org.pk)}


@override_settings(ROOT_URLCONF=__name__)
def test_a_tenant_page_of_another_organisation_is_not_reached(client, two_orgs):
    org, other_org = two_orgs
    client.force_login(MembershipFactory(organisation=org).user)
    seen.clear()
    assert client.get(f"/o/{other_org.slug}/forgetful/").status_code == 404
    assert seen == {}


def test_real_pages_work_in_their_contexts(client, two_orgs):
    """The home page and the assessor's overview cross tenants by declaration; a tenant page
    runs in its organisation's."""
    org, other_org = two_orgs
    user = MembershipFactory(organisation=org).user
    MembershipFactory(organisation=other_org, user=user)
    client.force_login(user)
    assert client.get("/").status_code == 200
    assert client.get(f"/o/{org.slug}/").status_code == 200
    assert client.get("/standard/").status_code in (200, 302)


# --- every tenant model ---------------------------------------------------------------------


def test_every_tenant_model_has_a_scoped_manager_or_a_reason():
    """Walked from the models (archive.tables.tenant_models: every model with a path of keys
    to Organisation), so a tenant model added later cannot be forgotten."""
    unscoped = []
    for model in tenant_models():
        reason = tenancy.unscoped_reason(model)
        if reason is not None:
            assert reason.strip()
            continue
        if not tenancy.is_scoped(model._default_manager):
            unscoped.append(model._meta.label)
    assert unscoped == [], (
        f"{unscoped} have a path to Organisation but no scoped manager: give each "
        "`objects = scoped_manager('<path to organisation>', <its QuerySet>)` "
        "(organisations.tenancy)"
    )


def test_each_scoped_manager_filters_by_a_real_path(org):
    """Each path leads to the organisation: the scoped query runs."""
    with tenant(org):
        for model in tenant_models():
            if tenancy.unscoped_reason(model) is None:
                list(model._default_manager.all()[:1])


# --- tasks ----------------------------------------------------------------------------------


@celery_app.task(name="tests.tenancy.what_a_task_sees")
def what_a_task_sees() -> dict:
    try:
        Assessment.objects.count()
        refused = False
    except ScopeError:
        refused = True
    return {"setting": tenancy.current_setting(), "refused": refused}


def test_a_task_starts_in_no_context_and_leaves_the_callers_alone(org):
    """A task declares its context before it reads (reports.tasks.run_job, the reminders):
    until then a scoped query raises, and its connection shows no tenant row."""
    with tenant(org):
        seen_by_task = what_a_task_sees.apply().get()
        assert tenancy.current_setting() == str(org.pk)
    assert seen_by_task == {"setting": "", "refused": True}


# --- for_org under a scope: the filter once, never a way round it -----------------------------


def _conditions(queryset, column: str) -> int:
    """How often the WHERE clause compares ``column`` (the ordering's join aside)."""
    sql, _params = queryset.query.sql_with_params()
    where = sql.split(" WHERE ", 1)[1].split(" ORDER BY ", 1)[0]
    return where.count(f'"{column}" =') + where.count(f'"{column}" IN')


def test_for_org_does_not_filter_again_what_the_scope_filtered(two_orgs):
    org, other = two_orgs
    with tenant(org):
        once = Assessment.objects.for_org(org)
        assert _conditions(once, "organisation_id") == 1
        assert {a.organisation_id for a in once} == {org.pk}
        through = ElementResult.objects.for_org(org.pk)
        assert _conditions(through, "organisation_id") == 1
        # Another organisation's filter is added: nothing is both.
        assert _conditions(Assessment.objects.for_org(other), "organisation_id") == 2
        assert not Assessment.objects.for_org(other).exists()
        assert not Evidence.objects.for_org(other).exists()


def test_for_org_filters_where_no_scope_did(two_orgs):
    org, other = two_orgs
    with all_tenants("the test reads across organisations"):
        assert {a.organisation_id for a in Assessment.objects.all()} == {org.pk, other.pk}
        assert {a.organisation_id for a in Assessment.objects.for_org(other)} == {other.pk}
        assert {e.organisation_id for e in Evidence.objects.for_org(org)} == {org.pk}


def test_a_queryset_made_for_one_organisation_stays_its_own(two_orgs):
    org, other = two_orgs
    with tenant(org):
        made_for_org = Assessment.objects.all()
    with tenant(other):
        # Made under org's scope (its filter baked in), asked for other's rows: none.
        assert list(made_for_org.for_org(other)) == []
        assert _conditions(made_for_org.for_org(other), "organisation_id") == 2
