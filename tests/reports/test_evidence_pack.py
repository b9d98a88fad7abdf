"""The evidence pack's ZIP, opened with zipfile and read back for the seeded organisation's
2018: index.html names every element with its self-rating, notes and evidence; each linked
file is in it once with the bytes stored; SHA256SUMS matches every member (and sha256sum -c
agrees); a file missing from storage is listed as missing; names are made safe.

The task runs in this process through ``apply()`` (one call, not eager mode);
tests/reports/test_evidence_pack_worker.py runs it in a real worker."""

import hashlib
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.utils.html import escape

from assessments.models import ElementResult
from cse_portal.text import unsafe_characters
from evidence.models import Evidence
from reports import evidence_pack, jobs
from reports.models import EvidencePack
from reports.tasks import build_evidence_pack
from standards.models import Element
from tests.factories import EvidenceFactory, EvidenceLinkFactory, FileEvidenceFactory

pytestmark = pytest.mark.django_db

Status = EvidencePack.Status
POLICY = b"%PDF-1.7\nThe safeguarding policy, version 2.\n%%EOF\n"
MINUTES = b"Minutes of the quality committee, 12 April 2018.\n" * 5000  # ~240 KB
GONE = b"this file is deleted from storage before the pack is made"
NASTY_NAME = "../../etc/passwd \u202egpj.exe\x07 Policy: safe/guarding?.pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_item(
    org, user, title: str, data: bytes, original: str, content_type: str = "application/pdf"
) -> Evidence:
    return FileEvidenceFactory(
        organisation=org,
        created_by=user,
        title=title,
        file=ContentFile(data, name="stored"),
        original_filename=original,
        content_type=content_type,
        size=len(data),
        sha256=sha(data),
    )


@pytest.fixture
def year(y2018, y2017, lead, other_org):
    """2018 of the seeded organisation, with self-ratings and notes on three elements and
    evidence: one file linked to three elements, one to one, one whose stored file is gone,
    a web link and a written note; and evidence that must not appear (2017's link, another
    organisation's item)."""
    org = y2018.organisation
    element = {e.ref: e for e in Element.objects.filter(standard=y2018.standard)}
    for ref, rating, notes in [
        ("1.1.1", "CP", "Our customer insight strategy is reviewed every year."),
        ("2.1.4", "PC", "Complaints are logged; the <b>learning</b> loop is not closed yet."),
        ("5.3.2", "C", ""),
    ]:
        ElementResult.objects.filter(assessment=y2018, element=element[ref]).update(
            self_rating=rating, self_notes=notes
        )
    policy = file_item(org, lead, "Safeguarding policy", POLICY, NASTY_NAME)
    minutes = file_item(
        org, lead, "Quality committee minutes", MINUTES, "minutes.txt", "text/plain"
    )
    gone = file_item(org, lead, "Lost survey results", GONE, "survey.xlsx")
    gone.file.storage.delete(gone.file.name)
    web = EvidenceFactory(
        organisation=org, title="Published service standards", url="https://example.test/std"
    )
    note = EvidenceFactory(
        organisation=org,
        kind="note",
        url="",
        title="Note of the walk-round",
        body="The reception desk shows the complaints leaflet.",
    )
    for item, ref, link_note in [
        (policy, "1.1.1", "Section 3 sets out the insight cycle."),
        (policy, "2.1.4", ""),
        (policy, "1.3.3.1", "Applies to the sub-element too."),
        (minutes, "1.1.1", ""),
        (gone, "4.1.2", ""),
        (web, "1.1.1", ""),
        (note, "2.1.4", ""),
    ]:
        EvidenceLinkFactory(evidence=item, assessment=y2018, element=element[ref], note=link_note)
    old = file_item(org, lead, "The 2017 plan (not this year)", b"old plan", "plan-2017.pdf")
    EvidenceLinkFactory(evidence=old, assessment=y2017, element=element["1.1.1"])
    elsewhere = file_item(other_org, None, "Elsewhere's secret", b"not yours", "secret.pdf")
    assert elsewhere.organisation_id != org.pk
    return y2018


@pytest.fixture
def built(year, lead) -> tuple[EvidencePack, zipfile.ZipFile, bytes]:
    pack = EvidencePack.objects.create(
        organisation=year.organisation, assessment=year, requested_by=lead
    )
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    data = pack.file.read()
    return pack, zipfile.ZipFile(io.BytesIO(data)), data


def test_the_pack_is_done_and_stored_under_its_id(built):
    pack, archive, data = built
    assert pack.status == Status.DONE and pack.attempts == 1 and pack.error == ""
    assert pack.file.name == f"reports/{pack.organisation_id}/evidence-pack-{pack.pk}.zip"
    assert pack.size == len(data)
    assert pack.file_count == 2 and pack.missing_count == 1
    assert archive.testzip() is None


