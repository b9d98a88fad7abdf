"""Evidence actions (evidence.services): files, links, notes, versions, deletion with a
history record, and the links between items and elements."""

import hashlib
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from assessments.models import Assessment
from assessments.services import YearLocked
from evidence import services
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from organisations.models import Role
from tests.evidence import samples
from tests.factories import (
    AssessmentFactory,
    ElementFactory,
    EvidenceFactory,
    EvidenceLinkFactory,
    FileEvidenceFactory,
)

pytestmark = pytest.mark.django_db


def checked(name="Complaints policy 2024.pdf", data=samples.PDF):
    return services.check_upload(samples.upload(name, data))


def stored_bytes(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


# --- files -------------------------------------------------------------------------------------


def test_add_file_records_hash_size_type_and_owner(org, lead):
    item = services.add_file(org, checked(), acting_user=lead)
    item.refresh_from_db()
    assert item.kind == Evidence.Kind.FILE
    assert item.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert item.size == len(samples.PDF)
    assert item.content_type == "application/pdf"
    assert item.original_filename == "Complaints policy 2024.pdf"
    assert item.title == "Complaints policy 2024"
    assert item.owner == lead  # the uploader owns it unless told otherwise
    assert item.created_by == item.file_uploaded_by == lead
    assert item.file_uploaded_at is not None
    assert stored_bytes(item.file) == samples.PDF


def test_the_stored_name_never_contains_the_uploaded_name(org, lead):
    item = services.add_file(org, checked("../../etc/evil name.pdf"), acting_user=lead)
    assert item.file.name.startswith(f"evidence/{org.pk}/")
    assert "evil" not in item.file.name and ".." not in item.file.name
    assert item.original_filename == "evil name.pdf"


def test_add_file_takes_details(org, lead, member_of):
    owner = member_of(org, Role.ADMIN)
    item = services.add_file(org, checked(), acting_user=lead, title="Policy", owner=owner)
    assert (item.title, item.owner) == ("Policy", owner)


def test_the_same_file_twice_in_one_org_is_a_duplicate(org, lead):
    first = services.add_file(org, checked("a.pdf"), acting_user=lead)
    with pytest.raises(services.DuplicateFile) as duplicate:
        services.add_file(org, checked("copy of a.pdf"), acting_user=lead)
    assert duplicate.value.existing == first
    assert "“copy of a.pdf” is already in the library as “a”" in str(duplicate.value)
    assert Evidence.objects.for_org(org).count() == 1


def test_another_org_may_hold_the_same_file(org, other_org, lead, outsider):
    mine = services.add_file(org, checked(), acting_user=lead)
    theirs = services.add_file(other_org, checked(), acting_user=outsider)
    assert mine.sha256 == theirs.sha256
    assert mine.file.name != theirs.file.name


def test_owner_must_be_a_member(org, lead, outsider):
    with pytest.raises(ValidationError) as error:
        services.add_file(org, checked(), acting_user=lead, owner=outsider)
    assert "member of this organisation" in str(error.value.message_dict["owner"])
    assert not Evidence.objects.exists()


# --- links and notes ---------------------------------------------------------------------------


def test_add_link(org, lead):
    item = services.add_link(
        org, "https://intranet.example.org/policy", acting_user=lead, title="Policy"
    )
    assert (item.kind, item.url, item.owner) == (Evidence.Kind.LINK, item.url, lead)
    assert item.history.first().history_user == lead


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "needs its address"),
        ("   ", "needs its address"),
        ("javascript:alert(1)", "https://"),
        ("ftp://files.example.org/a.pdf", "https://"),
        ("not a url", "https://"),
        ("https://", "Enter a valid URL"),
    ],
)
def test_add_link_needs_a_web_address(org, lead, url, message):
    with pytest.raises(ValidationError) as error:
        services.add_link(org, url, acting_user=lead, title="Policy")
    assert message in " ".join(error.value.message_dict["url"])
    assert not Evidence.objects.exists()


