"""Evidence fixtures: files are stored under a temporary MEDIA_ROOT in every test here."""

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
