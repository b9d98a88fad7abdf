"""Downloads: attachments with a safe name and type, never for the governing body."""

import pytest

from evidence import services
from tests.evidence import samples
from tests.evidence.pages.support import url
from tests.factories import (
    EvidenceFactory,
)

pytestmark = pytest.mark.django_db


# --- downloads ---------------------------------------------------------------------------------


def test_download_headers(client, org, lead):
    item = services.add_file(
        org,
        services.check_upload(samples.upload('../../etc/passwd"; x.pdf', samples.PDF)),
        acting_user=lead,
    )
    client.force_login(lead)
    response = client.get(url("evidence-download", org, item.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="passwd; x.pdf"'
    assert "/" not in disposition and ".." not in disposition


def test_a_download_name_always_ends_with_the_real_type(client, org, lead):
    item = services.add_file(
        org, services.check_upload(samples.upload("minutes.html", samples.PDF)), acting_user=lead
    )
    client.force_login(lead)
    response = client.get(url("evidence-download", org, item.pk))
    assert response["Content-Disposition"] == 'attachment; filename="minutes.html.pdf"'


def test_a_non_ascii_name_is_encoded(client, org, lead):
    item = services.add_file(
        org,
        services.check_upload(samples.upload("Résumé – été.pdf", samples.PDF)),
        acting_user=lead,
    )
    client.force_login(lead)
    response = client.get(url("evidence-download", org, item.pk))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%80%93%20%C3%A9t%C3%A9.pdf"
    )


def test_version_download(client, org, assessor, item, version):
    client.force_login(assessor)
    response = client.get(url("evidence-version-download", org, item.pk, version.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Disposition"] == 'attachment; filename="policy v1.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_link_or_note_has_nothing_to_download(client, org, lead):
    client.force_login(lead)
    for kind in ["link", "note"]:
        other = EvidenceFactory(organisation=org, kind=kind)
        assert client.get(url("evidence-download", org, other.pk)).status_code == 404


def test_a_file_missing_from_storage_is_404(client, org, lead, item):
    item.file.storage.delete(item.file.name)
    client.force_login(lead)
    assert client.get(url("evidence-download", org, item.pk)).status_code == 404


def test_the_board_gets_403_on_download(client, org, board, item, version):
    client.force_login(board)
    assert client.get(url("evidence-download", org, item.pk)).status_code == 403
    path = url("evidence-version-download", org, item.pk, version.pk)
    assert client.get(path).status_code == 403