def test_add_link_needs_a_title(org, lead):
    with pytest.raises(ValidationError) as error:
        services.add_link(org, "https://example.org/", acting_user=lead, title="  ")
    assert error.value.message_dict["title"] == ["Give the item a title."]


def test_add_note(org, lead):
    item = services.add_note(
        org, "We phone back within a day.", acting_user=lead, title="Call-backs"
    )
    assert (item.kind, item.body) == (Evidence.Kind.NOTE, "We phone back within a day.")


def test_add_note_needs_its_text(org, lead):
    with pytest.raises(ValidationError) as error:
        services.add_note(org, "  ", acting_user=lead, title="Call-backs")
    assert "body" in error.value.message_dict


def test_unknown_details_are_a_programming_error(org, lead):
    with pytest.raises(TypeError):
        services.add_note(org, "x", acting_user=lead, title="t", organisation=org)


# --- changing ----------------------------------------------------------------------------------


def test_update_details_keeps_a_history_with_the_user(org, lead, member_of):
    admin = member_of(org, Role.ADMIN)
    item = services.add_link(org, "https://example.org/a", acting_user=lead, title="Old")
    services.update_details(item, acting_user=admin, title="New", owner=admin, description="Better")
    item.refresh_from_db()
    assert (item.title, item.owner, item.description) == ("New", admin, "Better")
    latest = item.history.first()
    assert (latest.title, latest.history_user) == ("New", admin)


def test_update_details_owner_must_be_a_member(org, lead, outsider):
    item = services.add_note(org, "text", acting_user=lead, title="Note")
    with pytest.raises(ValidationError):
        services.update_details(item, acting_user=lead, owner=outsider)
    item.refresh_from_db()
    assert item.owner == lead


def test_update_details_validates_like_adding(org, lead):
    item = services.add_link(org, "https://example.org/a", acting_user=lead, title="Link")
    with pytest.raises(ValidationError) as error:
        services.update_details(item, acting_user=lead, url="javascript:alert(1)")
    assert "url" in error.value.message_dict
    item.refresh_from_db()
    assert item.url == "https://example.org/a"


def test_replace_file_keeps_the_old_file_as_a_version(org, lead, member_of):
    admin = member_of(org, Role.ADMIN)
    item = services.add_file(org, checked("policy v1.pdf"), acting_user=lead)
    old_name, old_sha = item.file.name, item.sha256
    new_data = samples.unique_pdf(2)
    services.replace_file(item, checked("policy v2.pdf", new_data), acting_user=admin)
    item.refresh_from_db()
    assert (item.original_filename, item.file_uploaded_by) == ("policy v2.pdf", admin)
    assert item.sha256 == hashlib.sha256(new_data).hexdigest()
    assert stored_bytes(item.file) == new_data
    [version] = item.versions.all()
    assert (version.original_filename, version.sha256, version.file.name) == (
        "policy v1.pdf",
        old_sha,
        old_name,
    )
    assert version.uploaded_by == lead
    assert stored_bytes(version.file) == samples.PDF


def test_replace_with_the_same_file_or_another_items_file_is_refused(org, lead):
    item = services.add_file(org, checked("a.pdf"), acting_user=lead)
    other = services.add_file(org, checked("b.pdf", samples.unique_pdf(1)), acting_user=lead)
    with pytest.raises(services.UploadRejected, match="same file as the current one"):
        services.replace_file(item, checked("a again.pdf"), acting_user=lead)
    with pytest.raises(services.DuplicateFile) as duplicate:
        services.replace_file(item, checked("b.pdf", samples.unique_pdf(1)), acting_user=lead)
    assert duplicate.value.existing == other
    assert not EvidenceVersion.objects.exists()


def test_only_a_file_item_has_its_file_replaced(org, lead):
    note = services.add_note(org, "text", acting_user=lead, title="Note")
    with pytest.raises(services.UploadRejected):
        services.replace_file(note, checked(), acting_user=lead)


# --- deleting ----------------------------------------------------------------------------------


