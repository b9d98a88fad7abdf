"""The evidence library: /o/<org>/evidence/"""

from datetime import timedelta

import pytest
from django.utils import timezone

from evidence.models import Evidence, EvidenceLink
from tests.evidence.pages.support import body, listed, url
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
)

pytestmark = pytest.mark.django_db


# --- the library -------------------------------------------------------------------------------


def test_the_library_lists_items_with_their_links(client, org, lead, board, element, year):
    linked = EvidenceFactory(
        organisation=org,
        title="Customer profile",
        description="Population by age and need",
        owner=lead,
        evidence_date=timezone.localdate() - timedelta(days=100),
        review_by=timezone.localdate() - timedelta(days=1),
    )
    EvidenceLinkFactory(evidence=linked, assessment=year, element=element, carried_forward=True)
    EvidenceFactory(organisation=org, title="Engagement strategy", kind="note", body="text")
    client.force_login(board)
    response = client.get(url("evidence-list", org))
    page = body(response)
    assert response.status_code == 200
    assert "Customer profile" in page and "Engagement strategy" in page
    assert "Population by age and need" in page
    assert "2018 · 1.1.1" in page
    assert "not re-confirmed" in page
    assert "Overdue" in page  # in words, not colour alone
    assert "Written note" in page and "Web link" in page
    # The governing body reads, but is offered no change and no file.
    assert "Add evidence" not in page
    assert "/download/" not in page
    # No inline script or style: the CSP forbids them.
    assert "style=" not in page
    assert "<script>" not in page


def test_a_confirmed_carried_forward_link_is_not_marked(client, org, lead, element, year):
    item = EvidenceFactory(organisation=org)
    EvidenceLinkFactory(
        evidence=item,
        assessment=year,
        element=element,
        carried_forward=True,
        confirmed_at=timezone.now(),
        confirmed_by=lead,
    )
    client.force_login(lead)
    assert "not re-confirmed" not in body(client.get(url("evidence-list", org)))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            {"Customer profile", "Satisfaction survey", "Call-back practice", "Complaints policy"},
        ),
        ({"q": "survey"}, {"Satisfaction survey"}),
        ({"q": "CENSUS"}, {"Customer profile"}),  # the description too, any case
        ({"q": "customer results"}, {"Satisfaction survey"}),  # every word
        ({"element": "1.1.1", "year": "all"}, {"Customer profile"}),  # once, though in two years
        ({"element": "1.2.1"}, set()),  # linked in 2018, not in the current year (2019)
        ({"element": "1.2.1", "year": "2018"}, {"Satisfaction survey"}),
        ({"element": "5.3.3"}, set()),
        ({"kind": "note"}, {"Call-back practice"}),
        ({"kind": "file"}, {"Complaints policy"}),
        ({"overdue": "on"}, {"Satisfaction survey"}),
    ],
)
def test_filters(client, org, lead, library, params, expected):
    client.force_login(lead)
    titles = listed(client, org, **params)
    assert set(titles) == expected
    assert len(titles) == len(set(titles))


def test_filter_by_owner(client, org, lead, library):
    client.force_login(lead)
    assert set(listed(client, org, owner=library["admin"].pk)) == {
        "Satisfaction survey",
        "Call-back practice",
    }
    assert set(listed(client, org, owner=lead.pk, kind="file")) == {"Complaints policy"}


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "99999"},
        {"page": "99999999999999999999999"},
        {"element": "junk"},
        {"element": "1.1.1'; drop table"},
        {"owner": "abc"},
        {"owner": "99999999999999999999999"},
        {"owner": "-5"},
        {"kind": "zzz"},
        {"overdue": "maybe"},
        {"q": "x" * 5000},
        {"q": "%_\\"},
        {"q": "null\x00byte"},
        {"element": "1.1\x00"},
        {"page": "2\x00"},
    ],
)
def test_bad_query_parameters_never_500(client, org, lead, library, params):
    client.force_login(lead)
    response = client.get(url("evidence-list", org), params)
    # A NUL byte may be answered 400 by a middleware before it reaches the page.
    assert response.status_code == 200 or (
        "\x00" in "".join(params.values()) and response.status_code == 400
    )


def test_an_invalid_filter_is_shown_and_left_out(client, org, lead, library):
    client.force_login(lead)
    response = client.get(url("evidence-list", org), {"element": "junk", "kind": "note"})
    assert "“junk” is not an element reference" in body(response)
    assert [i.title for i in response.context["items"]] == ["Call-back practice"]


def test_pagination_keeps_the_filters(client, org, lead):
    for n in range(30):
        EvidenceFactory(organisation=org, title=f"Minutes {n:02d}", kind="note", body="b")
    EvidenceFactory(organisation=org, title="Minutes as a link")
    client.force_login(lead)
    first = client.get(url("evidence-list", org), {"kind": "note", "q": "minutes"})
    assert len(first.context["items"]) == 25
    page = body(first)
    assert "Items 1–25 of 30" in page
    assert "?kind=note&amp;q=minutes&amp;page=2" in page
    second = client.get(url("evidence-list", org), {"kind": "note", "q": "minutes", "page": 2})
    assert len(second.context["items"]) == 5
    last = client.get(url("evidence-list", org), {"kind": "note", "page": "999"})
    assert last.context["page"].number == 2


def test_an_empty_library_invites_to_add(client, org, lead):
    client.force_login(lead)
    page = body(client.get(url("evidence-list", org)))
    assert "The library is empty" in page
    assert url("evidence-add", org) in page


def _many_items(org, lead, element, year, count):
    items = Evidence.objects.bulk_create(
        Evidence(organisation=org, kind="link", title=f"Item {n}", url="https://x.test/",
                 owner=lead, created_by=lead)
        for n in range(count)
    )  # fmt: skip
    EvidenceLink.objects.bulk_create(
        EvidenceLink(evidence=item, assessment=year, element=element, carried_forward=n % 2 == 0)
        for n, item in enumerate(items)
    )


@pytest.mark.usefixtures("drawn_pages")
@pytest.mark.parametrize("count", [10, 500])
@pytest.mark.parametrize("year_shown", [None, "2018", "all"])
def test_library_query_count_is_constant(
    client, org, lead, element, year, count, year_shown, django_assert_num_queries
):
    _many_items(org, lead, element, year, count)
    for n in range(2019, 2019 + count // 100):  # more years, with links carried into them
        later = AssessmentFactory(organisation=org, standard=element.standard, year=n)
        _many_items(org, lead, element, later, count // 5)
    client.force_login(lead)
    client.get(url("evidence-list", org))  # the first visit also saves the last organisation
    params = {"page": 2 if count > 25 else 1, "element": "1.1.1"}
    if year_shown:
        params["year"] = year_shown
    # 1 session, 2 user, 3 membership + organisation (TenantMiddleware),
    # 4 the organisation's years (the year filter's choices),
    # 5 members of the organisation (the owner filter's choices),
    # 6 count of the items (paginator), 7 the page of items with owner and author,
    # 8 the links of the page's items in the year shown, with their years and elements,
    # 9 the links to re-confirm of the year shown, when one year is (every year here is
    #   open): the bulk re-confirmation button.
    with django_assert_num_queries(8 if year_shown == "all" else 9):
        response = client.get(url("evidence-list", org), params)
    assert response.status_code == 200
    page = body(response)
    assert " · 1.1.1</a>" in page
    if year_shown == "2018":
        assert "2018 · 1.1.1" in page
    if count > 100 and year_shown is None:
        assert "Re-confirm the" in page  # the current year's carried-forward links
