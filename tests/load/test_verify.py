"""The load run's check finds a lost write: bench/load/djangoside.verify, run here on the test
database (the organisation's slug pointed at ``seeded``'s)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from bench.load import djangoside
from evidence import services as evidence_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def verify(seeded, monkeypatch):
    monkeypatch.setattr(djangoside, "ORG", seeded.slug)

    def check(writes=(), uploads=(), stored=None) -> list[dict]:
        answer = djangoside.verify(
            {"writes": list(writes), "uploads": list(uploads), "stored": stored or {}}
        )
        assert answer["checked"] == sum(w["accepted"] for s in writes for w in s["writes"]) + len(
            uploads
        )
        return answer["lost"]

    return check


def series(lead, *writes, ref="1.1.1") -> dict:
    return {
        "email": lead.email, "ref": ref, "group": "self",
        "writes": [{"fields": fields, "accepted": accepted} for fields, accepted in writes],
    }  # fmt: skip


def test_writes_made_in_order_are_found(verify, lead, result):
    services.set_self_assessment(result, acting_user=lead, self_rating="PC")
    services.set_self_assessment(result, acting_user=lead, self_rating="NC", self_notes="n2")
    assert (
        verify(
            [
                series(
                    lead,
                    ({"self_rating": "PC"}, True),
                    ({"self_rating": "NC", "self_notes": "n2"}, True),
                )
            ]
        )
        == []
    )


def test_an_accepted_write_that_is_not_stored_is_lost(verify, lead, result):
    services.set_self_assessment(result, acting_user=lead, self_rating="PC")
    lost = verify([series(lead, ({"self_rating": "PC"}, True), ({"self_rating": "CP"}, True))])
    assert [entry["why"] for entry in lost] == [
        "no history row of this change",
        "the stored row holds {'self_rating': 'PC'}",
    ]


def test_an_accepted_write_of_the_value_already_stored_is_not_lost(verify, lead, result):
    """PC accepted; NC refused by the fault before it was stored; PC again (the writer only
    avoids the value it sent last) is accepted and changes nothing, so it has no history row
    of its own: its value is what is stored. Seen once with PostgreSQL restarted under load."""
    services.set_self_assessment(result, acting_user=lead, self_rating="PC")
    writes = (
        ({"self_rating": "PC"}, True),
        ({"self_rating": "NC"}, False),
        ({"self_rating": "PC"}, True),
    )
    assert verify([series(lead, *writes)]) == []
    # But a write of another value than the one stored is still lost.
    writes = (
        ({"self_rating": "PC"}, True),
        ({"self_rating": "NC"}, False),
        ({"self_rating": "C"}, True),
    )
    assert [e["why"] for e in verify([series(lead, *writes)])] == [
        "no history row of this change",
        "the stored row holds {'self_rating': 'PC'}",
    ]


def test_an_accepted_write_of_the_value_stored_before_the_run_is_not_lost(verify, lead, result):
    """The demo's lead self-assessed the year before the run: NC refused by the fault before
    it was stored, then C (the value stored before the run) accepted, changing nothing. Seen
    with PostgreSQL restarted under load once the demo self-assessed."""
    type(result).objects.filter(pk=result.pk).update(self_rating="C")  # (by the demo's lead)
    stored = {"1.1.1": {"self": "C", "mark": "CP"}}
    writes = (({"self_rating": "NC"}, False), ({"self_rating": "C"}, True))
    assert verify([series(lead, *writes)], stored=stored) == []
    # Another value than the one stored before, with no history row: lost.
    writes = (({"self_rating": "NC"}, False), ({"self_rating": "PC"}, True))
    assert "no history row of this change" in [
        e["why"] for e in verify([series(lead, *writes)], stored=stored)
    ]


def test_a_write_that_changed_nothing_does_not_take_a_later_writes_row(verify, lead, result):
    """Seen with PostgreSQL restarted under load: C stored before the run; CP refused; C
    accepted (nothing changed, no row); PC with notes accepted (a row); C accepted (a row).
    The first C must not be matched with the last one's row, which left PC's without one."""
    type(result).objects.filter(pk=result.pk).update(self_rating="C")  # (by the demo's lead)
    services.set_self_assessment(result, acting_user=lead, self_rating="PC", self_notes="#74")
    services.set_self_assessment(result, acting_user=lead, self_rating="C")
    writes = (
        ({"self_rating": "CP"}, False),
        ({"self_rating": "C"}, True),
        ({"self_rating": "PC", "self_notes": "#74"}, True),
        ({"self_rating": "C"}, True),
    )
    assert verify([series(lead, *writes)], stored={"1.1.1": {"self": "C", "mark": ""}}) == []


def test_writes_out_of_order_are_lost(verify, lead, result):
    services.set_self_assessment(result, acting_user=lead, self_rating="NC")
    services.set_self_assessment(result, acting_user=lead, self_rating="PC")
    lost = verify([series(lead, ({"self_rating": "PC"}, True), ({"self_rating": "NC"}, True))])
    assert len(lost) == 2  # NC's row comes before PC's; the stored value is PC


def test_a_later_write_not_accepted_may_be_the_stored_one(verify, lead, result):
    services.set_self_assessment(result, acting_user=lead, self_rating="PC")
    services.set_self_assessment(result, acting_user=lead, self_rating="NC")
    assert (
        verify([series(lead, ({"self_rating": "PC"}, True), ({"self_rating": "NC"}, False))]) == []
    )
    # …but one not accepted and not stored is no loss either.
    assert (
        verify([series(lead, ({"self_rating": "NC"}, True), ({"self_rating": "C"}, False))]) == []
    )


def test_uploads_are_checked_by_their_bytes_and_link(
    verify, seeded, lead, y2018, settings, tmp_path
):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }}  # fmt: skip
    content = b"Minutes of the board, for the load check.\n" * 3
    [added] = evidence_services.add_uploaded_files(
        seeded, [SimpleUploadedFile("minutes.txt", content, "text/plain")],
        acting_user=lead, year=2018, ref="1.1.1",
    )  # fmt: skip
    upload = {"id": added.item.pk, "ref": "1.1.1", "content": content.hex()}
    assert verify(uploads=[upload]) == []
    assert [e["why"] for e in verify(uploads=[{**upload, "content": b"other".hex()}])][
        0
    ].startswith("stored bytes differ")
    assert verify(uploads=[{**upload, "ref": "1.1.2"}])[0]["why"] == "not linked to 1.1.2"
    assert verify(uploads=[{**upload, "id": added.item.pk + 1000}])[0]["why"] == (
        "no evidence item with a file"
    )