def test_each_linked_file_is_in_it_once_with_the_bytes_stored(built):
    _pack, archive, _data = built
    names = archive.namelist()
    assert len(names) == len(set(names))
    files = sorted(n for n in names if n.startswith("files/"))
    assert len(files) == 2  # the policy once, for its three elements; the minutes
    contents = sorted(archive.read(n) for n in files)
    assert contents == sorted([POLICY, MINUTES])
    assert set(names) == {"index.html", "SHA256SUMS", *files}
    policy = next(n for n in files if archive.read(n) == POLICY)
    assert re.fullmatch(r"files/\d+-[^/\\]+\.pdf", policy)


def test_text_is_deflated_and_compressed_formats_are_stored(built):
    _pack, archive, _data = built
    kinds = {
        info.filename: info.compress_type
        for info in archive.infolist()
        if "files/" in info.filename
    }
    assert sorted(kinds.values()) == [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]
    minutes = next(n for n in kinds if n.endswith("minutes.txt"))
    assert kinds[minutes] == zipfile.ZIP_DEFLATED  # the PDF is stored as it is
    assert archive.getinfo(minutes).compress_size < len(MINUTES) / 10
    assert archive.getinfo("index.html").compress_type == zipfile.ZIP_DEFLATED


def test_member_names_are_safe(built):
    _pack, archive, _data = built
    for name in archive.namelist():
        assert not name.startswith("/") and "\\" not in name and ".." not in name.split("/")
        assert name.count("/") <= 1
        assert not any(unicodedata.category(c) in {"Cc", "Cf"} for c in name), name
        assert "\u202e" not in name


def test_the_manifest_holds_every_member_hash(built):
    _pack, archive, _data = built
    lines = archive.read("SHA256SUMS").decode().splitlines()
    listed = {}
    for line in lines:
        digest, name = re.fullmatch(r"([0-9a-f]{64})  (.+)", line).groups()
        listed[name] = digest
    assert set(listed) == set(archive.namelist()) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert sha(archive.read(name)) == digest, name


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="no sha256sum on this machine")
def test_sha256sum_checks_the_unpacked_pack(built, tmp_path):
    _pack, archive, _data = built
    folder = tmp_path / "unpacked"
    archive.extractall(folder)
    done = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 3


def test_the_index_shows_every_element_its_self_assessment_and_evidence(built, year, lead):
    pack, archive, _data = built
    index = archive.read("index.html").decode()
    for ref in Element.objects.filter(standard=year.standard).values_list("ref", flat=True):
        assert f'id="element-{ref}"' in index, ref
    assert year.organisation.name in index and "2018" in index
    assert escape(lead.full_name) in index  # who asked
    # The self-ratings and notes (escaped, never markup).
    assert "Compliance Plus" in index and "Partial Compliance" in index
    assert "Our customer insight strategy is reviewed every year." in index
    assert "the &lt;b&gt;learning&lt;/b&gt; loop" in index
    assert "not self-rated" in index
    # The evidence: titles, the file by its path in the ZIP, the web link, the note.
    for title in [
        "Safeguarding policy",
        "Quality committee minutes",
        "Published service standards",
        "Note of the walk-round",
        "Lost survey results",
    ]:
        assert title in index
    policy = next(n for n in archive.namelist() if n.startswith("files/") and "Policy" in n)
    href = evidence_pack.quote(policy)
    assert index.count(f'href="{href}"') == 4  # 1.1.1, 2.1.4, 1.3.3.1 and the file list
    assert 'href="https://example.test/std"' in index
    assert "The reception desk shows the complaints leaflet." in index
    assert "Section 3 sets out the insight cycle." in index
    # Only this organisation's 2018 evidence.
    assert "The 2017 plan" not in index and "Elsewhere&#x27;s secret" not in index
    assert "secret" not in index


def test_the_index_shows_no_control_or_bidi_character(year, lead):
    """Text stored with a U+202E (here the policy's original file name, a title and a self
    note, as an import or older data could hold them) is shown escaped: nothing in the index
    reorders what the assessor reads. (The first pack showed "complaints\u202eslx.csv" as
    "complaintsvsc.xls".)"""
    Evidence.objects.filter(title="Quality committee minutes").update(title="Minutes \u202etxt.exe")
    ElementResult.objects.filter(assessment=year, element__ref="1.1.1").update(
        self_notes="Reviewed\u2028yearly \u202egnp.exe\x1b[31m"
    )
    pack = EvidencePack.objects.create(organisation=year.organisation, assessment=year)
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    index = zipfile.ZipFile(pack.file).read("index.html").decode()
    assert unsafe_characters(index, multiline=True) == []
    assert "Minutes \\u202etxt.exe" in index
    assert "\\x07" in index  # the BEL in the policy's original name
    assert "Reviewed\\u2028yearly" in index


