"""The element page reads its links with only the columns it shows
(evidence.year_links.ELEMENT_LINK_FIELDS): links of every shape (a file, a web link and a
note; carried forward, re-confirmed by someone, overdue for review; with a note) are drawn
with no query more than one plain link, for an editor and for a reader."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evidence.models import EvidenceLink
from organisations.models import Role
from tests.assessments.support import url
from tests.factories import EvidenceFactory, UserFactory


def queries_of(client, path: str) -> tuple[int, str]:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.usefixtures("drawn_pages")
@pytest.mark.parametrize("role", [Role.QUALITY_LEAD, Role.GOVERNING_BODY])
def test_links_of_every_shape_cost_no_query_more(client, y2018, element, member_of, role):
    org = y2018.organisation
    client.force_login(member_of(org, role))
    path = url("element", org, 2018, element.ref)
    plain = EvidenceFactory(organisation=org, title="Plain")
    EvidenceLink.objects.create(evidence=plain, assessment=y2018, element=element)
    one, _page = queries_of(client, path)

    confirmer = UserFactory(full_name="Casey Confirmer")
    today = timezone.localdate()
    for n, kind in enumerate(["file", "link", "note"]):
        item = EvidenceFactory(
            organisation=org, title=f"Item {kind}", kind=kind, review_by=today - timedelta(n)
        )
        EvidenceLink.objects.create(
            evidence=item,
            assessment=y2018,
            element=element,
            note=f"Note {n}",
            carried_forward=True,
            confirmed_at=timezone.now() if n else None,
            confirmed_by=confirmer if n else None,
        )
    many, page = queries_of(client, path)
    assert many == one
    assert "by Casey Confirmer on" in page and "Review overdue since" in page
    assert "Item file" in page and "Item link" in page and "Item note" in page


@pytest.mark.parametrize("can_edit", [True, False])
def test_the_rows_draw_as_the_links_they_stand_for(y2018, element, can_edit):
    """The list draws plain rows (evidence.year_links.ListedLink), the answers to a change
    draw the EvidenceLink itself: one drawing, the same markup for links of every shape."""
    from assessments.templatetags.assessment_tags import csrf_input
    from assessments.templatetags.link_tags import link_item_html
    from evidence.year_links import YearLinks

    org = y2018.organisation
    today = timezone.localdate()
    confirmer = UserFactory(full_name="")  # named by their email address
    named = UserFactory(full_name="Casey <Confirmer>")
    shapes = [
        {"kind": "file", "review_by": today - timedelta(1), "note": "Line one\nline <two>"},
        {"kind": "link", "url": "https://example.org/?a=1&b=2", "confirmed_by": confirmer},
        {"kind": "note", "review_by": today, "carried_forward": True},
        {"kind": "file", "carried_forward": True, "confirmed_by": named},
        {"kind": "link", "url": "", "title": "A title " * 8},
    ]
    for n, shape in enumerate(shapes):
        item = EvidenceFactory(
            organisation=org,
            title=shape.get("title", f"Item & {n} “quoted”"),
            kind=shape["kind"],
            url=shape.get("url", ""),
            review_by=shape.get("review_by"),
        )
        by = shape.get("confirmed_by")
        EvidenceLink.objects.create(
            evidence=item,
            assessment=y2018,
            element=element,
            note=shape.get("note", ""),
            carried_forward=shape.get("carried_forward", False),
            confirmed_at=timezone.now() - timedelta(days=n) if by else None,
            confirmed_by=by,
        )
    rows = YearLinks().element_links(y2018, element, today).links
    assert len(rows) == len(shapes)
    page = {
        "slug": org.slug,
        "year": y2018.year,
        "can_edit": can_edit,
        "may_download": True,
        "csrf": csrf_input("token"),
    }
    for row in rows:
        link = EvidenceLink.objects.select_related("evidence", "confirmed_by").get(pk=row.pk)
        assert row.needs_confirmation == link.needs_confirmation
        assert row.evidence.is_overdue == link.evidence.is_overdue
        assert link_item_html(row, **page) == link_item_html(link, **page)
