"""The organisation-wide audit log, /o/<org>/audit/: admins only, filters, pages, isolation."""

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from audit.queries import PER_PAGE
from audit.registry import sources
from evidence import services as evidence_services
from organisations import services as organisation_services
from organisations.models import Role
from tests.audit.support import mark
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    InvitationFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


def log_url(org, **query) -> str:
    url = reverse("org:audit-log", args=[org.slug])
    if query:
        url += "?" + urlencode(query)
    return url


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.QUALITY_LEAD, 403),
        (Role.ASSESSOR, 403),
        (Role.GOVERNING_BODY, 403),
    ],
)
def test_only_admins_see_the_log(client, org, member_of, role, status):
    client.force_login(member_of(org, role))
    assert client.get(log_url(org)).status_code == status


def test_outsiders_get_404(client, org, outsider):
    client.force_login(outsider)
    assert client.get(log_url(org)).status_code == 404


def test_the_navigation_offers_the_log_to_admins_only(client, org, admin, lead):
    client.force_login(admin)
    assert log_url(org) in client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    client.force_login(lead)
    assert (
        log_url(org) not in client.get(reverse("org:dashboard", args=[org.slug])).content.decode()
    )


def test_the_log_shows_who_changed_what_newest_first(client, org, admin, result_111, named):
    lead = named("Lee Lead")
    assessment_services.set_self_assessment(result_111, acting_user=lead, self_rating="PC")
    mark(result_111, named("Ana Assessor", Role.ASSESSOR), rating="NC")
    client.force_login(admin)
    page = client.get(log_url(org)).content.decode()
    page = page[page.index('class="list-unstyled audit-events') :]  # after the filters
    assert page.index("Ana Assessor") < page.index("Lee Lead")  # newest first
    assert "Non-Compliance" in page and "Partial Compliance" in page
    assert "2018 · 1.1.1" in page


# --- a history with every kind of change ------------------------------------------------------


def every_kind(org, admin, lead, assessor, cse_standard, results: int) -> None:
    """``results`` results of 2018 each self-rated and marked, each with a link added and
    unlinked, a criterion's findings, a year's move (and its workflow event), an action with
    an item attached, a role change, an invitation, an item edited."""
    from actions.models import Action as ImprovementAction
    from assessments.models import CriterionSummary, ElementResult
    from standards.models import Criterion, Element

    year = AssessmentFactory(organisation=org, year=2018, standard=cse_standard)
    item = EvidenceFactory(organisation=org, title="Safeguarding policy", created_by=lead)
    for element in Element.objects.filter(standard=cse_standard).order_by("position")[:results]:
        result = ElementResult.objects.create(assessment=year, element=element)
        assessment_services.set_self_assessment(result, acting_user=lead, self_rating="PC")
        mark(result, assessor, rating="NC", comment="Not yet.")
        link, _ = evidence_services.link(item, year, element, acting_user=lead, note="See 2.")
        evidence_services.unlink(link, acting_user=lead)
    # The other kinds after the results: the first page shows every kind, whatever the size.
    evidence_services.update_details(item, acting_user=lead, title="Safeguarding policy v2")
    summary = CriterionSummary(
        assessment=year, criterion=Criterion.objects.get(standard=cse_standard, ref="1")
    )
    summary._history_user = assessor
    summary.text = "Strong leadership."
    summary.save()
    year.status = year.Status.ASSESSOR_REVIEW
    year._history_user = assessor
    year.save(update_fields=["status"])
    from assessments.models import AssessmentEvent

    AssessmentEvent.objects.create(
        assessment=year, from_status="submitted", to_status="assessor_review", actor=assessor
    )
    action = ImprovementAction(
        organisation=org, element=element, raised_in=year, description="Write it.",
        due_date=date(2019, 3, 1), created_by=lead,
    )  # fmt: skip
    action._history_user = lead
    action.save()
    action.evidence.add(item)  # a history row of the action, with its evidence
    membership = MembershipFactory(organisation=org, role=Role.GOVERNING_BODY)
    organisation_services.change_role(membership, Role.QUALITY_LEAD, acting_user=admin)
    InvitationFactory(organisation=org, invited_by=admin)


@pytest.fixture
def people(org, named):
    return named("Ada Admin", Role.ADMIN), named("Lee Lead"), named("Ana Assessor", Role.ASSESSOR)


@pytest.mark.parametrize("results", [2, 30])
def test_a_page_costs_the_same_queries_whatever_the_history(
    client, org, people, cse_standard, results, django_assert_num_queries
):
    admin, lead, assessor = people
    every_kind(org, admin, lead, assessor, cse_standard, results)
    client.force_login(admin)
    client.get(log_url(org))  # the first visit also saves the last organisation
    # 1 session, 2 user, 3 membership + organisation (TenantMiddleware),
    # 4 the people who are or were members (the person filter),
    # 5 count of the matching history rows (one UNION of every kind),
    # 6 the page's (date, id, kind), newest first (the same UNION, sliced),
    # 7-15 one a kind on the page (9 kinds): its rows and the row before each (the workflow
    # events: their own rows, no history table),
    # 16 the evidence held by each of the page's action history rows (what was attached),
    # 17 the organisation's years, 18 the people named, 19 the elements, 20 the items' titles,
    # 21 the criteria named.
    with django_assert_num_queries(21):
        response = client.get(log_url(org))
    assert response.status_code == 200
    history = response.context["history"]
    assert {event.kind for event in history.events} == {s.kind for s in sources()}
    assert (history.page.paginator.num_pages > 1) is (results > 2)


