"""setup_demo: the README's people, organisations and history; safe to run again."""

import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from actions.models import Action
from assessments.finalise import pre_finalise_check
from assessments.models import Assessment, AssessmentEvent, ElementResult
from demo import services as demo_services
from demo.documents import DEMO_FILES
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from organisations.models import Invitation, Membership, Organisation
from reports import evidence_pack
from reports.models import EvidencePack

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """The demo's uploaded files go to a temporary folder, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


README_PEOPLE = {
    ("admin@demo.test", "demo", "admin"),
    ("lead@demo.test", "demo", "quality_lead"),
    ("assessor@demo.test", "demo", "assessor"),
    ("board@demo.test", "demo", "governing_body"),
    ("lead@riverside.test", "riverside", "quality_lead"),
    ("assessor@demo.test", "riverside", "assessor"),
}


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            User, Organisation, Membership, Assessment, ElementResult, Evidence,
            EvidenceVersion, EvidenceLink, Action, AssessmentEvent,
        )
    ) + tuple(
        model.history.count()
        for model in (
            Membership, Invitation, Assessment, ElementResult, Evidence, EvidenceLink, Action
        )
    )  # fmt: skip


def test_setup_demo_creates_what_the_readme_promises_and_is_idempotent():
    call_command("setup_demo", stdout=io.StringIO())
    people = set(Membership.objects.values_list("user__email", "organisation__slug", "role"))
    assert people == README_PEOPLE
    for user in User.objects.all():
        assert user.check_password("demo-password")
    years = dict(Assessment.objects.filter(organisation__slug="demo").values_list("year", "status"))
    assert years == {
        2014: "finalised", 2015: "finalised", 2016: "finalised", 2017: "finalised",
        2018: "assessor_review",
    }  # fmt: skip
    assert Assessment.objects.filter(organisation__slug="riverside").count() == 2
    assert ElementResult.objects.filter(assessment__organisation__slug="demo").count() == 5 * 72
    assert Evidence.objects.filter(organisation__slug="demo").exists()
    assert not Evidence.objects.filter(organisation__slug="riverside").exists()

    before = counts()
    call_command("setup_demo", stdout=io.StringIO())
    assert counts() == before


def test_setup_demo_raises_actions_on_the_2018_partial_compliances():
    """The board paper's three PCs of 2018 (2.1.4, 4.1.2, 5.3.2: national NHS targets missed)
    each get an action, raised by the lead through actions.services (with history): one
    overdue, one done with its evidence."""
    call_command("setup_demo", stdout=io.StringIO())
    actions = {
        a.element.ref: a
        for a in Action.objects.filter(organisation__slug="demo").select_related("element")
    }
    assert set(actions) == {"2.1.4", "4.1.2", "5.3.2"}
    assert {a.raised_in.year for a in actions.values()} == {2018}
    assert [ref for ref, a in sorted(actions.items()) if a.is_overdue] == ["5.3.2"]
    assert actions["4.1.2"].status == "done"
    assert [e.title for e in actions["4.1.2"].evidence.all()] == [
        "Integrated performance report, Q2 2018/19"
    ]
    assert actions["5.3.2"].owner.email == "admin@demo.test"
    for action in actions.values():
        assert action.history.earliest().history_user.email == "lead@demo.test"
    assert not Action.objects.filter(organisation__slug="riverside").exists()


def test_setup_demo_names_each_organisation_once():
    """The demo organisation's name ends in "(demo)", its slug is "demo": the import line
    said "Scarborough and Ryedale CCG (demo) (demo)"."""
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    text = out.getvalue()
    assert "Imported " in text
    assert "(demo) (demo)" not in text
    assert "Scarborough and Ryedale CCG (demo):" in text
    assert "Riverside Housing Association:" in text


def test_setup_demo_goes_through_the_organisation_services():
    """Organisations, people and memberships are made by organisations.services (which
    check and record them), not written by the demo; so every membership has its history."""
    source = Path(demo_services.__file__).read_text()
    for table_write in ["Membership", "Organisation.objects", "User.objects", "set_password"]:
        assert table_write not in source, table_write
    call_command("setup_demo", stdout=io.StringIO())
    for membership in Membership.objects.all():
        assert membership.history.filter(history_type="+").exists()


def test_setup_demo_restores_a_demo_role_changed_by_hand():
    call_command("setup_demo", stdout=io.StringIO())
    lead = Membership.objects.get(user__email="lead@demo.test", organisation__slug="demo")
    lead.role = "assessor"
    lead.save()
    call_command("setup_demo", stdout=io.StringIO())
    lead.refresh_from_db()
    assert lead.role == "quality_lead"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_setup_demo_uploads_files_that_download_as_uploaded(client, settings):
    """The demo library holds real uploaded files (PDF, Excel, CSV, plain text), added by
    the quality lead through the upload service and linked to the elements they support in
    2018; each downloads with the SHA-256 recorded at upload, and the two replaced ones
    keep their first file as a version that downloads too."""
    call_command("setup_demo", stdout=io.StringIO())
    demo = Organisation.objects.get(slug="demo")
    lead = User.objects.get(email="lead@demo.test")
    items = {
        item.title: item
        for item in Evidence.objects.filter(organisation=demo, kind=Evidence.Kind.FILE)
    }
    assert set(items) == {spec.title for spec in DEMO_FILES}
    assert 8 <= len(items) <= 12
    assert {item.content_type for item in items.values()} == {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
        "text/plain",
    }
    client.force_login(lead)
    for spec in DEMO_FILES:
        item = items[spec.title]
        assert item.original_filename == spec.filename
        assert item.file_uploaded_by == lead
        # Gathered in October 2018, before the lead submitted the year on 31 October.
        assert date(2018, 10, 1) <= item.created_at.date() < date(2018, 10, 31)
        assert item.history.earliest().history_user == lead
        links = EvidenceLink.objects.filter(evidence=item)
        assert sorted(links.values_list("assessment__year", "element__ref")) == sorted(
            (2018, ref) for ref in spec.refs
        )
        response = client.get(reverse("org:evidence-download", args=["demo", item.pk]))
        assert response.status_code == 200
        data = body(response)
        assert hashlib.sha256(data).hexdigest() == item.sha256
        assert len(data) == item.size
        assert response["Content-Type"] == item.content_type
        versions = list(EvidenceVersion.objects.filter(evidence=item))
        assert len(versions) == len(spec.versions) - 1
        for version in versions:
            assert version.sha256 != item.sha256
            url = reverse("org:evidence-version-download", args=["demo", item.pk, version.pk])
            assert hashlib.sha256(body(client.get(url))).hexdigest() == version.sha256
    assert EvidenceVersion.objects.filter(evidence__organisation=demo).count() == 2
    stored = list((Path(settings.MEDIA_ROOT) / "evidence" / str(demo.pk)).iterdir())
    assert len(stored) == len(DEMO_FILES) + 2  # the current files and the two first versions


def test_the_demo_2018_evidence_pack_holds_the_demo_files():
    """The pack builder, run on the demo's 2018 year, packs every demo file (their current
    versions) with hashes matching the manifest."""
    call_command("setup_demo", stdout=io.StringIO())
    year = Assessment.objects.get(organisation__slug="demo", year=2018)
    lead = User.objects.get(email="lead@demo.test")
    pack = EvidencePack.objects.create(
        organisation=year.organisation, assessment=year, requested_by=lead
    )
    claim = jobs_claim(pack)
    evidence_pack.build(claim)
    pack.refresh_from_db()
    assert pack.status == EvidencePack.Status.DONE
    assert (pack.file_count, pack.missing_count) == (len(DEMO_FILES), 0)
    with pack.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        names = [name for name in archive.namelist() if name.startswith("files/")]
        assert len(names) == len(DEMO_FILES)
        sums = dict(
            reversed(line.split("  ", 1))
            for line in archive.read("SHA256SUMS").decode().splitlines()
        )
        by_hash = set(
            Evidence.objects.filter(organisation__slug="demo", kind=Evidence.Kind.FILE).values_list(
                "sha256", flat=True
            )
        )
        for name in names:
            digest = hashlib.sha256(archive.read(name)).hexdigest()
            assert sums[name] == digest
            assert digest in by_hash
        index = archive.read("index.html").decode()
    for spec in DEMO_FILES:
        assert spec.title in index


def jobs_claim(pack: EvidencePack) -> EvidencePack:
    from reports import jobs

    claim = jobs.claim(EvidencePack, pack.pk)
    assert claim.job is not None
    return claim.job


def events(organisation: str, year: int) -> list[tuple[str, str, str]]:
    return [
        (event.from_status, event.to_status, event.actor.email)
        for event in AssessmentEvent.objects.filter(
            assessment__organisation__slug=organisation, assessment__year=year
        ).select_related("actor")
    ]


SUBMITTED = ("self_assessment", "submitted", "lead@demo.test")
REVIEWED = ("submitted", "assessor_review", "assessor@demo.test")
FINALISED = ("assessor_review", "finalised", "assessor@demo.test")


def test_setup_demo_records_each_years_workflow_through_the_workflow_services():
    """Each demo year moved as a real year does, with an event and a history row per move
    dated in its own year: 2014-2017 submitted by the quality lead, reviewed and finalised
    by the assessor (who first wrote the comments and ratings finalising asks for), 2018
    submitted and in assessor review; riverside alike with its own quality lead."""
    call_command("setup_demo", stdout=io.StringIO())
    for year in (2014, 2015, 2016, 2017):
        assert events("demo", year) == [SUBMITTED, REVIEWED, FINALISED], year
        assessment = Assessment.objects.get(organisation__slug="demo", year=year)
        assert assessment.finalised_by.email == "assessor@demo.test"
        assert assessment.finalised_at.year == year
        assert not [item for item in pre_finalise_check(assessment) if item.blocking]
        moves = assessment.history.filter(status__in=["submitted", "assessor_review", "finalised"])
        assert moves.count() == 3
        assert {row.history_date.year for row in moves} == {year}
    assert events("demo", 2018) == [SUBMITTED, REVIEWED]
    year_2018 = Assessment.objects.get(organisation__slug="demo", year=2018)
    assert year_2018.visit_date.isoformat() == "2018-11-21"
    assert year_2018.lead_assessor.email == "assessor@demo.test"
    dates = list(year_2018.events.values_list("at", flat=True))
    assert all(at.date() < year_2018.visit_date and at.year == 2018 for at in dates)
    riverside_lead = ("self_assessment", "submitted", "lead@riverside.test")
    assert events("riverside", 2024) == [riverside_lead, REVIEWED, FINALISED]
    assert events("riverside", 2025) == [riverside_lead, REVIEWED]
    # The assessor's marks finalising needed: a comment on each CP/PC/NC of the initial year,
    # and the sampled 3.3.3 of 2017 the board paper's chart shows without its letter.
    initial = ElementResult.objects.filter(
        assessment__organisation__slug="demo", assessment__year=2014, rating="PC"
    )
    assert initial.exists() and not initial.filter(comment="").exists()
    rated = ElementResult.objects.get(
        assessment__organisation__slug="demo", assessment__year=2017, element__ref="3.3.3"
    )
    assert (rated.sampled, rated.rating) == (True, "C")
    # (the assessor's mark is dated 2017, the import that made the row today)
    assert rated.history.order_by("history_id").last().history_user.email == "assessor@demo.test"


def test_the_demo_years_status_panel_shows_their_history(client):
    """The 2018 year page's status panel lists the moves with who made them, instead of
    "No step recorded yet"; the admins' audit trail lists them too."""
    call_command("setup_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(email="lead@demo.test"))
    page = client.get(reverse("org:year", args=["demo", 2018])).content.decode()
    assert "No step recorded yet" not in page
    assert "What has happened to 2018 (2 steps)" in page
    assert "Submitted for review" in page and "Review started" in page
    assert "31 October 2018" in page and "Lee Lead" in page and "Ash Assessor" in page
    page = client.get(reverse("org:year", args=["demo", 2015])).content.decode()
    assert "What has happened to 2015 (3 steps)" in page and "Finalised" in page
    client.force_login(User.objects.get(email="admin@demo.test"))
    log = client.get(reverse("org:audit-log", args=["demo"]), {"year": "2018", "kind": "workflow"})
    assert log.status_code == 200
    log = log.content.decode()
    assert "Submitted for review" in log


def test_setup_demo_puts_the_open_year_back_in_review_once_finalised_by_hand():
    """The open year finalised by someone trying the demo is reopened (an event that says
    why) when the demo is set up again; past years are left as they are."""
    from assessments import workflow

    call_command("setup_demo", stdout=io.StringIO())
    year = Assessment.objects.get(organisation__slug="demo", year=2018)
    for item in pre_finalise_check(year):
        if item.blocking:
            result = ElementResult.objects.get(assessment=year, element__ref=item.ref)
            result.comment = "Seen."
            result.save()
    workflow.finalise(year, acting_user=None)
    call_command("setup_demo", stdout=io.StringIO())
    year.refresh_from_db()
    assert year.status == "assessor_review"
    assert events("demo", 2017) == [SUBMITTED, REVIEWED, FINALISED]
    assert AssessmentEvent.objects.filter(assessment=year).last().note == (
        "The demo's open year is back in review."
    )


def test_the_demo_quality_lead_self_assessed_each_year_before_submitting():
    """Every element the chart rates is self-rated (as the assessor rated it the year before),
    through the grid's service: the 2018 progress and readiness figures are not zero."""
    call_command("setup_demo", stdout=io.StringIO())
    results = ElementResult.objects.filter(assessment__organisation__slug="demo")
    for year in (2014, 2015, 2016, 2017):  # (the assessor rated a few more at the visit)
        assert results.filter(assessment__year=year).exclude(self_rating="").count() >= 50
    rated = results.filter(assessment__year=2018).exclude(rating="")
    assert rated.count() >= 57
    assert not rated.filter(self_rating="").exists()
    element = results.get(assessment__year=2018, element__ref="1.1.1")
    before = results.get(assessment__year=2017, element__ref="1.1.1")
    assert element.self_rating == before.rating
    saved = element.history.exclude(self_rating="").order_by("history_id").first()
    assert saved.history_user.email == "lead@demo.test"
    assert saved.history_date.year == 2018
