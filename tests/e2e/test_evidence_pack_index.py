"""The evidence pack's index.html in Chromium, unpacked as the assessor would: it loads
nothing from anywhere but the unpacked folder, its file links reach the files beside it, and
axe-core finds no serious or critical problem at desktop or phone width."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.e2e.test_accessibility import WIDTHS, serious_violations
from tests.reports.test_evidence_pack import built, year  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_unpacked_index_reads_offline(page, built, tmp_path):  # noqa: F811
    _pack, archive, _data = built
    folder = tmp_path / "unpacked"
    archive.extractall(folder)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto((folder / "index.html").as_uri())
    assert page.get_by_role("heading", level=1).inner_text().startswith("Evidence pack:")
    assert {urlsplit(url).scheme for url in requested} == {"file"}  # nothing fetched
    hrefs = page.eval_on_selector_all("a[href^='files/']", "links => links.map(a => a.href)")
    assert hrefs
    for href in hrefs:
        assert Path(unquote(urlsplit(href).path)).is_file(), href
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        assert serious_violations(page) == [], f"index.html at {width} px"
