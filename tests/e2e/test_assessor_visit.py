"""The assessor's visit in a real browser: assessor@demo.test rates an element CP (the form
first says a comment is needed), with a comment, marks it sampled, writes a criterion's
findings and finalises the demo's 2018; lead@demo.test sees the rating and cannot change it
(no form, and a crafted post is refused); the element's history shows the change."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REF = "1.2.3"  # rated C in the demo's 2018


def comment_the_other_marks() -> None:
    """The rest of the visit, done before: every other CP, PC or NC rated in 2018 has its
    comment (finalising refuses one without), and every PC and NC an improvement action is
    not needed to finalise (a warning only)."""
    from assessments.models import ElementResult

    ElementResult.objects.filter(
        assessment__organisation__slug="demo",
        assessment__year=2018,
        rating__in=["CP", "PC", "NC"],
        comment="",
    ).exclude(element__ref=REF).update(comment="Seen at the visit.")


def test_assessor_marks_summarises_and_finalises_and_the_lead_only_reads(
    browser, page, demo_site, screenshot
):
    from assessments.models import Assessment, ElementResult

    comment_the_other_marks()
    base = demo_site.url
    element_url = f"{base}/o/demo/assessments/2018/elements/{REF}/"
    sign_in(page, base, "assessor@demo.test")

    # The element page: the organisation's side beside the assessor's form.
    page.goto(element_url)
    form = page.locator(f"#mark-el-{REF.replace('.', '-')}")
    expect(page.get_by_role("heading", name="Self-assessment")).to_be_visible()
    # CP without a comment: the form says so, and keeps the choice.
    form.get_by_label("Your rating").select_option("CP")
    expect(form.get_by_text(re.compile("needs a comment saying why"))).to_be_visible()
    expect(form.get_by_label("Your rating")).to_have_value("CP")
    form.get_by_label("Comment").fill("Consultation results published quarterly; exemplary.")
    form.get_by_label("Sampled at this visit").check()
    form.get_by_role("button", name="Save your mark").click()
    expect(form.get_by_text(re.compile(r"Saved \d\d:\d\d"))).to_be_visible()
    screenshot(page, "assessor-element-saved")
    stored = ElementResult.objects.get(
        assessment__organisation__slug="demo", assessment__year=2018, element__ref=REF
    )
    assert (stored.rating, stored.sampled, stored.carried_forward) == ("CP", True, False)
    assert stored.comment == "Consultation results published quarterly; exemplary."

    # A reload shows what is stored.
    page.reload()
    form = page.locator(f"#mark-el-{REF.replace('.', '-')}")
    expect(form.get_by_label("Your rating")).to_have_value("CP")
    expect(form.get_by_label("Sampled at this visit")).to_be_checked()

    # The findings on criterion 1.
    page.goto(f"{base}/o/demo/assessments/2018/summaries/")
    box = page.locator("#summary-1")
    box.get_by_label(re.compile("Your findings: Criterion 1")).fill(
        "Customer insight is strong and current."
    )
    box.get_by_role("button", name=re.compile("^Save")).click()
    expect(box.get_by_text(re.compile(r"Saved \d\d:\d\d"))).to_be_visible()

    # Finalise the year (the check's warnings are shown; nothing blocks).
    page.goto(f"{base}/o/demo/assessments/2018/finalise/")
    expect(page.get_by_role("heading", name="Finalise 2018")).to_be_visible()
    page.locator("form.move-form").get_by_role("button").click()
    expect(page.get_by_text(re.compile("2018 is finalised")).first).to_be_visible()
    assert Assessment.objects.get(organisation__slug="demo", year=2018).is_finalised

    # The lead sees the rating, has no form, and a crafted post is refused.
    lead_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    lead = lead_context.new_page()
    sign_in(lead, base, "lead@demo.test")
    lead.goto(element_url)
    assessor_card = lead.locator("section[aria-labelledby='assessor-heading']")
    expect(assessor_card.get_by_text("Compliance Plus")).to_have_count(1)
    expect(assessor_card.get_by_text("Consultation results published quarterly")).to_be_visible()
    expect(lead.locator("form.mark-form")).to_have_count(0)
    status = lead.evaluate(
        """async (url) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
            const body = new URLSearchParams({rating: 'NC', comment: 'x', version: '99',
                csrfmiddlewaretoken: token ? token.split('=')[1] : ''});
            const answer = await fetch(url, {method: 'POST', body});
            return answer.status;
        }""",
        f"{element_url}mark/",
    )
    assert status == 403
    assert ElementResult.objects.get(pk=stored.pk).rating == "CP"

    # The element's history shows the change and who made it.
    lead.goto(f"{element_url}history/")
    expect(lead.get_by_text(re.compile("Compliance Plus|CP")).first).to_be_visible()
    expect(lead.get_by_text(re.compile("assessor@demo.test|Assessor", re.I)).first).to_be_visible()
    lead_context.close()
