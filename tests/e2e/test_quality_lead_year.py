"""The quality lead's year in a real browser: self-rating in place, evidence uploaded onto an
element and linked to another from the library, all kept after a reload; bad files refused;
a governing-body member cannot download the file."""

import re

import pytest
from playwright.sync_api import expect

from evidence.models import Evidence
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_lead_rates_uploads_links_and_finds_it_all_kept(
    page, demo_site, screenshot, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = tmp_path / "Board minutes March 2018.pdf"
    pdf.write_bytes(PDF)
    base = demo_site.url
    sign_in(page, base, "lead@demo.test")

    # The 2018 grid: set the self-rating of 1.1.1 in place.
    page.goto(f"{base}/o/demo/assessments/2018/")
    select = page.get_by_label("Self-rating for 1.1.1", exact=True)
    select.select_option("PC")
    row_form = page.locator("form.self-form").filter(
        has=page.get_by_label("Self-rating for 1.1.1", exact=True)
    )
    expect(row_form.get_by_text(re.compile(r"Saved \d"))).to_be_visible()
    screenshot(page, "grid-2018-saved")

    # Upload a PDF straight onto 1.1.1.
    page.goto(f"{base}/o/demo/assessments/2018/elements/1.1.1/")
    page.get_by_label("Files to add to 1.1.1 in 2018").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload", exact=True).click()
    evidence = page.locator("#evidence")
    expect(
        evidence.get_by_role("link", name="Board minutes March 2018", exact=True)
    ).to_be_visible()
    screenshot(page, "element-1.1.1-uploaded")

    # Link the same item to 2.1.1 from the library.
    page.goto(f"{base}/o/demo/assessments/2018/elements/2.1.1/")
    page.get_by_label("Search the library by title").fill("Board minutes")
    result = page.locator("#evidence-search-results li").filter(has_text="Board minutes March 2018")
    result.get_by_role("button", name=re.compile("^Link")).click()
    expect(page.locator("#evidence-search-results").get_by_role("status")).to_be_visible()

    # Reload everything: all of it is kept.
    page.reload()
    expect(
        page.locator("#evidence").get_by_role("link", name="Board minutes March 2018", exact=True)
    ).to_be_visible()
    page.goto(f"{base}/o/demo/assessments/2018/")
    expect(page.get_by_label("Self-rating for 1.1.1", exact=True)).to_have_value("PC")
    page.goto(f"{base}/o/demo/assessments/2018/elements/1.1.1/")
    expect(
        page.locator("#evidence").get_by_role("link", name="Board minutes March 2018", exact=True)
    ).to_be_visible()
    page.goto(f"{base}/o/demo/evidence/?q=Board+minutes")
    expect(page.get_by_text("2018 · 1.1.1").filter(visible=True)).to_have_count(1)
    expect(page.get_by_text("2018 · 2.1.1").filter(visible=True)).to_have_count(1)
    screenshot(page, "library-board-minutes")


def test_oversize_and_disguised_program_are_refused(page, demo_site, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    big = tmp_path / "annual-report.pdf"
    big.write_bytes(PDF + b"0" * (1024 * 1024 + 10))
    program = tmp_path / "policy.pdf"
    program.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2000)
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{demo_site.url}/o/demo/assessments/2018/elements/1.1.1/")
    page.get_by_label("Files to add to 1.1.1 in 2018").set_input_files([str(big), str(program)])
    page.get_by_role("button", name="Upload", exact=True).click()
    results = page.locator("[data-upload-results]")
    expect(results).to_contain_text("annual-report.pdf")
    expect(results).to_contain_text("at most 1 MB")
    expect(results).to_contain_text("“policy.pdf” is a Windows program")
    assert not Evidence.objects.filter(original_filename__in=["annual-report.pdf", "policy.pdf"])


def test_governing_body_cannot_download_evidence_files(browser, demo_site, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from evidence import services
    from organisations.models import Organisation

    settings.MEDIA_ROOT = tmp_path / "media"
    org = Organisation.objects.get(slug="demo")
    checked = services.check_upload(SimpleUploadedFile("minutes.pdf", PDF))
    item = services.add_file(org, checked, acting_user=User.objects.get(email="lead@demo.test"))

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, demo_site.url, "board@demo.test")
    page.goto(f"{demo_site.url}/o/demo/evidence/{item.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("minutes")
    expect(page.get_by_role("link", name=re.compile("Download"))).to_have_count(0)
    response = page.request.get(f"{demo_site.url}/o/demo/evidence/{item.pk}/download/")
    assert response.status == 403
    context.close()
