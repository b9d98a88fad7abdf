"""End-to-end: a quality lead makes a personal API token on their profile page, sees it once,
reads the API with it, then revokes it and the API refuses it; the page has no serious axe
violation and fits the screen at desktop and phone width."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}


def api_status(url: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_make_see_once_use_and_revoke_a_token(page, demo_site, screenshot, width_name):
    width, height = WIDTHS[width_name]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{demo_site.url}/accounts/profile/")
    assert serious_violations(page) == [], f"the empty profile page at {width} px"

    # A name left out: said beside the field, nothing made.
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_text("Give the token a name")).to_be_visible()
    assert serious_violations(page) == [], f"the form's error at {width} px"

    page.get_by_label("Name").fill("Board dashboard script")
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("cse_")
    screenshot(page, f"profile-new-token-{width_name}")
    assert serious_violations(page) == [], f"the new token at {width} px"
    assert overflow(page) == 0, f"the page runs off the side at {width} px"

    status, body = api_status(f"{demo_site.url}/o/demo/api/years/2018/", secret)
    assert status == 200 and body["outcome"]["counts"]["CP"] == 14

    # Seen once: the next visit lists the token by its prefix only.
    page.goto(f"{demo_site.url}/accounts/profile/")
    assert secret not in page.content()
    assert secret[:12] in page.content()
    row = page.get_by_role("listitem").filter(has_text="Board dashboard script")
    expect(row.get_by_text("In use", exact=True)).to_be_visible()

    row.get_by_role("button", name="Revoke the token Board dashboard script").click()
    expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
    expect(row.get_by_text("Revoked", exact=True)).to_be_visible()
    screenshot(page, f"profile-revoked-{width_name}")
    assert serious_violations(page) == [], f"the revoked token at {width} px"
    assert overflow(page) == 0

    status, body = api_status(f"{demo_site.url}/o/demo/api/years/", secret)
    assert status == 401 and "was revoked on" in body["detail"]
