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
