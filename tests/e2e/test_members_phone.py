"""The members page works at phone width: nothing runs off the side (the Change and Remove
buttons were cut off at 390 px), and every member's controls can be seen and used."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": (390, 844), "desktop": (1366, 768)}
MEMBERS = ["admin@demo.test", "assessor@demo.test", "board@demo.test", "lead@demo.test"]


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def assert_inside(page, locator, width: int, what: str) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
        f"{what} is not wholly on the screen at {width} px: {box}"
    )


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_the_members_page_fits_the_screen(page, demo_site, screenshot, width_name):
    width, height = WIDTHS[width_name]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_site.url, "admin@demo.test")
    page.goto(f"{demo_site.url}/o/demo/members/")
    # A pending invitation too, so its row is checked as well.
    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email address").fill("new.member@demo.test")
    invite.get_by_label("Role").select_option("assessor")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("new.member@demo.test")

    assert overflow(page) == 0, f"the members page scrolls sideways at {width} px"
    for email in MEMBERS:
        assert_inside(page, page.get_by_label(f"Role of {email}"), width, f"{email}'s role")
        change = page.get_by_role("button", name=f"Change role of {email}")
        assert_inside(page, change, width, f"{email}'s Change button")
        remove = page.get_by_role("link", name=re.compile(rf"^Remove… {re.escape(email)}$"))
        assert_inside(page, remove, width, f"{email}'s Remove link")
    revoke = page.get_by_role("button", name="Revoke the invitation to new.member@demo.test")
    assert_inside(page, revoke, width, "the Revoke button")
    screenshot(page, f"members-{width_name}")

    # The controls work at this width: the board member becomes an assessor.
    page.get_by_label("Role of board@demo.test").select_option("assessor")
    page.get_by_role("button", name="Change role of board@demo.test").click()
    expect(page.get_by_role("alert")).to_have_text("board@demo.test is now an assessor.")
    assert overflow(page) == 0
