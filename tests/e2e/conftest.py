"""End-to-end tests in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

Never ``playwright install``: the browser comes from the machine (``.ci/run`` installs it).
Set ``E2E_SCREENSHOTS=DIR`` to keep a screenshot of each page the tests look at.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (not by the live server thread) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items) -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(skip)


# Refusals the tests provoke on purpose: Chromium logs each 4xx answer to a fetch as an error.
EXPECTED_STATUSES = ("status of 400", "status of 403", "status of 409", "status of 413")


def is_error(msg) -> bool:
    return msg.type == "error" and not (
        msg.text.startswith("Failed to load resource")
        and msg.text.endswith(EXPECTED_STATUSES)
        or any(status in msg.text for status in EXPECTED_STATUSES)
    )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request) -> Iterator:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if is_error(msg) else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest.fixture
def screenshot(request):
    """screenshot(page, name): save a PNG when E2E_SCREENSHOTS names a folder."""
    folder = os.environ.get("E2E_SCREENSHOTS")

    def take(page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def demo_site(live_server, settings, tmp_path):
    """The live server with the demo data loaded into the test database (its uploaded files
    in a temporary folder)."""
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"

    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server


def sign_in(page, base_url: str, email: str, password: str = "demo-password") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
