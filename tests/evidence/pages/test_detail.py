"""An item's page: /o/<org>/evidence/<pk>/"""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.evidence.pages.support import body, url
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
)

pytestmark = pytest.mark.django_db


# --- the detail page ---------------------------------------------------------------------------


def test_the_detail_page_of_a_file(client, org, lead, item, version, element, year):
    EvidenceLinkFactory(evidence=item, assessment=year, element=element, note="Shows the census")
    client.force_login(lead)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "policy v2.pdf" in page  # the current file
    assert "PDF document" in page
    assert item.sha256[:12] in page
    assert url("evidence-download", org, item.pk) in page
    assert "policy v1.pdf" in page  # the earlier version, downloadable
    assert url("evidence-version-download", org, item.pk, version.pk) in page
    assert "1.1.1" in page and "We have an in-depth understanding" in page
    assert "Shows the census" in page
    assert url("evidence-edit", org, item.pk) in page
    assert url("evidence-replace", org, item.pk) in page
    assert url("evidence-delete", org, item.pk) in page
    assert "style=" not in page


def test_the_board_sees_details_but_no_files_or_actions(client, org, board, item, version):
    client.force_login(board)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "policy v2.pdf" in page and "policy v1.pdf" in page
    assert "/download/" not in page
    assert "/edit/" not in page and "/delete/" not in page and "/replace/" not in page


def test_the_assessor_downloads_but_does_not_edit(client, org, assessor, item):
    client.force_login(assessor)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert url("evidence-download", org, item.pk) in page
    assert "/edit/" not in page


def test_link_states_on_the_detail_page(client, org, lead, element, year):
    item = EvidenceFactory(organisation=org, url="https://intranet.test/profile")
    later = AssessmentFactory(organisation=org, standard=element.standard, year=2019)
    latest = AssessmentFactory(organisation=org, standard=element.standard, year=2020)
    EvidenceLinkFactory(evidence=item, assessment=year, element=element)
    EvidenceLinkFactory(evidence=item, assessment=later, element=element, carried_forward=True)
    EvidenceLinkFactory(
        evidence=item,
        assessment=latest,
        element=element,
        carried_forward=True,
        confirmed_at=timezone.now(),
        confirmed_by=lead,
    )
    client.force_login(lead)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "https://intranet.test/profile" in page
    assert "not re-confirmed for 2019" in page
    assert "re-confirmed" in page and escape(lead.get_full_name()) in page
    # One row a year, each linked to the element's page in its year.
    for linked in (year, later, latest):
        assert reverse("org:element", args=[org.slug, linked.year, "1.1.1"]) in page
    assert page.count(f'<a class="element-ref fw-semibold" href="/o/{org.slug}/') == 3


def test_the_detail_page_of_a_note(client, org, lead):
    item = EvidenceFactory(organisation=org, kind="note", url="", body="We call back <b>within</b>")
    client.force_login(lead)
    page = body(client.get(url("evidence-detail", org, item.pk)))
    assert "We call back &lt;b&gt;within&lt;/b&gt;" in page
    assert "Replace the file" not in page
