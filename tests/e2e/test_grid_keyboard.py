"""The 2018 grid driven fast from the keyboard: three ↓ presses 80 ms apart on a row's
self-rating, while the first saves are still in flight. When the row says "Saved", it shows
what is stored, and what is stored is the last choice (no change dropped); the progress box
above the grid counts the new self-ratings without a reload."""

import itertools
import re
import time

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.models import ElementResult
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Counts the page's requests in flight (XMLHttpRequest is what HTMX uses): "loadend" comes after
# HTMX's own "load" handler, which sends a queued request first, so the count never touches
# zero between one save and the next.
COUNT_REQUESTS = """
window.__inFlight = 0;
(function () {
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    window.__inFlight += 1;
    this.addEventListener("loadend", function () { window.__inFlight -= 1; });
    return send.apply(this, arguments);
  };
})();
"""

# Rows of the demo's 2018, their self-ratings cleared first (the demo's lead self-assessed the
# year). Options: blank, CP, C, PC, NC; three presses of ↓ from blank choose PC.
REFS = ["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.3.1", "2.1.1", "2.1.2"]


def settle(page) -> None:
    """Wait until no save is in flight, and stays so for a moment."""
    for _ in range(2):
        page.wait_for_function("() => window.__inFlight === 0")
        page.wait_for_timeout(150)


def stored_self_rating(ref: str) -> str:
    return ElementResult.objects.get(
        assessment__organisation__slug="demo", assessment__year=2018, element__ref=ref
    ).self_rating


@pytest.fixture
def slow_saves(monkeypatch):
    """Each save takes 50–250 ms in the live server (same process, another thread), as on a
    busy server: the ↓ presses, 80 ms apart, then always come while a save is in flight."""
    delays = itertools.cycle([0.25, 0.05, 0.15])
    real = services.set_self_assessment

    def slow(*args, **kwargs):
        time.sleep(next(delays))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "set_self_assessment", slow)


@pytest.mark.parametrize("server", ["fast", "slow"])
def test_fast_keyboard_changes_end_with_the_stored_rating_shown(
    page, demo_site, screenshot, request, server
):
    if server == "slow":
        request.getfixturevalue("slow_saves")
    ElementResult.objects.filter(
        assessment__organisation__slug="demo", assessment__year=2018, element__ref__in=REFS
    ).update(self_rating="")
    assert all(stored_self_rating(ref) == "" for ref in REFS)
    page.add_init_script(COUNT_REQUESTS)
    sign_in(page, demo_site.url, "lead@demo.test")
    page.goto(f"{demo_site.url}/o/demo/assessments/2018/")
    progress = page.locator("#grid-progress")
    expect(progress).to_contain_text("self-rated")
    before = int(re.search(r"(\d+) self-rated", progress.inner_text()).group(1))

    for done, ref in enumerate(REFS, start=1):
        select = page.get_by_label(f"Self-rating for {ref}", exact=True)
        select.focus()
        for _ in range(3):
            page.keyboard.press("ArrowDown")
            page.wait_for_timeout(80)
        settle(page)
        form = page.locator("form.self-form").filter(has=select)
        expect(form.locator("[data-save-status]")).to_have_text(re.compile(r"✓ Saved \d"))
        shown = select.input_value()
        assert (ref, shown) == (ref, stored_self_rating(ref))
        assert (ref, shown) == (ref, "PC")  # the last choice, nothing dropped
        expect(progress).to_contain_text(f"{before + done} self-rated")
    screenshot(page, f"grid-2018-keyboard-{server}")

    page.reload()
    for ref in REFS:
        expect(page.get_by_label(f"Self-rating for {ref}", exact=True)).to_have_value("PC")
    expect(progress).to_contain_text(f"{before + len(REFS)} self-rated")
