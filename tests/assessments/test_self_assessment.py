"""The self-assessment endpoint: HTMX partials, or a plain post answered with a redirect."""

import pytest

from assessments.models import ElementResult
from evidence.models import EvidenceLink
from tests.assessments.support import (
    HX,
    body,
    every_change,
    messages_of,
    url,
)

pytestmark = pytest.mark.django_db


def test_htmx_save_answers_the_partial_with_saved(client, y2018, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "CP", "self_notes": "Profile refreshed", "layout": "element"},
        headers=HX,
    )
    assert response.status_code == 200
    page = body(response)
    assert "<html" not in page and 'id="self-el-1-1-1"' in page
    assert "Saved" in page
    assert 'id="save-announcer" hx-swap-oob="innerHTML"' in page
    assert "Self-assessment of 1.1.1 saved" in page
    # The row's attention is sent along: the self-rating no longer missing.
    assert 'id="attention-el-1-1-1"' in page and "hx-swap-oob" in page
    assert "No self-rating" not in page
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes, result.updated_by) == (
        "CP",
        "Profile refreshed",
        lead,
    )
    assert result.history.latest().history_user == lead


def test_the_grid_posts_the_rating_alone_and_the_notes_stay(client, y2018, lead):
    ElementResult.objects.filter(assessment=y2018, element__ref="1.1.1").update(self_notes="Kept")
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "PC", "layout": "grid"},
        headers=HX,
    )
    page = body(response)
    assert "Saved" in page and "self-form-grid" in page and "self_notes" not in page
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("PC", "Kept")


def test_a_plain_post_redirects_to_the_row_with_a_message(client, y2018, lead):
    org = y2018.organisation
    client.force_login(lead)
    grid = url("year", org, 2018) + "?criterion=1"
    response = client.post(
        url("self-assessment", org, 2018, "1.1.2"),
        {"self_rating": "C", "layout": "grid", "next": grid},
    )
    assert response.status_code == 302
    assert response["Location"] == grid + "#el-1-1-2"
    page = client.get(response["Location"])
    assert "The self-assessment of 1.1.2 is saved." in messages_of(page)
    # Again with the same value: nothing changed, and it says so.
    response = client.post(
        url("self-assessment", org, 2018, "1.1.2"), {"self_rating": "C", "layout": "grid"}
    )
    assert response["Location"] == url("year", org, 2018) + "#el-1-1-2"
    assert "had not changed" in messages_of(client.get(response["Location"]))[0]


def test_a_plain_post_from_the_element_page_returns_there(client, y2018, lead):
    client.force_login(lead)
    org = y2018.organisation
    response = client.post(
        url("self-assessment", org, 2018, "1.3.3.1"), {"self_rating": "C", "self_notes": "n"}
    )
    assert response["Location"] == url("element", org, 2018, "1.3.3.1") + "#el-1-3-3-1"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x"])
def test_next_never_leaves_the_site(client, y2018, lead, next_url):
    client.force_login(lead)
    org = y2018.organisation
    response = client.post(
        url("self-assessment", org, 2018, "1.1.1"),
        {"self_rating": "C", "layout": "grid", "next": next_url},
    )
    assert response["Location"] == url("year", org, 2018) + "#el-1-1-1"


def test_an_invalid_rating_keeps_what_was_typed_htmx(client, y2018, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "ZZ", "self_notes": "Typed with care", "layout": "element"},
        headers=HX,
    )
    assert response.status_code == 200  # HTMX swaps it as it is
    page = body(response)
    assert "Not saved" in page and "“ZZ” is not a rating" in page
    assert '<option value="ZZ" selected>' in page and "Typed with care" in page
    assert 'aria-invalid="true"' in page
    result = ElementResult.objects.get(assessment=y2018, element__ref="1.1.1")
    assert (result.self_rating, result.self_notes) == ("", "")


def test_an_invalid_rating_keeps_what_was_typed_plain(client, y2018, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "ZZ", "self_notes": "Typed with care"},
    )
    assert response.status_code == 200
    page = body(response)
    assert "<html" in page and "Typed with care" in page and "“ZZ” is not a rating" in page
    assert any("was not saved" in m for m in messages_of(response))
    assert ElementResult.objects.get(assessment=y2018, element__ref="1.1.1").self_rating == ""


def test_notes_too_long_are_refused_and_kept(client, y2018, lead):
    client.force_login(lead)
    notes = "n" * 5001
    response = client.post(
        url("self-assessment", y2018.organisation, 2018, "1.1.1"),
        {"self_rating": "C", "self_notes": notes},
        headers=HX,
    )
    assert "Not saved" in body(response) and notes in body(response)
    assert ElementResult.objects.get(assessment=y2018, element__ref="1.1.1").self_rating == ""


def test_a_finalised_year_refuses_every_post(client, y2017, lead, old_link, spare):
    client.force_login(lead)
    org = y2017.organisation
    before = list(ElementResult.objects.filter(assessment=y2017).values())
    for path, data in every_change(org, 2017, old_link, spare):
        plain = client.post(path, data)
        assert plain.status_code == 403, path
        assert "2017 is finalised" in body(plain) and "<html" in body(plain)
        partial = client.post(path, data, headers=HX)
        assert partial.status_code == 403, path
        assert partial["X-Portal-Partial"] == "1"
        assert "2017 is finalised" in body(partial) and "<html" not in body(partial)
    assert list(ElementResult.objects.filter(assessment=y2017).values()) == before
    old_link.refresh_from_db()
    assert old_link.note == "Old profile"
    assert not EvidenceLink.objects.filter(evidence=spare).exists()


def test_the_locked_partial_keeps_the_submitted_values(client, y2017, lead):
    client.force_login(lead)
    response = client.post(
        url("self-assessment", y2017.organisation, 2017, "1.1.1"),
        {"self_rating": "C", "self_notes": "Too late", "layout": "element"},
        headers=HX,
    )
    page = body(response)
    assert response.status_code == 403 and "Too late" in page and "disabled" in page
    assert "hx-post" not in page  # nothing left to send
