"""A quality lead signs in, lands in the demo organisation and finds element 1.1.1."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lead_signs_in_and_finds_element_1_1_1(page, demo_site, screenshot):
    sign_in(page, demo_site.url, "lead@demo.test")

    # One organisation: straight to its dashboard.
    expect(page).to_have_url(re.compile(r"/o/demo/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Scarborough and Ryedale CCG (demo)")
    expect(page.get_by_role("row", name=re.compile(r"^2018"))).to_be_visible()
    screenshot(page, "dashboard-lead")

    page.get_by_role("link", name="The standard").first.click()
    element = page.locator("#element-1\\.1\\.1")
    expect(element).to_contain_text("We have an in-depth understanding of the characteristics")
    screenshot(page, "standard")

    page.get_by_label("Search the elements").fill("in-depth understanding")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 element matches")).to_be_visible()
    expect(page.locator("#element-1\\.1\\.1")).to_be_visible()
    element.get_by_text("Guidance: evidence the assessor looks for").click()
    expect(element.get_by_text("A profile of the organisation")).to_be_visible()
    screenshot(page, "standard-search")

    page.get_by_role("link", name="1.1.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1.1.1")
    screenshot(page, "element")


def test_an_assessor_of_two_organisations_picks_one(page, demo_site, screenshot):
    """An assessor lands on their assessments: every organisation they assess, with what
    waits for them, each a link to its dashboard."""
    sign_in(page, demo_site.url, "assessor@demo.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your assessments")
    expect(page.get_by_role("link", name="Scarborough and Ryedale CCG (demo)")).to_be_visible()
    screenshot(page, "assessor-home")
    page.get_by_role("link", name=re.compile("^Riverside Housing Association")).click()
    expect(page).to_have_url(re.compile(r"/o/riverside/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Housing Association")


def test_a_wrong_password_keeps_the_address_and_says_why(page, demo_site):
    sign_in(page, demo_site.url, "lead@demo.test", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_label("Email address")).to_have_value("lead@demo.test")
