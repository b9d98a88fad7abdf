"""Evidence fixtures: files are stored under a temporary MEDIA_ROOT in every test here."""

import pytest

from organisations.models import Role


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def assessor(org, member_of):
    return member_of(org, Role.ASSESSOR)


@pytest.fixture
def board(org, member_of):
    """A governing-body member: reads the library, never opens its files."""
    return member_of(org, Role.GOVERNING_BODY)
