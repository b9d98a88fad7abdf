"""The quality lead's pages in a real browser: "[" and "]" step through the elements (not
while typing), notes read and saved from the grid in place, a warning before leaving a page
with unsaved notes (none after a save), and the grid on paper (print media: no navigation,
filters, buttons or dropdowns; each criterion from a new page; a handful of pages)."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import ElementResult
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def stored(ref: str) -> ElementResult:
    return ElementResult.objects.get(
        assessment__organisation__slug="demo", assessment__year=2018, element__ref=ref
    )


def test_brackets_step_through_the_elements_but_not_while_typing(page, demo_site, screenshot):
    base = f"{demo_site.url}/o/demo/assessments/2018/elements"
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{base}/1.3.2/")
    screenshot(page, "element-1.3.2-pager")
    page.keyboard.press("]")
    page.wait_for_url(f"{base}/1.3.3/")
    page.keyboard.press("]")
    page.wait_for_url(f"{base}/1.3.3.1/")  # a sub-element comes after its element
    page.keyboard.press("[")
    page.wait_for_url(f"{base}/1.3.3/")
    expect(page.get_by_role("heading", level=1)).to_have_text("1.3.3")

    # Typed into a field, a bracket is a character: the page stays.
    notes = page.get_by_label(re.compile("^Notes"))
    notes.press_sequentially("See [annex] 2")
    expect(notes).to_have_value("See [annex] 2")
    search = page.get_by_label("Search the library by title")
    search.press_sequentially("]")
    page.wait_for_timeout(300)
    assert page.url == f"{base}/1.3.3/"
    notes.fill("")  # as it was: leaving is not warned about

    # One click too: the links carry rel=prev/next and the ref.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.get_by_role("link", name=re.compile(r"^Previous element\s*: 1\.3\.2$")).first.click()
    page.wait_for_url(f"{base}/1.3.2/")
    page.goto(f"{base}/1.1.1/")
    expect(page.locator('a[rel="prev"]')).to_have_count(0)  # the first element
    page.keyboard.press("[")
    page.wait_for_timeout(300)
    assert page.url == f"{base}/1.1.1/"


def test_notes_are_read_and_saved_from_the_grid(page, demo_site, screenshot):
    ElementResult.objects.filter(
        assessment__organisation__slug="demo", assessment__year=2018, element__ref="1.2.1"
    ).update(self_rating="C")
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{demo_site.url}/o/demo/assessments/2018/")
    row = page.locator("#el-1-2-1")
    row.get_by_text("Add notes").click()
    notes = row.get_by_label("Notes on 1.2.1")
    notes.fill("Strategy adopted by the board in May 2018.\nReviewed each year.")
    row.get_by_role("button", name="Save notes on 1.2.1").click()
    expect(row.get_by_text(re.compile(r"✓ Saved \d"))).to_be_visible()
    expect(row.locator(".row-notes summary")).to_contain_text("Strategy adopted by the board")
    expect(row.get_by_label("Notes on 1.2.1")).to_be_visible()  # still open
    screenshot(page, "grid-2018-notes-saved")
    result = stored("1.2.1")
    assert result.self_notes == "Strategy adopted by the board in May 2018.\nReviewed each year."
    assert result.self_rating == "C"  # the notes alone were sent

    page.reload()
    summary = page.locator("#el-1-2-1 .row-notes summary")
    expect(summary).to_contain_text("Strategy adopted by the board")
    summary.click()
    expect(page.get_by_label("Notes on 1.2.1")).to_have_value(result.self_notes)

    # A governing-body member reads them, without a form.
    page.context.clear_cookies()
    sign_in(page, demo_site.url, "board@demo.test")
    page.goto(f"{demo_site.url}/o/demo/assessments/2018/")
    page.locator("#el-1-2-1 .row-notes summary").click()
    expect(page.locator("#el-1-2-1 .notes-text")).to_contain_text("Reviewed each year.")
    expect(page.locator("#el-1-2-1 textarea")).to_have_count(0)


def test_leaving_with_unsaved_notes_warns_and_not_after_saving(page, demo_site):
    dialogs: list[str] = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    sign_in(page, demo_site.url, "lead@demo.test")
    grid = f"{demo_site.url}/o/demo/assessments/2018/"
    page.goto(grid)
    row = page.locator("#el-1-1-1")
    row.get_by_text("Add notes").click()
    row.get_by_label("Notes on 1.1.1").press_sequentially("Census 2011 profile")

    page.on("dialog", stay)
    page.get_by_role("link", name="Evidence", exact=True).click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url == grid  # stayed, the notes still there
    expect(row.get_by_label("Notes on 1.1.1")).to_have_value("Census 2011 profile")

    row.get_by_role("button", name="Save notes on 1.1.1").click()
    expect(row.get_by_text(re.compile(r"✓ Saved \d"))).to_be_visible()
    page.get_by_role("link", name="Evidence", exact=True).click()
    page.wait_for_url("**/o/demo/evidence/**")
    assert dialogs == ["beforeunload"]  # no second warning
    assert stored("1.1.1").self_notes == "Census 2011 profile"

    # The element page's notes too.
    page.goto(f"{demo_site.url}/o/demo/assessments/2018/elements/1.1.2/")
    page.get_by_label(re.compile("^Notes")).press_sequentially("Draft")
    page.keyboard.press("Tab")  # leaving the field saves it (on change)
    expect(page.locator("#self-status-el-1-1-2")).to_contain_text("Saved")
    page.get_by_role("link", name="Evidence", exact=True).click()
    page.wait_for_url("**/o/demo/evidence/**")
    assert dialogs == ["beforeunload"]


def test_the_grid_on_paper(page, demo_site, tmp_path):
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{demo_site.url}/o/demo/assessments/2018/")
    page.emulate_media(media="print")
    for hidden in ["nav.site-nav", "form.grid-filters", "nav.criterion-jump", "footer"]:
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("select.self-select").first).to_be_hidden()
    expect(page.locator("button:visible")).to_have_count(0)
    expect(page.locator("#el-1-1-1 .print-only")).to_be_visible()  # the select's value
    breaks = page.locator("section.criterion-section").evaluate_all(
        "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["auto", "page", "page", "page", "page"]
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 5 <= pages <= 8, pages  # one or two pages a criterion (81 before the stylesheet)
