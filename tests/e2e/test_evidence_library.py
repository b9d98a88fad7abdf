"""The evidence library's year filter and the bulk re-confirmation, in a real browser.

The demo's 2018 is finalised and 2019 opened, so every 2018 link is carried into 2019 and not
yet re-confirmed. The library shows 2019's links by default, another year or all years on
request, each chip opening its element in its year; the quality lead re-confirms 2019's
carried-forward links in one go, after a confirmation page."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import WIDTHS, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def year_2019(demo_site):
    """2018 finalised, 2019 opened from it: the number of links carried into 2019."""
    from accounts.models import User
    from assessments.models import Assessment
    from assessments.services import open_year
    from organisations.models import Organisation

    demo = Organisation.objects.get(slug="demo")
    Assessment.objects.filter(organisation=demo, year=2018).update(
        status=Assessment.Status.FINALISED
    )
    opened = open_year(demo, 2019, acting_user=User.objects.get(email="lead@demo.test"))
    carried = opened.evidence_links.filter(carried_forward=True, confirmed_at__isnull=True)
    assert carried.count() > 1
    return carried.count()


def chips(page, year: int):
    """The visible chips of ``year`` (the table's column at desktop width)."""
    return page.locator(".link-chip a").filter(has_text=f"{year} · ").filter(visible=True)


def test_the_year_filter_and_the_bulk_reconfirmation(page, demo_site, year_2019, screenshot):
    from evidence.models import EvidenceLink

    base = demo_site.url
    sign_in(page, base, "lead@demo.test")
    page.goto(f"{base}/o/demo/evidence/")

    # The current year, 2019, by default: its carried-forward links, none of 2018.
    year = page.get_by_label("Year", exact=True)
    expect(year).to_have_value("2019")
    expect(page.get_by_role("columnheader", name="Supports in 2019")).to_be_visible()
    expect(chips(page, 2019).first).to_be_visible()
    expect(chips(page, 2018)).to_have_count(0)
    expect(page.get_by_text("not re-confirmed").filter(visible=True).first).to_be_visible()
    button = page.get_by_role(
        "link", name=f"Re-confirm the {year_2019} carried-forward links of 2019"
    )
    expect(button).to_be_visible()
    screenshot(page, "library-2019")

    # 2018, finalised: its own links, and nothing to re-confirm there.
    year.select_option("2018")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"year=2018"))
    expect(chips(page, 2018).first).to_be_visible()
    expect(chips(page, 2019)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Re-confirm"))).to_have_count(0)

    # All years: both, and the element filter finds 1.1.1 in either.
    page.get_by_label("Year", exact=True).select_option("all")
    page.get_by_label("Element", exact=True).fill("1.1.1")
    page.get_by_role("button", name="Filter").click()
    expect(chips(page, 2018).filter(has_text="2018 · 1.1.1")).to_have_count(1)
    expect(chips(page, 2019).filter(has_text="2019 · 1.1.1")).to_have_count(1)
    screenshot(page, "library-all-years-1.1.1")

    # A chip opens its element in its year.
    chips(page, 2018).filter(has_text="2018 · 1.1.1").click()
    expect(page).to_have_url(re.compile(r"/o/demo/assessments/2018/elements/1\.1\.1/$"))

    # Back to the default view: re-confirm 2019's carried-forward links, after a confirmation.
    page.goto(f"{base}/o/demo/evidence/")
    page.get_by_role("link", name=re.compile("^Re-confirm the")).click()
    expect(
        page.get_by_role(
            "heading", name=f"Re-confirm the {year_2019} carried-forward links of 2019?"
        )
    ).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(year_2019 + 1)  # and the header row
    screenshot(page, "reconfirm-2019")
    assert EvidenceLink.objects.filter(confirmed_at__isnull=False).count() == 0  # asked only
    page.get_by_role("button", name=f"Re-confirm {year_2019} links").click()

    expect(page).to_have_url(re.compile(r"/o/demo/evidence/\?year=2019$"))
    expect(
        page.get_by_text(f"Re-confirmed the {year_2019} carried-forward links of 2019.")
    ).to_be_visible()
    expect(page.get_by_text("not re-confirmed").filter(visible=True)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Re-confirm"))).to_have_count(0)
    confirmed = EvidenceLink.objects.filter(assessment__year=2019, confirmed_at__isnull=False)
    assert confirmed.count() == year_2019
    assert {link.confirmed_by.email for link in confirmed} == {"lead@demo.test"}
    assert {link.history.latest().history_user.email for link in confirmed} == {"lead@demo.test"}
    screenshot(page, "library-2019-reconfirmed")


def test_the_pages_pass_axe_at_both_widths(page, demo_site, year_2019):
    sign_in(page, demo_site.url, "lead@demo.test")
    failures = []
    for path in [
        "/o/demo/evidence/",
        "/o/demo/evidence/?year=all",
        "/o/demo/evidence/reconfirm/2019/",
    ]:
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            assert page.goto(demo_site.url + path).status == 200
            failures += [f"{path} at {width_name}: {v}" for v in serious_violations(page)]
    assert failures == [], "\n".join(failures)


def test_the_board_sees_the_year_filter_but_no_reconfirmation(page, demo_site, year_2019):
    sign_in(page, demo_site.url, "board@demo.test")
    page.goto(f"{demo_site.url}/o/demo/evidence/")
    expect(page.get_by_label("Year", exact=True)).to_have_value("2019")
    expect(page.get_by_text("not re-confirmed").filter(visible=True).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Re-confirm"))).to_have_count(0)
