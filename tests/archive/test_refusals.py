"""Archives that are refused with a clear message, and nothing written: no row, no file."""

import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from archive import restore
from evidence.models import Evidence
from organisations.models import Organisation
from tests.archive import archives
from tests.archive.snapshot import counts
from tests.archive.test_round_trip import purge
from tests.factories import (
    AssessmentFactory,
    ElementResultFactory,
    EvidenceVersionFactory,
    FileEvidenceFactory,
    MembershipFactory,
)


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


@pytest.fixture
def small_archive(db, cse_standard, element, tmp_path, settings):
    """A small organisation's archive (a year, a result, a file with an earlier version),
    then the organisation removed, and a fresh MEDIA_ROOT to import into."""
    membership = MembershipFactory(organisation__slug="small", organisation__name="Small Org")
    organisation = membership.organisation
    year = AssessmentFactory(organisation=organisation, year=2018, standard=cse_standard)
    ElementResultFactory(assessment=year, element=element, rating="C", comment="Fine.")
    item = FileEvidenceFactory(organisation=organisation)
    EvidenceVersionFactory(evidence=item)
    path = tmp_path / "small.zip"
    call_command("export_organisation", "small", str(path), stdout=StringIO())
    purge(organisation.pk)
    settings.MEDIA_ROOT = tmp_path / "restored"
    settings.MEDIA_ROOT.mkdir()
    return path


def refused(path: Path, settings, message: str) -> None:
    """import_organisation refuses ``path`` with ``message`` and writes nothing."""
    rows, files = counts(), stored_files(settings.MEDIA_ROOT)
    with pytest.raises(CommandError) as refusal:
        call_command("import_organisation", str(path), stdout=StringIO())
    assert message in str(refusal.value)
    assert counts() == rows
    assert stored_files(settings.MEDIA_ROOT) == files


def test_the_small_archive_imports(small_archive, settings):
    """The archive the refusals start from is a good one."""
    call_command("import_organisation", str(small_archive), stdout=StringIO())
    organisation = Organisation.objects.get(slug="small")
    item = Evidence.objects.get(organisation=organisation)
    assert item.file.read().startswith(b"%PDF")
    assert item.versions.get().file.read() == b"%PDF-1.4 old version"
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_check_only_writes_nothing(small_archive, settings):
    rows, files = counts(), stored_files(settings.MEDIA_ROOT)
    out = StringIO()
    call_command("import_organisation", str(small_archive), "--check", stdout=out)
    assert "The archive of Small Org (small) is whole: every hash matches" in out.getvalue()
    assert "It can be imported here." in out.getvalue()
    assert counts() == rows and stored_files(settings.MEDIA_ROOT) == files


def test_check_says_when_the_slug_is_taken(small_archive, settings):
    call_command("import_organisation", str(small_archive), stdout=StringIO())
    with pytest.raises(CommandError, match="'small' already exists here"):
        call_command("import_organisation", str(small_archive), "--check")


def test_not_a_zip(small_archive, settings, tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("Just some notes, not an archive.\n")
    refused(path, settings, "notes.zip is not a zip file, or it is damaged")


def test_a_truncated_zip(small_archive, settings, tmp_path):
    path = tmp_path / "cut.zip"
    path.write_bytes(small_archive.read_bytes()[: small_archive.stat().st_size // 2])
    refused(path, settings, "not a zip file, or it is damaged")


def test_no_such_file(small_archive, settings, tmp_path):
    refused(tmp_path / "nowhere.zip", settings, "There is no file")


def test_one_byte_changed_in_a_stored_member(small_archive, settings, tmp_path):
    """A byte flipped on disk inside a member: its CRC no longer fits (damaged)."""
    data = bytearray(small_archive.read_bytes())
    with zipfile.ZipFile(small_archive) as archive:
        info = archive.getinfo("files/1")
    header = info.header_offset  # the local header gives the lengths before the data
    name_length = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_length = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_length + extra_length
    assert data[start : start + 4] == b"%PDF"
    data[start + 3] ^= 0x01
    path = tmp_path / "flipped.zip"
    path.write_bytes(bytes(data))
    refused(path, settings, "is damaged")


def _one_byte_changed(content):
    """A member rewritten with one byte changed (a valid zip): its hash does not match."""
    table = "tables/assessments.elementresult.json"
    data = bytearray(content[table])
    data[data.index(b"Fine.")] = ord("X")
    return {**content, table: bytes(data)}


def _without(name):
    return lambda content: {member: data for member, data in content.items() if member != name}


def _with(name, data):
    return lambda content: {**content, name: data}


def _manifest(**fields):
    return lambda content: archives.edit_json(content, "manifest.json", lambda m: m.update(fields))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            _one_byte_changed,
            "does not match the hash in the manifest",
            id="one-byte-changed-in-a-member-is-a-hash-mismatch",
        ),
        pytest.param(_with("files/1", b"%PDF-1.4 forged"), "files/1 ", id="a-file-member-changed"),
        pytest.param(
            _without("tables/evidence.evidenceversion.json"),
            "tables/evidence.evidenceversion.json missing",
            id="a-missing-member",
        ),
        pytest.param(_without("manifest.json"), "has no manifest.json", id="no-manifest"),
        pytest.param(
            _with("files/99", b"stowaway"),
            "members its manifest does not list: files/99",
            id="a-member-the-manifest-does-not-list",
        ),
        pytest.param(
            _manifest(version=2),
            "format version is 2; this portal reads version 1 only",
            id="an-unknown-format-version",
        ),
        pytest.param(
            _manifest(format="x"),
            "This is not an organisation archive",
            id="not-an-organisation-archive",
        ),
    ],
)
def test_a_tampered_archive(small_archive, settings, tmp_path, change, message):
    """Members changed, removed or added with the manifest left as it was."""
    path = archives.changed(small_archive, tmp_path / "tampered.zip", change)
    refused(path, settings, message)


