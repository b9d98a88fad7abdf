"""Who may do what on the assessment pages: every member reads, admins and quality leads change
the self-assessment and links, assessors and the board get 403 on every change, outsiders 404
everywhere (even with real ids), anonymous visitors go to sign in.
"""

import pytest
from django.urls import reverse

from assessments.models import Assessment, ElementResult
from evidence.models import Evidence, EvidenceLink
from organisations.models import Role
from standards.models import Element
from tests.assessments.support import (
    CHANGERS,
    HX,
    READERS,
    body,
    every_change,
    every_page,
    url,
)
from tests.factories import EvidenceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_every_page(client, y2018, carried_link, member_of, role):
    client.force_login(member_of(y2018.organisation, role))
    for path in every_page(y2018.organisation):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.QUALITY_LEAD, 200), (Role.ASSESSOR, 200), (Role.GOVERNING_BODY, 403)],
)
def test_who_may_open_a_year(client, seeded, member_of, role, status):
    Assessment.objects.filter(organisation=seeded, year=2018).update(status="finalised")
    client.force_login(member_of(seeded, role))
    assert client.get(url("assessment-open", seeded)).status_code == status
    response = client.post(url("assessment-open", seeded), {"year": 2019, "kind": "annual_review"})
    assert response.status_code == (302 if status == 200 else 403)
    assert Assessment.objects.filter(organisation=seeded, year=2019).exists() == (status == 200)


@pytest.mark.parametrize("role", READERS)
def test_assessors_and_the_board_change_nothing(
    client, y2018, carried_link, spare, member_of, role
):
    org = y2018.organisation
    client.force_login(member_of(org, role))
    for path, data in every_change(org, 2018, carried_link, spare):
        assert client.post(path, data).status_code == 403, path
        assert client.post(path, data, headers=HX).status_code == 403, path
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("", "")
    carried_link.refresh_from_db()
    assert (carried_link.note, carried_link.confirmed_at) == ("Profile", None)
    assert not EvidenceLink.objects.filter(evidence=spare).exists()
    # Nor do they see a control to try.
    for path in [url("year", org, 2018), url("element", org, 2018, "1.1.1")]:
        page = body(client.get(path))
        assert "self-form" not in page and "link-note-form" not in page
        assert "Re-confirm" not in page and 'name="evidence_id"' not in page
    assert client.get(url("element-evidence-search", org, 2018, "1.1.1")).status_code == 403


@pytest.mark.parametrize("role", CHANGERS)
def test_admins_and_leads_change_the_self_assessment_and_links(
    client, y2018, carried_link, spare, member_of, role
):
    org = y2018.organisation
    client.force_login(member_of(org, role))
    for path, data in every_change(org, 2018, carried_link, spare):
        response = client.post(path, data)
        assert response.status_code == 302, path
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("NC", "x")
    assert EvidenceLink.objects.filter(evidence=spare, assessment=y2018, note="x").exists()
    assert not EvidenceLink.objects.filter(pk=carried_link.pk).exists()  # unlinked last
    assert Evidence.objects.filter(pk=carried_link.evidence_id).exists()  # still in the library


@pytest.mark.parametrize("role", list(Role))
def test_outsiders_get_404_with_real_ids(client, y2018, carried_link, spare, other_org, role):
    org = y2018.organisation
    client.force_login(MembershipFactory(organisation=other_org, role=role).user)
    for path in [*every_page(org), url("assessment-open", org)]:
        assert client.get(path).status_code == 404, path
    for path, data in every_change(org, 2018, carried_link, spare):
        assert client.post(path, data).status_code == 404, path
        assert client.post(path, data, headers=HX).status_code == 404, path
    assert EvidenceLink.objects.filter(pk=carried_link.pk, note="Profile").exists()


def test_another_tenants_ids_are_not_found_through_this_tenants_urls(
    client, y2018, lead, other_org, cse_standard
):
    """A lead of A, with B's link and evidence ids in A's URLs: 404, nothing changes."""
    from assessments.services import open_year

    theirs = open_year(other_org, 2018, acting_user=None)
    their_item = EvidenceFactory(organisation=other_org)
    their_link = EvidenceLink.objects.create(
        evidence=their_item, assessment=theirs, element=Element.objects.get(ref="1.1.1")
    )
    org = y2018.organisation
    client.force_login(lead)
    for name in ["link-note", "link-confirm", "link-unlink"]:
        assert client.post(url(name, org, 2018, their_link.pk), {"note": "x"}).status_code == 404
    response = client.post(url("element-link", org, 2018, "1.1.1"), {"evidence_id": their_item.pk})
    assert response.status_code == 404
    assert not EvidenceLink.objects.filter(assessment=y2018).exists()
    assert EvidenceLink.objects.filter(pk=their_link.pk, note="").exists()


def test_unknown_years_refs_and_links_are_404(client, y2018, lead, carried_link, y2017):
    org = y2018.organisation
    client.force_login(lead)
    assert client.get(url("year", org, 2031)).status_code == 404
    assert client.get(url("element", org, 2018, "9.9.9")).status_code == 404
    assert client.get(url("element", org, 2018, "1.1")).status_code == 404
    assert client.post(url("self-assessment", org, 2018, "9.9.9"), {}).status_code == 404
    # A link of 2018 through 2017's URL: not found there.
    assert client.post(url("link-note", org, 2017, carried_link.pk), {}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, y2018, carried_link, spare):
    org = y2018.organisation
    for path in every_page(org):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    for path, data in every_change(org, 2018, carried_link, spare):
        assert client.post(path, data)["Location"].startswith(reverse("login"))


def test_changes_need_a_post(client, y2018, lead, carried_link):
    org = y2018.organisation
    client.force_login(lead)
    assert client.get(url("self-assessment", org, 2018, "1.1.1")).status_code == 405
    assert client.get(url("link-unlink", org, 2018, carried_link.pk)).status_code == 405
