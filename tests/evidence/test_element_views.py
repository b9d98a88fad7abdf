"""Evidence on an element's page (evidence.element_views, under /o/<org>/assessments/<year>/):
the library search, linking an item to the element, a link's note, its re-confirmation and its
removal. HTMX gets the partial; a plain post a message and a redirect back to the element.
(Who may post them, and a finalised year's 403, are walked with the element page's other
changes in tests/assessments/test_who_may.py.)"""

import pytest
from django.urls import reverse

from evidence.models import Evidence, EvidenceLink
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def url(name: str, org, *args) -> str:
    return reverse(f"org:{name}", args=[org.slug, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def item(org):
    return EvidenceFactory(organisation=org, title="Customer profile 2018")


@pytest.fixture
def carried_link(y2018, element, item):
    """A link carried forward into 2018, not yet re-confirmed."""
    return EvidenceLink.objects.create(
        evidence=item, assessment=y2018, element=element, note="Profile", carried_forward=True
    )


@pytest.fixture
def spare(org):
    """An item of the library linked to nothing yet."""
    return EvidenceFactory(organisation=org, title="Satisfaction survey results")


def test_the_library_search_partial(client, y2018, lead, spare, carried_link):
    client.force_login(lead)
    org = y2018.organisation
    response = client.get(
        url("element-evidence-search", org, 2018, "1.1.1"), {"q": "survey"}, headers=HX
    )
    page = body(response)
    assert "<html" not in page and "Satisfaction survey results" in page
    assert f'name="evidence_id" value="{spare.pk}"' in page and ">Link<" in page
    already = body(client.get(url("element-evidence-search", org, 2018, "1.1.1"), {"q": "prof"}))
    assert "Linked to 1.1.1 already" in already
    assert "No evidence item" in body(
        client.get(url("element-evidence-search", org, 2018, "1.1.1"), {"q": "zzz"})
    )


def test_linking_from_the_search_htmx(client, y2018, lead, spare):
    client.force_login(lead)
    response = client.post(
        url("element-link", y2018.organisation, 2018, "1.1.1"),
        {"evidence_id": spare.pk, "note": "Question set"},
        headers={**HX, "HX-Target": f"evidence-result-{spare.pk}"},
    )
    page = body(response)
    assert response.status_code == 200
    assert "is now linked to 1.1.1 for 2018" in page
    assert 'id="linked-evidence" hx-swap-oob="outerHTML"' in page and "Question set" in page
    assert response["X-Portal-Partial"] == "1" and "HX-Trigger" not in response
    link = EvidenceLink.objects.get(evidence=spare, assessment=y2018)
    assert (link.note, link.created_by, link.carried_forward) == ("Question set", lead, False)


def test_linking_with_a_plain_post_redirects_to_next(client, y2018, lead, spare):
    client.force_login(lead)
    org = y2018.organisation
    back = url("element", org, 2018, "1.1.1") + "?from=upload"
    response = client.post(
        url("element-link", org, 2018, "1.1.1"), {"evidence_id": spare.pk, "next": back}
    )
    assert response["Location"] == back + "#evidence"
    assert "is now linked" in messages_of(client.get(back))[0]
    missing = client.post(url("element-link", org, 2018, "1.1.1"), {})
    assert missing["Location"] == url("element", org, 2018, "1.1.1") + "#evidence"
    assert "Nothing was linked" in messages_of(client.get(missing["Location"]))[0]


def test_the_note_of_a_link_htmx_and_plain(client, y2018, lead, carried_link):
    client.force_login(lead)
    org = y2018.organisation
    path = url("link-note", org, 2018, carried_link.pk)
    response = client.post(path, {"note": "Shows our segments"}, headers=HX)
    assert "Saved" in body(response) and "Shows our segments" in body(response)
    carried_link.refresh_from_db()
    assert carried_link.note == "Shows our segments"
    too_long = client.post(path, {"note": "x" * 2001}, headers=HX)
    assert too_long.status_code == 200 and "Not saved" in body(too_long)
    assert "x" * 2001 in body(too_long)
    plain = client.post(path, {"note": "Plain"})
    assert plain["Location"] == url("element", org, 2018, "1.1.1") + f"#link-{carried_link.pk}"
    carried_link.refresh_from_db()
    assert carried_link.note == "Plain"


def test_reconfirming_a_carried_forward_link(client, y2018, lead, carried_link):
    client.force_login(lead)
    response = client.post(
        url("link-confirm", y2018.organisation, 2018, carried_link.pk), headers=HX
    )
    page = body(response)
    assert f'id="link-{carried_link.pk}"' in page and "Confirmed for 2018" in page
    assert "Re-confirm" not in page
    carried_link.refresh_from_db()
    assert carried_link.confirmed_by == lead and not carried_link.needs_confirmation


def test_unlinking(client, y2018, lead, carried_link):
    client.force_login(lead)
    org = y2018.organisation
    page = body(client.get(url("element", org, 2018, "1.1.1")))
    assert "The item stays in the evidence library" in page  # the confirmation text
    response = client.post(url("link-unlink", org, 2018, carried_link.pk), headers=HX)
    assert "no longer supports 1.1.1 in 2018" in body(response)
    assert not EvidenceLink.objects.filter(pk=carried_link.pk).exists()
    assert Evidence.objects.filter(pk=carried_link.evidence_id).exists()


def test_linking_again_says_it_was_linked_already(client, y2018, lead, spare):
    """The service says whether the link is new; the view asks nothing before it."""
    client.force_login(lead)
    org = y2018.organisation
    path = url("element-link", org, 2018, "1.1.1")
    client.post(path, {"evidence_id": spare.pk})
    again = client.post(path, {"evidence_id": spare.pk}, follow=True)
    assert "was linked to 1.1.1 for 2018 already" in messages_of(again)[-1]
    hit = client.post(path, {"evidence_id": spare.pk}, headers=HX)
    assert "already" in body(hit) and f'id="evidence-result-{spare.pk}"' in body(hit)
    assert EvidenceLink.objects.filter(evidence=spare).count() == 1


def test_json_is_not_an_answer_of_these_views(client, y2018, lead, spare):
    """No script asks them for JSON (static/js fetches JSON from the uploader only): a JSON
    request gets what a plain post gets."""
    client.force_login(lead)
    response = client.post(
        url("element-link", y2018.organisation, 2018, "1.1.1"),
        {"evidence_id": spare.pk},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 302 and response["Content-Type"].startswith("text/html")


def test_a_link_removed_meanwhile(client, y2018, lead, carried_link):
    """A link removed in another tab is not found (404) by the link views: its note is
    never written back (a save of the row would have inserted it again)."""
    client.force_login(lead)
    org = y2018.organisation
    stale_note = url("link-note", org, 2018, carried_link.pk)
    assert client.post(url("link-unlink", org, 2018, carried_link.pk)).status_code == 302
    assert client.post(url("link-unlink", org, 2018, carried_link.pk)).status_code == 404
    assert client.post(stale_note, {"note": "Too late"}).status_code == 404
    assert client.post(url("link-confirm", org, 2018, carried_link.pk)).status_code == 404
    assert not EvidenceLink.objects.filter(pk=carried_link.pk).exists()
    assert Evidence.objects.filter(pk=carried_link.evidence_id).exists()