def test_delete_removes_links_and_files_and_keeps_a_history_record(
    org, lead, django_capture_on_commit_callbacks
):
    item = services.add_file(org, checked("v1.pdf"), acting_user=lead)
    services.replace_file(item, checked("v2.pdf", samples.unique_pdf(2)), acting_user=lead)
    names = [item.file.name, item.versions.get().file.name]
    link = EvidenceLinkFactory(evidence=item)
    pk = item.pk
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(item, acting_user=lead)

    assert not Evidence.objects.filter(pk=pk).exists()
    assert not EvidenceLink.objects.filter(pk=link.pk).exists()
    assert not EvidenceVersion.objects.filter(evidence_id=pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    deleted = Evidence.history.filter(id=pk, history_type="-").get()
    assert (deleted.original_filename, deleted.history_user) == ("v2.pdf", lead)
    assert EvidenceLink.history.filter(id=link.pk, history_type="-").get().history_user == lead


def test_delete_of_a_link_item(org, lead, django_capture_on_commit_callbacks):
    item = EvidenceFactory(organisation=org)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(item, acting_user=lead)
    assert not Evidence.objects.exists()


# --- links to elements -------------------------------------------------------------------------


@pytest.fixture
def element():
    return ElementFactory(ref="1.1.1")


@pytest.fixture
def year(org, element):
    return AssessmentFactory(organisation=org, standard=element.standard, year=2024)


def test_link_unlink_and_link_again(org, lead, element, year):
    item = EvidenceFactory(organisation=org)
    made, created = services.link(item, year, element, acting_user=lead, note="Shows the profile")
    assert (made.note, made.created_by, made.carried_forward) == ("Shows the profile", lead, False)
    assert created
    again, created = services.link(item, year, element, acting_user=lead, note="Updated")
    assert again.pk == made.pk and again.note == "Updated" and not created
    services.unlink(again, acting_user=lead)
    assert not EvidenceLink.objects.exists()
    assert EvidenceLink.history.filter(history_type="-").get().history_user == lead


def test_confirm_a_carried_forward_link(org, lead, element, year):
    link = EvidenceLinkFactory(
        evidence=EvidenceFactory(organisation=org),
        assessment=year,
        element=element,
        carried_forward=True,
    )
    assert link.needs_confirmation
    services.confirm_link(link, acting_user=lead)
    link.refresh_from_db()
    assert link.confirmed_by == lead and link.confirmed_at is not None
    assert not link.needs_confirmation


def test_linking_again_confirms_a_carried_forward_link(org, lead, element, year):
    item = EvidenceFactory(organisation=org)
    EvidenceLinkFactory(evidence=item, assessment=year, element=element, carried_forward=True)
    link, created = services.link(item, year, element, acting_user=lead)
    assert not link.needs_confirmation and not created


def test_a_finalised_year_is_read_only(org, lead, element, year):
    item = EvidenceFactory(organisation=org)
    link, _ = services.link(item, year, element, acting_user=lead)
    year.status = Assessment.Status.FINALISED
    year.save()
    with pytest.raises(YearLocked):
        services.link(EvidenceFactory(organisation=org), year, element, acting_user=lead)
    with pytest.raises(YearLocked):
        services.unlink(link, acting_user=lead)
    with pytest.raises(YearLocked):
        services.confirm_link(link, acting_user=lead)
    with pytest.raises(YearLocked):
        services.update_link_note(link, "new", acting_user=lead)


def test_linking_across_organisations_is_refused(org, other_org, lead, element, year):
    theirs = EvidenceFactory(organisation=other_org)
    with pytest.raises(PermissionDenied):
        services.link(theirs, year, element, acting_user=lead)
    assert not EvidenceLink.objects.exists()


def test_an_element_of_another_standard_is_refused(org, lead, year):
    with pytest.raises(ValidationError):
        services.link(EvidenceFactory(organisation=org), year, ElementFactory(), acting_user=lead)


def test_file_factory_stores_a_file(org):
    item = FileEvidenceFactory(organisation=org)
    assert stored_bytes(item.file).startswith(b"%PDF")


# --- uploads: one service adds a request's files to a target ----------------------------------


def test_add_uploaded_files_answers_each_file_in_order(org, lead):
    services.add_file(org, checked("old.pdf"), acting_user=lead)
    files = [
        samples.upload("photo.png", samples.png()),
        samples.upload("again.pdf", samples.PDF),
        samples.upload("setup.pdf", samples.EXE),
    ]
    results = services.add_uploaded_files(org, files, acting_user=lead)
    assert [r.status for r in results] == ["created", "duplicate", "refused"]
    assert results[0].item == Evidence.objects.get(title="photo")
    assert results[0].message == "“photo.png” was added as “photo”."
    assert results[1].item == Evidence.objects.get(title="old")
    assert "“setup.pdf” is a Windows program" in results[2].message
    assert results[2].item is None


def test_add_uploaded_files_links_each_to_the_target_with_the_dates(org, lead):
    element = ElementFactory(ref="1.1.1")
    year = AssessmentFactory(organisation=org, standard=element.standard, year=2018)
    day = date(2025, 3, 31)
    files = [samples.upload("a.pdf", samples.PDF), samples.upload("b.pdf", samples.unique_pdf(2))]
    results = services.add_uploaded_files(
        org, files, acting_user=lead, year=2018, ref="1.1.1", evidence_date=day, review_by=None
    )
    assert [r.message for r in results] == [
        "“a.pdf” was added as “a”, linked to 1.1.1 in 2018.",
        "“b.pdf” was added as “b”, linked to 1.1.1 in 2018.",
    ]
    for result in results:
        link = EvidenceLink.objects.get(evidence=result.item)
        assert (link.assessment, link.element, link.created_by) == (year, element, lead)
        assert result.item.evidence_date == day and result.item.review_by is None


@pytest.mark.parametrize(
    ("year", "ref", "message"),
    [
        (2018, "", "To link the files, give both a year and an element."),
        (None, "1.1.1", "To link the files, give both a year and an element."),
        (2031, "1.1.1", "There is no 2031 assessment to link the files to."),
        (2018, "9.9.9", "Element 9.9.9 is not part of the standard of 2018."),
    ],
)
def test_an_unusable_target_refuses_the_whole_upload_once(org, lead, year, ref, message):
    element = ElementFactory(ref="1.1.1")
    AssessmentFactory(organisation=org, standard=element.standard, year=2018)
    files = [samples.upload("a.pdf", samples.PDF), samples.upload("b.png", samples.png())]
    results = services.add_uploaded_files(org, files, acting_user=lead, year=year, ref=ref)
    assert [(r.status, r.message) for r in results] == [("refused", message)]
    assert not Evidence.objects.exists()


def test_a_year_finalised_meanwhile_refuses_each_file_and_stores_nothing(
    org, lead, monkeypatch, media_root
):
    """The target was read open; link() asks check_open again, under its lock."""
    element = ElementFactory(ref="1.1.1")
    year = AssessmentFactory(organisation=org, standard=element.standard, year=2018)
    real_target = services._upload_target

    def finalised_after_reading(*args):
        target = real_target(*args)
        Assessment.objects.filter(pk=year.pk).update(status=Assessment.Status.FINALISED)
        return target

    monkeypatch.setattr(services, "_upload_target", finalised_after_reading)
    results = services.add_uploaded_files(
        org, [samples.upload("a.pdf", samples.PDF)], acting_user=lead, year=2018, ref="1.1.1"
    )
    assert [(r.status, r.message) for r in results] == [
        ("refused", "“a.pdf”: 2018 is finalised: its record can no longer be changed.")
    ]
    assert not Evidence.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_no_files_is_refused(org, lead):
    results = services.add_uploaded_files(org, [], acting_user=lead)
    assert [(r.status, r.message) for r in results] == [
        ("refused", "Choose at least one file to upload.")
    ]


def test_add_uploaded_files_takes_acting_user_by_keyword_only(org, lead):
    with pytest.raises(TypeError):
        services.add_uploaded_files(org, [], lead)