def test_the_page_is_paginated_newest_first(client, org, people, cse_standard):
    admin, lead, assessor = people
    every_kind(org, admin, lead, assessor, cse_standard, 30)
    client.force_login(admin)
    first = client.get(log_url(org)).context["history"]
    second = client.get(log_url(org, page=2)).context["history"]
    assert len(first.page.object_list) == PER_PAGE
    dates = [e.when for e in first.events] + [e.when for e in second.events]
    assert dates == sorted(dates, reverse=True)
    assert first.page.paginator.count > 4 * 30  # results and links, twice each


# --- filters ----------------------------------------------------------------------------------


def kinds_shown(client, org, **query) -> set[tuple[str, str]]:
    history = client.get(log_url(org, **query)).context["history"]
    return {(r.kind, r.label) for r in history.records}


def test_the_filters(client, org, people, cse_standard):
    admin, lead, assessor = people
    every_kind(org, admin, lead, assessor, cse_standard, 2)
    client.force_login(admin)
    by_assessor = client.get(log_url(org, person=assessor.pk)).context["history"].records
    assert {r.who for r in by_assessor} == {"Ana Assessor"}
    assert {r.kind for r in by_assessor} == {"result", "summary", "year", "workflow"}
    assert {k for k, _ in kinds_shown(client, org, kind="membership")} == {"membership"}
    # Its result, its links and the action raised on it (the last element of the loop).
    assert kinds_shown(client, org, ref="1.1.2") == {
        ("result", "2018 · 1.1.2"),
        ("link", "2018 · 1.1.2 · Safeguarding policy v2"),
        ("action", "2018 · 1.1.2"),
    }
    assert {k for k, _ in kinds_shown(client, org, year=2018)} == {
        "result", "link", "summary", "year", "action", "workflow",
    }  # fmt: skip
    assert kinds_shown(client, org, year=2017) == set()
    today = timezone.localdate()
    assert kinds_shown(client, org, since=today.isoformat(), until=today.isoformat())
    assert kinds_shown(client, org, until=(today - timedelta(days=1)).isoformat()) == set()
    assert kinds_shown(client, org, since=(today + timedelta(days=1)).isoformat()) == set()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"person": "99999999999999999999"}, "Choose one of the people listed."),
        ({"person": "-1"}, "Choose one of the people listed."),
        ({"kind": "everything"}, "Choose one of the kinds listed."),
        ({"ref": "1.1.1'; drop"}, "is not an element reference"),
        ({"ref": "٢.١.١"}, "is not an element reference"),
        ({"year": "99999999999999999999"}, "Write a year in four digits"),
        ({"year": "²⁰¹⁸"}, "Write a year in four digits"),
        ({"year": "1e400"}, "Write a year in four digits"),
        ({"since": "2018-02-30"}, "Enter a date such as 2018-06-30."),
        ({"since": "0001-01-01"}, "Choose a date between 01/01/1990 and 31/12/2100."),
        ({"until": "9999-12-31"}, "Choose a date between 01/01/1990 and 31/12/2100."),
        ({"until": "99999999999999999999"}, "Enter a date such as 2018-06-30."),
        ({"since": "2019-01-01", "until": "2018-01-01"}, "swap them"),
        ({"page": "99999999999999999999"}, ""),
        ({"page": "1e400"}, ""),
    ],
)
def test_malformed_filters_say_why_and_keep_what_was_typed(client, org, people, query, message):
    admin, lead, assessor = people
    client.force_login(admin)
    response = client.get(log_url(org, **query))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    for name in ["ref", "year", "since", "until"]:  # what was typed stays in its box
        if name in query and "'" not in query[name]:
            assert f'name="{name}" id="id_{name}" value="{query[name]}"' in page


def test_a_nul_in_a_filter_is_refused_with_a_400(client, org, admin):
    client.force_login(admin)
    assert client.get(log_url(org) + "?ref=1.1%001").status_code == 400


# --- tenant isolation -------------------------------------------------------------------------


def test_another_organisations_history_never_appears(client, org, other_org, people, cse_standard):
    admin, lead, assessor = people
    other_admin = MembershipFactory(
        organisation=other_org, role=Role.ADMIN, user__full_name="Otto Other"
    ).user
    other_assessor = MembershipFactory(organisation=other_org, role=Role.ASSESSOR).user
    every_kind(other_org, other_admin, other_admin, other_assessor, cse_standard, 2)
    # One of the other organisation's years deleted: its rows' history stays, unowned by us.
    from assessments.models import Assessment

    deleted = AssessmentFactory(organisation=other_org, year=2019, standard=cse_standard)
    deleted._history_user = other_admin
    Assessment.objects.filter(pk=deleted.pk).delete()
    client.force_login(admin)
    history = client.get(log_url(org)).context["history"]
    assert {r.who for r in history.records} <= {"Ada Admin", "System"}
    assert "Otto Other" not in client.get(log_url(org)).content.decode()
    assert client.get(log_url(org, person=other_admin.pk)).context["form"].errors["person"]
    # Everything of the other organisation is there for its own admin.
    client.force_login(other_admin)
    assert client.get(log_url(other_org, person=other_admin.pk)).context["history"].records
