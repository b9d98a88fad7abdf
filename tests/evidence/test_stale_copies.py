"""Saves that meet, of a link or of an item: each service locks the row and reads it again, and
writes only what it changes, so a save from a copy read before another save never writes back
that copy's old values (a note save an old confirmation, a re-confirmation an old note, a
details save an old file, a new file old details), and a row removed meanwhile is never
inserted again."""

import pytest
from django.core.exceptions import ValidationError

from evidence import services
from evidence.models import Evidence, EvidenceLink
from standards.models import Element
from tests.evidence import samples
from tests.factories import AssessmentFactory, EvidenceFactory, EvidenceLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carried(org, cse_standard):
    year = AssessmentFactory(organisation=org, standard=cse_standard, year=2019)
    return EvidenceLinkFactory(
        evidence=EvidenceFactory(organisation=org),
        assessment=year,
        element=Element.objects.get(standard=cse_standard, ref="1.1.1"),
        note="Carried note",
        carried_forward=True,
    )


def copy_of(link: EvidenceLink) -> EvidenceLink:
    """What a page read before the other save: a copy of the row as it was."""
    return EvidenceLink.objects.select_related("assessment").get(pk=link.pk)


def latest_history(link: EvidenceLink):
    return EvidenceLink.history.filter(id=link.pk).order_by("-history_id").first()


def test_a_note_saved_from_an_older_copy_keeps_the_confirmation(carried, lead):
    note_page, confirm_page = copy_of(carried), copy_of(carried)
    services.confirm_link(confirm_page, acting_user=lead)
    services.update_link_note(note_page, "Shows the 2019 profile", acting_user=lead)
    stored = copy_of(carried)
    assert stored.note == "Shows the 2019 profile"
    assert stored.confirmed_at is not None and stored.confirmed_by == lead
    assert latest_history(carried).confirmed_at == stored.confirmed_at
    # The caller's copy now shows what is stored.
    assert note_page.confirmed_at == stored.confirmed_at and not note_page.needs_confirmation


def test_a_confirmation_from_an_older_copy_keeps_the_note(carried, lead):
    note_page, confirm_page = copy_of(carried), copy_of(carried)
    services.update_link_note(note_page, "Written meanwhile", acting_user=lead)
    services.confirm_link(confirm_page, acting_user=lead)
    stored = copy_of(carried)
    assert (stored.note, stored.needs_confirmation) == ("Written meanwhile", False)
    assert latest_history(carried).note == "Written meanwhile"
    assert confirm_page.note == "Written meanwhile"


def test_linking_again_from_an_older_copy_keeps_the_note(carried, lead):
    note_page = copy_of(carried)
    services.update_link_note(note_page, "Written meanwhile", acting_user=lead)
    link, created = services.link(
        carried.evidence, carried.assessment, carried.element, acting_user=lead
    )
    assert not created and link.note == "Written meanwhile" and not link.needs_confirmation
    assert copy_of(carried).note == "Written meanwhile"


def test_a_save_that_changes_nothing_writes_no_history(carried, lead):
    services.confirm_link(copy_of(carried), acting_user=lead)
    rows = EvidenceLink.history.filter(id=carried.pk).count()
    services.confirm_link(copy_of(carried), acting_user=lead)
    services.update_link_note(copy_of(carried), "Carried note", acting_user=lead)
    assert EvidenceLink.history.filter(id=carried.pk).count() == rows


def test_a_link_removed_meanwhile_is_not_written_back(carried, lead):
    note_page, confirm_page, other_tab = copy_of(carried), copy_of(carried), copy_of(carried)
    assert services.unlink(copy_of(carried), acting_user=lead)
    with pytest.raises(services.LinkRemoved):
        services.update_link_note(note_page, "Too late", acting_user=lead)
    with pytest.raises(services.LinkRemoved):
        services.confirm_link(confirm_page, acting_user=lead)
    assert not services.unlink(other_tab, acting_user=lead)  # gone already: no second delete
    assert not EvidenceLink.objects.filter(pk=carried.pk).exists()
    assert EvidenceLink.history.filter(id=carried.pk, history_type="-").count() == 1


# --- items -----------------------------------------------------------------------------------


@pytest.fixture
def file_item(org, lead):
    checked = services.check_upload(samples.upload("Policy v1.pdf", samples.PDF))
    return services.add_file(org, checked, acting_user=lead, title="Complaints policy")


def item_copy(item: Evidence) -> Evidence:
    return Evidence.objects.select_related("organisation").get(pk=item.pk)


def test_details_saved_from_an_older_copy_keep_the_new_file(file_item, lead):
    edit_page = item_copy(file_item)
    new = services.check_upload(samples.upload("Policy v2.pdf", samples.unique_pdf(2)))
    services.replace_file(item_copy(file_item), new, acting_user=lead)
    services.update_details(edit_page, acting_user=lead, title="Complaints policy 2019")
    stored = item_copy(file_item)
    assert stored.title == "Complaints policy 2019"
    assert (stored.original_filename, stored.sha256) == ("Policy v2.pdf", new.sha256)
    assert stored.file.name != file_item.file.name and stored.versions.count() == 1
    assert edit_page.sha256 == new.sha256  # the caller's copy shows what is stored


def test_a_file_replaced_from_an_older_copy_keeps_the_new_details(file_item, lead):
    replace_page = item_copy(file_item)
    services.update_details(item_copy(file_item), acting_user=lead, title="Renamed meanwhile")
    new = services.check_upload(samples.upload("Policy v2.pdf", samples.unique_pdf(2)))
    services.replace_file(replace_page, new, acting_user=lead)
    stored = item_copy(file_item)
    assert (stored.title, stored.sha256) == ("Renamed meanwhile", new.sha256)
    assert Evidence.history.filter(id=file_item.pk).first().title == "Renamed meanwhile"


def test_an_item_deleted_meanwhile_is_not_saved_again(file_item, lead):
    edit_page, replace_page = item_copy(file_item), item_copy(file_item)
    services.delete_evidence(item_copy(file_item), acting_user=lead)
    with pytest.raises(ValidationError, match="deleted meanwhile"):
        services.update_details(edit_page, acting_user=lead, title="Too late")
    new = services.check_upload(samples.upload("Policy v2.pdf", samples.unique_pdf(2)))
    with pytest.raises(services.UploadRejected, match="deleted meanwhile"):
        services.replace_file(replace_page, new, acting_user=lead)
    assert not Evidence.objects.filter(pk=file_item.pk).exists()
