"""The export command's own refusals: nothing half-written is left under the target's name."""

import zipfile
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from tests.factories import FileEvidenceFactory, OrganisationFactory


@pytest.fixture
def small_org(db):
    organisation = OrganisationFactory(slug="small")
    FileEvidenceFactory(organisation=organisation)
    return organisation


def test_an_unknown_slug(db, tmp_path):
    with pytest.raises(CommandError, match=r"No organisation with the slug 'nobody\\x1b\[2J'"):
        call_command("export_organisation", "nobody\x1b[2J", str(tmp_path / "a.zip"))


def test_a_folder_that_does_not_exist(small_org, tmp_path):
    with pytest.raises(CommandError, match="does not exist: create it first"):
        call_command("export_organisation", "small", str(tmp_path / "no" / "a.zip"))


def test_a_file_missing_from_storage_leaves_the_old_archive_alone(small_org, tmp_path):
    target = tmp_path / "small.zip"
    call_command("export_organisation", "small", str(target), stdout=StringIO())
    good = target.read_bytes()
    item = small_org.evidence.get()
    default_storage.delete(item.file.name)
    with pytest.raises(
        CommandError, match=r"The file of evidence \d+ \(evidence/\d+/\w+\) is missing from storage"
    ):
        call_command("export_organisation", "small", str(target))
    assert target.read_bytes() == good  # the earlier archive, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "small.zip"]


def test_the_command_says_what_it_wrote(small_org, tmp_path):
    out = StringIO()
    call_command("export_organisation", "small", str(tmp_path / "small.zip"), stdout=out)
    assert "1 files" in out.getvalue() and "small.zip" in out.getvalue()
    with zipfile.ZipFile(tmp_path / "small.zip") as archive:
        assert archive.testzip() is None
        assert archive.getinfo("files/1").compress_type == zipfile.ZIP_STORED


def test_a_storage_that_fails_while_reading(small_org, tmp_path, monkeypatch):
    """A storage error other than a missing file (a network fault reading from S3) is named
    with the file, and leaves nothing behind."""

    class Broken:
        def read(self, size=-1):
            raise ConnectionResetError("the connection was reset")

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(default_storage, "open", lambda name, mode="rb": Broken())
    with pytest.raises(CommandError, match=r"Could not read the file of evidence \d+ .*reset"):
        call_command("export_organisation", "small", str(tmp_path / "small.zip"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]
