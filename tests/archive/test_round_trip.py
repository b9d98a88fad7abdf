"""Export an organisation, remove it, import it: every row and every file comes back, ids
renumbered, people matched by email; another organisation is not touched."""

import json
import zipfile
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from actions.models import Action
from archive.tables import owned, tables
from assessments.models import ElementResult
from evidence.models import Evidence
from organisations.models import Membership, Organisation, Role
from reports.models import BoardReport, EvidencePack
from tests.archive.snapshot import counts, file_hash, snapshot
from tests.factories import FileEvidenceFactory


def purge(organisation_id: int) -> None:
    """Remove every row the organisation owns (history included) without signals, as if
    this database had never held it."""
    doomed = [
        (t.model, list(owned(t, organisation_id).values_list("pk", flat=True))) for t in tables()
    ]
    for model, pks in reversed(doomed):
        model._base_manager.filter(pk__in=pks)._raw_delete(using="default")


@pytest.fixture
def exported(rich_org, tmp_path, settings):
    """rich_org's snapshot and archive, then the organisation removed and a fresh
    MEDIA_ROOT (the files must come from the archive)."""
    before = snapshot(rich_org.pk)
    path = tmp_path / "acme.zip"
    call_command("export_organisation", "acme", str(path), stdout=StringIO())
    purge(rich_org.pk)
    assert not Organisation.objects.filter(slug="acme").exists()
    assert snapshot(rich_org.pk) == {label: [] for label in before}
    settings.MEDIA_ROOT = tmp_path / "restored"
    return before, path


def test_the_organisation_is_rich(exported):
    """Every table the test cares for has rows (a round trip of empty tables proves nothing)."""
    before, _ = exported
    for label in [
        "organisations.membership",
        "organisations.historicalmembership",
        "organisations.invitation",
        "assessments.assessment",
        "assessments.elementresult",
        "assessments.historicalelementresult",
        "assessments.assessmentevent",
        "assessments.criterionsummary",
        "evidence.evidence",
        "evidence.historicalevidence",
        "evidence.evidencelink",
        "evidence.historicalevidencelink",
        "actions.action",
        "actions.action_evidence",
        "actions.historicalaction",
        "actions.historicalaction_evidence",
        "reports.boardreport",
        "reports.evidencepack",
    ]:
        assert before[label], label
    assert len(before["assessments.assessment"]) == 5
    assert len(before["evidence.evidenceversion"]) == 2
    # The deleted item lives on in its history only.
    assert (
        len({row[0] for row in before["evidence.historicalevidence"]})
        == len(before["evidence.evidence"]) + 1
    )


def test_round_trip_keeps_every_row_and_file(exported):
    before, path = exported
    call_command("import_organisation", str(path), stdout=StringIO())
    connection.check_constraints()  # every key points at a row
    restored = Organisation.objects.get(slug="acme")
    after = snapshot(restored.pk)
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label


def test_the_archive_lists_every_table_and_hashes_every_member(exported):
    _, path = exported
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    assert manifest["format"] == "cse-portal-organisation" and manifest["version"] == 1
    assert {table.member for table in tables()} <= set(manifest["members"])
    assert set(manifest["members"]) == names - {"manifest.json"}
    assert sum(1 for name in names if name.startswith("files/")) == 6
    people = json.loads(zipfile.ZipFile(path).read("people.json"))["people"]
    assert all(set(person) == {"email", "full_name"} for person in people)
    with zipfile.ZipFile(path) as archive:  # no password hash anywhere (tests hash with MD5)
        assert not any(b"md5$" in archive.read(name) for name in names)
        assert b"password" not in archive.read("tables/organisations.membership.json")


def test_natural_identities_after_the_import(exported, lead, assessor):
    """A few rows by what they are, not by rank: results by year and element, items by
    title with their files, the action with its evidence, the members with their roles."""
    _, path = exported
    call_command("import_organisation", str(path), stdout=StringIO())
    org = Organisation.objects.get(slug="acme")
    result = ElementResult.objects.get(
        assessment__organisation=org, assessment__year=2018, element__ref="1.1.1"
    )
    assert (result.self_rating, result.rating, result.sampled) == ("C", "PC", True)
    assert result.comment == "Partly there: see the complaints log."
    assert result.updated_by == assessor
    policy = Evidence.objects.get(organisation=org, original_filename="policy-v3.pdf")
    assert policy.file.name.startswith(f"evidence/{org.pk}/")
    assert policy.file.read().endswith(b"% policy-v3\n%%EOF\n")
    assert sorted(v.file.read()[-16:] for v in policy.versions.all()) == [
        b"% policy-v1\n%%EOF\n"[-16:],
        b"% policy-v2\n%%EOF\n"[-16:],
    ]
    action = Action.objects.get(organisation=org)
    assert list(action.evidence.all()) == [policy]
    assert action.history.count() >= 4
    assert Membership.objects.get(organisation=org, user=lead).role == Role.QUALITY_LEAD
    report = BoardReport.objects.get(organisation=org, status="done")
    assert report.file.name == f"reports/{org.pk}/board-report-{report.pk}.pdf"
    assert report.file.read() == b"%PDF-1.7 board report"
    pack = EvidencePack.objects.get(organisation=org)
    assert pack.file.name == f"reports/{org.pk}/evidence-pack-{pack.pk}.zip"
    with zipfile.ZipFile(pack.file.open("rb")) as contents:
        assert contents.namelist() == ["index.html"]


def test_people_missing_here_are_created_inactive_without_a_password(exported, lead):
    _, path = exported
    email = lead.email
    lead.delete()
    call_command("import_organisation", str(path), stdout=StringIO())
    user = get_user_model().objects.get(email=email)
    assert not user.is_active
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.QUALITY_LEAD


def test_people_are_matched_whatever_the_case_of_their_stored_address(exported, assessor):
    """An account stored before addresses were normalised ("Sam@Example.test") is the
    archive's "sam@example.test": matched, not created a second time."""
    _, path = exported
    get_user_model().objects.filter(pk=assessor.pk).update(email=assessor.email.upper())
    accounts = get_user_model().objects.count()
    call_command("import_organisation", str(path), stdout=StringIO())
    assert get_user_model().objects.count() == accounts
    assert ElementResult.objects.filter(updated_by=assessor).exists()


def test_importing_does_not_touch_another_organisation(exported, other_org, outsider, settings):
    item = FileEvidenceFactory(organisation=other_org)
    assert snapshot(other_org.pk)["evidence.evidence"]
    other_before = snapshot(other_org.pk)
    rows_before = counts()
    before, path = exported
    call_command("import_organisation", str(path), stdout=StringIO())
    assert snapshot(other_org.pk) == other_before
    assert file_hash(item.file.name) is not None  # its file, in the same storage, untouched
    imported = {
        table.model._meta.label: len(rows) for table in tables() for rows in [before[table.label]]
    }
    assert counts() == {
        label: count + imported.get(label, 0) for label, count in rows_before.items()
    }
