"""A plain post goes back to its ``next`` only when that is a local path; anything else
(a bare word, another host) falls back to the page's own default, never an error 500."""

import pytest
from django.urls import reverse

from tests.evidence import samples
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

ODD_NEXTS = ["elsewhere", "org:year", "https://evil.example/x", "//evil.example", "/x\n"]


def url(name, org, *args):
    return reverse(f"org:{name}", args=[org.slug, *args])


@pytest.mark.parametrize("next_value", ODD_NEXTS)
def test_self_assessment_with_an_odd_next_goes_to_the_element(client, y2018, lead, next_value):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "C", "self_notes": "n", "next": next_value},
    )
    assert response.status_code == 302
    assert response["Location"] == url("element", y2018.organisation, 2018, "1.1.1") + "#el-1-1-1"


@pytest.mark.parametrize("next_value", ODD_NEXTS)
def test_link_with_an_odd_next_goes_to_the_element(client, y2018, lead, next_value):
    org = y2018.organisation
    item = EvidenceFactory(organisation=org)
    client.force_login(lead)
    response = client.post(
        url("element-link", org, 2018, "1.1.1"), {"evidence_id": item.pk, "next": next_value}
    )
    assert response.status_code == 302
    assert response["Location"] == url("element", org, 2018, "1.1.1") + "#evidence"


@pytest.mark.parametrize("next_value", ODD_NEXTS)
def test_upload_with_an_odd_next_goes_to_the_library(
    client, y2018, lead, next_value, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    org = y2018.organisation
    client.force_login(lead)
    response = client.post(
        url("evidence-upload", org),
        {"files": samples.upload("a.pdf", samples.unique_pdf(1)), "next": next_value},
    )
    assert response.status_code == 302
    assert response["Location"] == url("evidence-list", org)


def test_a_local_next_is_followed(client, y2018, lead):
    client.force_login(lead)
    target = url("year", y2018.organisation, 2018) + "?criterion=1"
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "C", "next": target, "layout": "grid"},
    )
    assert response["Location"].startswith(target + "#")
