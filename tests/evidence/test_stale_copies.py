"""Saves of a link that meet: each service locks the link and reads it again, and writes only
what it changes, so a save from a copy read before another save never writes back that
copy's old values (a note save an old confirmation, a re-confirmation an old note), and a link
removed meanwhile is never inserted again."""

import pytest

from evidence import services
from evidence.models import EvidenceLink
from standards.models import Element
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
