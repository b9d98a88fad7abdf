"""A request that fails stores nothing: every way a file is stored removes it again when the
transaction that would have recorded it rolls back."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.urls import reverse

from evidence import services
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from tests.evidence import samples
from tests.factories import AssessmentFactory, ElementFactory

pytestmark = pytest.mark.django_db


def stored_files(media_root) -> set[str]:
    root = Path(media_root)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def checked(name="policy.pdf", data=samples.PDF):
    return services.check_upload(samples.upload(name, data))


def fail_on_save(monkeypatch, model):
    """The row's save fails after the file has been stored (a lost connection, a DataError)."""

    def broken_save(self, *args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(model, "save", broken_save)


def test_add_file_whose_row_fails_leaves_no_file(org, lead, media_root, monkeypatch):
    fail_on_save(monkeypatch, Evidence)
    with pytest.raises(DatabaseError):
        services.add_file(org, checked(), acting_user=lead)
    assert stored_files(media_root) == set()


def test_a_duplicate_caught_by_the_unique_constraint_leaves_no_file(
    org, lead, media_root, monkeypatch
):
    first = services.add_file(org, checked("a.pdf"), acting_user=lead)
    before = stored_files(media_root)
    # Someone else's upload of the same bytes committed between the check and the insert.
    real_find_duplicate = services.find_duplicate
    calls = []

    def misses_once(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_find_duplicate(*args)

    monkeypatch.setattr(services, "find_duplicate", misses_once)
    with pytest.raises(services.DuplicateFile):
        services.add_file(org, checked("b.pdf"), acting_user=lead)
    assert stored_files(media_root) == before == {first.file.name}


def test_replace_file_whose_row_fails_keeps_only_the_old_file(org, lead, media_root, monkeypatch):
    item = services.add_file(org, checked("v1.pdf"), acting_user=lead)
    before = stored_files(media_root)
    fail_on_save(monkeypatch, Evidence)
    with pytest.raises(DatabaseError):
        services.replace_file(item, checked("v2.pdf", samples.unique_pdf(2)), acting_user=lead)
    assert stored_files(media_root) == before
    assert not EvidenceVersion.objects.exists()


def test_a_rollback_after_the_service_returned_removes_the_file(org, lead, media_root):
    with pytest.raises(RuntimeError), services.storing_files():
        services.add_file(org, checked(), acting_user=lead)
        assert len(stored_files(media_root)) == 1  # stored, not yet committed
        raise RuntimeError("a later step of the same request failed")
    assert stored_files(media_root) == set()
    assert not Evidence.objects.exists()


def test_a_rolled_back_inner_block_removes_only_its_own_file(org, lead, media_root):
    with services.storing_files():
        kept = services.add_file(org, checked("kept.pdf"), acting_user=lead)
        with pytest.raises(RuntimeError), services.storing_files():
            services.add_file(org, checked("lost.pdf", samples.unique_pdf(2)), acting_user=lead)
            raise RuntimeError("the inner step failed")
    assert stored_files(media_root) == {kept.file.name}


def test_storing_a_file_outside_a_tracked_block_is_a_programming_error(org, media_root):
    item = Evidence(organisation=org, kind=Evidence.Kind.FILE, title="x")
    with pytest.raises(RuntimeError, match="storing_files"):
        services.store_file(item.file, "x.pdf", samples.upload("x.pdf", samples.PDF))
    assert stored_files(media_root) == set()


def test_an_upload_whose_link_fails_leaves_no_file_and_no_item(
    client, org, lead, media_root, monkeypatch
):
    element = ElementFactory(ref="1.1.1")
    AssessmentFactory(organisation=org, standard=element.standard, year=2018)

    def refuse(*args, **kwargs):
        raise PermissionDenied("2018 was finalised a moment ago.")

    monkeypatch.setattr(services, "link", refuse)
    client.force_login(lead)
    response = client.post(
        reverse("org:evidence-upload", args=[org.slug]),
        {"files": samples.upload("a.pdf", samples.PDF), "year": "2018", "ref": "1.1.1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "2018 was finalised a moment ago" in json.loads(response.content)["message"]
    assert stored_files(media_root) == set()
    assert not Evidence.objects.exists() and not EvidenceLink.objects.exists()


def test_an_upload_whose_row_fails_leaves_no_file(client, org, lead, media_root, monkeypatch):
    fail_on_save(monkeypatch, Evidence)
    client.force_login(lead)
    client.raise_request_exception = False
    response = client.post(
        reverse("org:evidence-upload", args=[org.slug]),
        {"files": samples.upload("a.pdf", samples.PDF)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 500
    assert stored_files(media_root) == set()


def test_a_replace_whose_row_fails_leaves_only_the_old_file(
    client, org, lead, media_root, monkeypatch
):
    item = services.add_file(org, checked("v1.pdf"), acting_user=lead)
    before = stored_files(media_root)
    fail_on_save(monkeypatch, Evidence)
    client.force_login(lead)
    client.raise_request_exception = False
    response = client.post(
        reverse("org:evidence-replace", args=[org.slug, item.pk]),
        {"file": samples.upload("v2.pdf", samples.unique_pdf(2))},
    )
    assert response.status_code == 500
    assert stored_files(media_root) == before
