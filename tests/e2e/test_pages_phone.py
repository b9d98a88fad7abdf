"""The main pages at phone width (390 px): none scrolls sideways as a whole (a wide table
scrolls in its own region), and on the progression page the element's text is narrow, so the
years beside it are in view (only the first year's column was, the text taking the screen).
Found here: the progression page and the sampling page widened the page on a phone."""

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_members_phone import overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = {
    "lead@demo.test": [
        "/o/demo/",
        "/o/demo/assessments/",
        "/o/demo/assessments/2018/",
        "/o/demo/assessments/2018/elements/1.1.1/",
        "/o/demo/evidence/",
        "/o/demo/actions/",
        "/o/demo/progression/",
        "/o/demo/progression/board-reports/",
        "/o/demo/assessments/2018/evidence-pack/",
        "/standard/",
        "/accounts/profile/",
    ],
    "assessor@demo.test": [
        "/assessor/",
        "/o/demo/assessments/2018/",
        "/o/demo/assessments/2018/summaries/",
        "/o/demo/assessments/2018/sample/",
    ],
    "admin@demo.test": ["/o/demo/audit/", "/o/demo/members/"],
}


@pytest.mark.parametrize("email", list(PAGES))
def test_no_page_scrolls_sideways_on_a_phone(page, demo_site, email):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_site.url, email)
    wide = {}
    for path in PAGES[email]:
        page.goto(demo_site.url + path)
        if overflow(page):
            wide[path] = overflow(page)
    assert not wide, f"pages wider than a 390 px phone (pixels over): {wide}"


def test_two_years_are_in_view_beside_the_elements_on_a_phone(page, demo_site, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_site.url, "board@demo.test")
    page.goto(f"{demo_site.url}/o/demo/progression/")
    region = page.get_by_role("region", name="The chart, scrolling in both directions")
    right = region.bounding_box()["x"] + region.bounding_box()["width"]
    headers = region.locator("thead th.year")
    in_view = [
        box for box in (headers.nth(i).bounding_box() for i in range(headers.count()))
        if box["x"] + box["width"] <= right
    ]  # fmt: skip
    assert len(in_view) >= 2, f"years wholly in view at 390 px: {len(in_view)}"
    screenshot(page, "progression-phone")