def test_a_file_missing_from_storage_is_listed_as_missing(built):
    _pack, archive, _data = built
    index = archive.read("index.html").decode()
    assert "Lost survey results" in index
    assert "1 file could not be found" in index
    assert "survey.xlsx was not found in storage" in index
    assert not any("survey" in n for n in archive.namelist())


def test_the_index_is_self_contained(built):
    _pack, archive, _data = built
    index = archive.read("index.html").decode()
    assert "<script" not in index and "<link" not in index and "<img" not in index
    assert "src=" not in index and "url(" not in index and "@import" not in index
    # The only addresses are the evidence's own web links; files are relative paths.
    assert re.findall(r"https?://[^\"'<\s]+", index) == ["https://example.test/std"] * 2


def test_a_file_whose_content_changed_is_flagged(year, lead):
    item = Evidence.objects.get(title="Quality committee minutes")
    Evidence.objects.filter(pk=item.pk).update(sha256="0" * 64)
    pack = EvidencePack.objects.create(organisation=year.organisation, assessment=year)
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    index = zipfile.ZipFile(pack.file).read("index.html").decode()
    assert "Its content differs from the file uploaded" in index
    assert "A former member" in index  # nobody asked: a command, or a member since removed


def test_a_year_without_evidence_makes_a_pack(org, lead, cse_standard):
    from tests.factories import AssessmentFactory

    year = AssessmentFactory(organisation=org, year=2020, standard=cse_standard)
    pack = EvidencePack.objects.create(organisation=org, assessment=year, requested_by=lead)
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    archive = zipfile.ZipFile(pack.file)
    assert sorted(archive.namelist()) == ["SHA256SUMS", "index.html"]
    assert pack.file_count == 0 and pack.missing_count == 0
    assert "No file is linked in 2020" in archive.read("index.html").decode()


def test_a_fault_fails_the_pack_with_its_reason(year, lead, monkeypatch):
    def broken(out, pack, made_at=None):
        raise ValueError("the template is broken")

    monkeypatch.setattr(evidence_pack, "write_zip", broken)
    pack = EvidencePack.objects.create(organisation=year.organisation, assessment=year)
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "failed"
    pack.refresh_from_db()
    assert pack.status == Status.FAILED and not pack.file
    assert pack.error.startswith("The evidence pack could not be made. Try again")
    assert "ValueError: the template is broken" in pack.error
    assert jobs.can_retry(pack)


def test_a_second_delivery_builds_nothing(built):
    pack, _archive, _data = built
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "nothing"
    pack.refresh_from_db()
    assert pack.attempts == 1


def test_the_files_are_copied_in_chunks_not_read_whole(year, lead, monkeypatch):
    """Each file is read from storage a chunk at a time (here 64 KB: the minutes are ~240 KB)."""
    monkeypatch.setattr(evidence_pack, "CHUNK", 64 * 1024)
    reads = []
    from django.core.files.storage import FileSystemStorage

    real_open = FileSystemStorage.open

    class Counted:
        def __init__(self, handle):
            self.handle = handle

        def read(self, size=-1):
            reads.append(size)
            return self.handle.read(size)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(
        FileSystemStorage,
        "open",
        lambda self, name, mode="rb": Counted(real_open(self, name, mode)),
    )
    pack = EvidencePack.objects.create(organisation=year.organisation, assessment=year)
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    assert reads and all(0 < size <= 64 * 1024 for size in reads)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "file"),
        ("", "file"),
        ("C:\\Windows\\evil.exe", "C__Windows_evil.exe"),
        ("a\u202egpj.exe", "agpj.exe"),
        ("tab\there\nnew", "tabherenew"),
        ("zero\u200bwidth", "zerowidth"),
        ("  spaced   out  .pdf ", "spaced out .pdf"),
        ("e\u0301te\u0301.docx", "\u00e9t\u00e9.docx"),  # NFC
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        ('what?*<>|":.txt', "what_______.txt"),
    ],
)
def test_safe_name(original, expected):
    assert evidence_pack.safe_name(original) == expected


def test_member_names_never_repeat(org):
    items = [Evidence(pk=7, original_filename="a.pdf"), Evidence(pk=8, original_filename="a.pdf")]
    assert evidence_pack.member_names(items) == {7: "files/7-a.pdf", 8: "files/8-a.pdf"}