def test_an_organisation_that_exists(small_archive, settings):
    call_command("import_organisation", str(small_archive), stdout=StringIO())
    refused(small_archive, settings, "An organisation with the slug 'small' already exists here")


@pytest.mark.parametrize(
    "name",
    ["../x", "/etc/passwd", "files/../../x", "tables/../manifest.json", "files\\..\\x", "dir/"],
)
def test_member_names_outside_the_format(small_archive, settings, tmp_path, name):
    path = tmp_path / "traversal.zip"
    content = archives.members(small_archive)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in content.items():
            archive.writestr(member, data)
        archive.writestr(zipfile.ZipInfo(name), b"x")
    refused(path, settings, "a member the format does not allow")
    assert not (tmp_path / "x").exists()


def test_a_member_larger_than_the_limit(small_archive, settings, tmp_path):
    """A zip bomb's member (a megabyte and more of zeros, a few kilobytes packed) is refused
    from its declared size, before any of it is read."""
    settings.ARCHIVE_MAX_FILE_MB = 1

    def bomb(content):
        return {**content, "files/1": bytes(2 * 1024 * 1024)}

    path = archives.changed(small_archive, tmp_path / "bomb.zip", bomb, fit_manifest=True)
    assert path.stat().st_size < 64 * 1024
    refused(path, settings, "files/1 would unpack to 2097152 bytes, more than the limit")


def test_a_table_larger_than_the_limit(small_archive, settings, tmp_path):
    settings.ARCHIVE_MAX_JSON_MB = 1

    def padded(content):
        return archives.edit_json(
            content, "people.json", lambda d: d.update(padding=" " * 2 * 1024 * 1024)
        )

    path = archives.changed(small_archive, tmp_path / "big.zip", padded, fit_manifest=True)
    refused(path, settings, "people.json would unpack to")


def test_everything_together_larger_than_the_limit(small_archive, settings, tmp_path):
    settings.ARCHIVE_MAX_TOTAL_MB = 0
    refused(small_archive, settings, "The archive would unpack to")


def test_a_member_whose_declared_size_lies(small_archive, settings, tmp_path):
    """The central directory says a member is smaller than its data: it is read no further
    than declared, and refused."""
    data = bytearray(small_archive.read_bytes())
    with zipfile.ZipFile(small_archive) as archive:
        info = archive.getinfo("people.json")
    central = data.index(b"people.json", data.index(b"PK\x01\x02")) - 46
    assert data[central : central + 4] == b"PK\x01\x02"
    size_at = central + 24  # the uncompressed size in the central directory record
    assert int.from_bytes(data[size_at : size_at + 4], "little") == info.file_size
    data[size_at : size_at + 4] = (info.file_size - 1).to_bytes(4, "little")
    path = tmp_path / "lies.zip"
    path.write_bytes(bytes(data))
    refused(path, settings, "people.json is not the size the manifest gives")


def test_invalid_json(small_archive, settings, tmp_path):
    path = archives.changed(
        small_archive,
        tmp_path / "json.zip",
        lambda c: {**c, "tables/evidence.evidence.json": b'{"model": '},
        fit_manifest=True,
    )
    refused(path, settings, "tables/evidence.evidence.json is not valid JSON")


def test_a_column_this_portal_lacks(small_archive, settings, tmp_path):
    def extra_column(content):
        def edit(table):
            table["columns"].append({"name": "colour", "kind": "value"})
            for row in table["rows"]:
                row.append("red")

        return archives.edit_json(content, "tables/evidence.evidence.json", edit)

    path = archives.changed(small_archive, tmp_path / "col.zip", extra_column, fit_manifest=True)
    refused(path, settings, "the column 'colour' is not one this portal's evidence.evidence has")


def test_a_table_this_portal_lacks(small_archive, settings, tmp_path):
    def extra(content):
        table = {"model": "evidence.hologram", "columns": [], "rows": []}
        return {**content, "tables/evidence.hologram.json": json.dumps(table).encode()}

    path = archives.changed(small_archive, tmp_path / "t.zip", extra, fit_manifest=True)
    refused(path, settings, "which this portal has no table for")


