"""The Annex One import in the browser: a quality lead uploads a spreadsheet, reads the
preview (at desktop and phone width, checked with axe) and confirms it."""

import pytest

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import WIDTHS, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

CHANGE = b"ref,2018,2019\n1.1.1,X C,X C\n1.1.2,,CP\n2.1.4,X NC,\n3.1.1,X CP,C\n"


def test_a_lead_previews_and_confirms_an_import(page, demo_site, screenshot, tmp_path):
    from assessments.models import ElementResult

    upload = tmp_path / "annex-one-changes.csv"
    upload.write_bytes(CHANGE)
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{demo_site.url}/o/demo/progression/")
    page.get_by_role("link", name="Import a spreadsheet…").click()
    page.get_by_label("CSV or XLSX file").set_input_files(str(upload))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_selector("#import-counts")
    counts = " ".join(page.locator("#import-counts").inner_text().split())
    assert "create 1 year: 2019" in counts
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert serious_violations(page) == [], f"import preview at {width} px"
        screenshot(page, f"import-preview-{name}")
        # Nothing runs off the side on a phone: the tables scroll in their own boxes.
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"the page scrolls sideways at {width} px"
    assert not ElementResult.objects.filter(assessment__year=2019).exists()
    page.get_by_role("button", name="Import these changes").click()
    page.wait_for_url(f"{demo_site.url}/o/demo/progression/")
    assert "Imported annex-one-changes.csv" in page.content()
    result = ElementResult.objects.get(
        assessment__organisation__slug="demo", assessment__year=2018, element__ref="1.1.1"
    )
    assert (result.sampled, result.rating, result.updated_by.email) == (
        True,
        "C",
        "lead@demo.test",
    )