def test_the_pack_follows_the_same_job_rules_as_the_board_report(year, lead):
    """The generic job machinery on the other kind: a stale claim is taken over by the
    redelivered message; a pack that keeps killing its worker fails with the reason."""
    from datetime import timedelta

    from django.utils import timezone

    stale = timezone.now() - jobs.stale_after() - timedelta(seconds=1)
    pack = EvidencePack.objects.create(organisation=year.organisation, assessment=year)
    assert jobs.claim(EvidencePack, pack.pk).outcome is jobs.Outcome.CLAIMED
    assert jobs.claim(EvidencePack, pack.pk).outcome is jobs.Outcome.BUSY
    EvidencePack.objects.filter(pk=pack.pk).update(started_at=stale)
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    assert pack.status == Status.DONE and pack.attempts == 2

    dying = EvidencePack.objects.create(organisation=year.organisation, assessment=year)
    for _attempt in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim(EvidencePack, dying.pk).outcome is jobs.Outcome.CLAIMED
        EvidencePack.objects.filter(pk=dying.pk).update(started_at=stale)
    assert build_evidence_pack.apply(args=[dying.pk]).get() == "gave up"
    dying.refresh_from_db()
    assert dying.status == Status.FAILED
    assert f"The evidence pack was started {jobs.MAX_ATTEMPTS} times" in dying.error


def test_the_pack_reads_the_year_in_a_fixed_number_of_queries(year, lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pack = EvidencePack.objects.create(
        organisation=year.organisation, assessment=year, requested_by=lead
    )
    pack = EvidencePack.objects.select_related("assessment", "organisation", "requested_by").get(
        pk=pack.pk
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            evidence_pack.write_zip(io.BytesIO(), pack)
        return len(queries)

    small = count()
    element = {e.ref: e for e in Element.objects.filter(standard=year.standard)}
    for n, ref in enumerate(["3.1.1", "3.1.2", "4.1.1", "5.1.1", "5.2.1"]):
        item = file_item(year.organisation, lead, f"More {n}", f"more {n}".encode(), f"m{n}.pdf")
        EvidenceLinkFactory(evidence=item, assessment=year, element=element[ref])
    assert count() == small
    # The elements (with their sub-criteria and criteria), the results, the links with their
    # items.
    assert small == 3


# -- A finalised year keeps the files it was shown --------------------------------------------


def _replaced_after(item: Evidence, when, data: bytes, name: str) -> None:
    """Replace ``item``'s file after ``when``, keeping the earlier one as a version, as
    evidence.services.replace_file does."""
    from datetime import timedelta

    from evidence.models import EvidenceVersion

    EvidenceVersion.objects.create(
        evidence=item,
        file=item.file.name,
        original_filename=item.original_filename,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        uploaded_at=when - timedelta(days=30),
        replaced_at=when + timedelta(days=2),
    )
    item.file = ContentFile(data, name="stored-v2")
    item.original_filename = name
    item.sha256 = sha(data)
    item.size = len(data)
    item.file_uploaded_at = when + timedelta(days=2)
    item.save()


def test_a_finalised_years_pack_holds_each_file_as_it_was_when_the_year_was_finalised(year, lead):
    from django.utils import timezone

    from assessments.models import Assessment

    finalised_at = timezone.now() - __import__("datetime").timedelta(days=10)
    Assessment.objects.filter(pk=year.pk).update(
        status=Assessment.Status.FINALISED, finalised_at=finalised_at
    )
    policy = Evidence.objects.get(organisation=year.organisation, title="Safeguarding policy")
    _replaced_after(
        policy, finalised_at, b"%PDF-1.7\nversion 3, written after the visit\n", "v3.pdf"
    )
    pack = EvidencePack.objects.create(
        organisation=year.organisation, assessment=year, requested_by=lead
    )
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    archive = zipfile.ZipFile(io.BytesIO(pack.file.read()))
    files = {n: archive.read(n) for n in archive.namelist() if n.startswith("files/")}
    assert POLICY in files.values()  # what the assessor saw
    assert not any(b"after the visit" in data for data in files.values())
    index = archive.read("index.html").decode()
    assert "as it was when the year was finalised" in index
    sums = dict(
        reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines()
    )
    for name, data in files.items():
        assert sums[name] == sha(data)
    assert "differs from the file uploaded" not in index  # the version's own hash matches


def test_an_open_years_pack_holds_the_current_file(year, lead):
    from django.utils import timezone

    policy = Evidence.objects.get(organisation=year.organisation, title="Safeguarding policy")
    new = b"%PDF-1.7\nversion 3\n"
    _replaced_after(
        policy, timezone.now() - __import__("datetime").timedelta(days=10), new, "v3.pdf"
    )
    pack = EvidencePack.objects.create(
        organisation=year.organisation, assessment=year, requested_by=lead
    )
    assert build_evidence_pack.apply(args=[pack.pk]).get() == "done"
    pack.refresh_from_db()
    archive = zipfile.ZipFile(io.BytesIO(pack.file.read()))
    files = [archive.read(n) for n in archive.namelist() if n.startswith("files/")]
    assert new in files and POLICY not in files