RESULTS = "tables/assessments.elementresult.json"
EVIDENCE = "tables/evidence.evidence.json"
VERSIONS = "tables/evidence.evidenceversion.json"


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        (RESULTS, "comment", 12, "column comment: not a value of a TextField"),
        (RESULTS, "sampled", "yes", "column sampled: not a value of a BooleanField"),
        (RESULTS, "rating", "XX", "column rating: Value 'XX' is not a valid choice"),
        (RESULTS, "version", 2**63, "column version: Ensure this value is less than or equal to"),
        (
            RESULTS,
            "updated_by",
            "nobody@example.test",
            "a person the archive's people.json does not list",
        ),
        (RESULTS, "element", ["cse", "1", "9.9.9"], "which this database does not have"),
        (RESULTS, "element", [], "column element: not a natural key"),  # found by test_malformed
        (RESULTS, "element", ["cse"], "which this database does not have"),
        (RESULTS, "assessment", "seven", "not an id"),
        (RESULTS, "comment", "nul \x00 byte", "a NUL character"),
        (RESULTS, "updated_at", "yesterday", "column updated_at"),
        pytest.param(
            EVIDENCE,
            "title",
            "T" * 201,
            "column title: longer than 200 characters",
            id="text-longer-than-its-column",
        ),
        pytest.param(  # a right-to-left override: the column's own text rule refuses it
            EVIDENCE,
            "title",
            "cv\u202egpj.exe",
            "tables/evidence.evidence.json, row 1, column title:",
            id="text-the-portal-would-refuse",
        ),
        pytest.param(
            VERSIONS,
            "evidence",
            999999,
            "evidence.evidenceversion.json, row 1, column evidence: it refers to a row the archive",
            id="a-key-to-a-row-the-archive-lacks",
        ),
        pytest.param(
            EVIDENCE,
            "file",
            {"member": "files/404", "name": "evidence/1/x"},
            "a file the archive does not hold",
            id="a-file-reference-to-no-member",
        ),
    ],
)
def test_bad_values(small_archive, settings, tmp_path, table, column, value, message):
    """A well-formed archive (the manifest fits) with one value of a table's first row
    changed."""

    def edit(rows):
        index = [c["name"] for c in rows["columns"]].index(column)
        rows["rows"][0][index] = value

    def change(content):
        return archives.edit_json(content, table, edit)

    path = archives.changed(small_archive, tmp_path / "bad.zip", change, fit_manifest=True)
    refused(path, settings, message)


def test_too_many_members(small_archive, settings):
    settings.ARCHIVE_MAX_MEMBERS = 3
    refused(small_archive, settings, "more than 3")


def test_a_member_twice(small_archive, settings, tmp_path):
    path = tmp_path / "twice.zip"
    content = archives.members(small_archive)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in content.items():
            archive.writestr(member, data)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("people.json", content["people.json"])
    refused(path, settings, "The archive holds people.json twice")


def test_an_encrypted_member(small_archive, settings, tmp_path):
    data = bytearray(small_archive.read_bytes())
    central = data.index(b"people.json", data.index(b"PK\x01\x02")) - 46
    data[central + 8] |= 0x01  # general purpose flags: encrypted
    path = tmp_path / "encrypted.zip"
    path.write_bytes(bytes(data))
    refused(path, settings, "people.json is encrypted")


def test_an_id_twice(small_archive, settings, tmp_path):
    def edit(table):
        table["rows"].append(list(table["rows"][0]))

    def change(content):
        return archives.edit_json(content, "tables/assessments.elementresult.json", edit)

    path = archives.changed(small_archive, tmp_path / "twice.zip", change, fit_manifest=True)
    refused(path, settings, "tables/assessments.elementresult.json, row 2: the id")


def test_a_crafted_file_name_stays_inside_storage(small_archive, settings, tmp_path):
    """A file's old name with ``..`` parts (a model that names its own files): the parts
    that are not plain names are dropped."""
    from archive.restore import _Context, _renamed

    context = _Context(archive=None, ids={}, people={}, standards={}, old_org=7, new_org=9)
    assert _renamed("../../etc/7/passwd", context) == "etc/9/passwd"
    assert _renamed("/reports/7/board-report-3.pdf", context) == "reports/9/board-report-3.pdf"
    assert _renamed("..", context) == "file"


def test_a_failure_while_writing_leaves_no_row_and_no_file(small_archive, settings, monkeypatch):
    """The rows and files written before a database error are all taken back."""
    insert = restore._insert

    def fail_late(rows, context):
        if rows.table.records is not None:  # history tables come after the files
            raise DatabaseError("the disk is full")
        return insert(rows, context)

    stored = []

    def store_and_note(field_file, name, content):
        store_file(field_file, name, content)
        stored.append(field_file.name)

    store_file = restore.store_file
    monkeypatch.setattr(restore, "_insert", fail_late)
    monkeypatch.setattr(restore, "store_file", store_and_note)
    refused(small_archive, settings, "could not be written (DatabaseError: the disk is full)")
    assert len(stored) == 2  # both files had been stored, and were removed again
