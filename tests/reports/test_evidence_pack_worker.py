"""An evidence pack made by a real Celery worker process (tests/worker.py) on the test
database: the pack asked for is built, stored and marked done, and its ZIP holds the year's
index, the linked file and a manifest that matches. Needs a database the worker can share
(PostgreSQL; in CI with Redis as the broker)."""

import hashlib
import io
import zipfile

from django.core.files.base import ContentFile

from reports import jobs
from reports.models import EvidencePack
from standards.models import Element
from tests.factories import EvidenceLinkFactory, FileEvidenceFactory
from tests.worker import SHARED_DATABASE, wait_for_status

pytestmark = SHARED_DATABASE

Status = EvidencePack.Status
POLICY = b"%PDF-1.7\nThe complaints policy, made by the worker test.\n%%EOF\n"


def test_a_worker_builds_a_requested_pack(celery_worker_process, y2018, lead):
    # The worker reads files from the same storage as this process (the default MEDIA_ROOT).
    item = FileEvidenceFactory(
        organisation=y2018.organisation,
        created_by=lead,
        title="Complaints policy",
        file=ContentFile(POLICY, name="stored"),
        original_filename="complaints policy.pdf",
        size=len(POLICY),
        sha256=hashlib.sha256(POLICY).hexdigest(),
    )
    for ref in ("2.1.4", "2.1.5"):
        EvidenceLinkFactory(
            evidence=item,
            assessment=y2018,
            element=Element.objects.get(standard=y2018.standard, ref=ref),
        )
    pack = jobs.request_evidence_pack(y2018, acting_user=lead)  # sent on commit
    try:
        assert pack.sent_at is not None  # the broker took the message
        wait_for_status(pack, {Status.DONE, Status.FAILED}, timeout=120)
        assert pack.status == Status.DONE, pack.error
        assert pack.attempts == 1 and pack.file_count == 1 and pack.missing_count == 0
        assert pack.file.name == pack.storage_name
        archive = zipfile.ZipFile(io.BytesIO(pack.file.read()))
        [member] = [n for n in archive.namelist() if n.startswith("files/")]
        assert member == f"files/{item.pk}-complaints policy.pdf"
        assert archive.read(member) == POLICY
        index = archive.read("index.html").decode()
        assert "Complaints policy" in index and y2018.organisation.name in index
        assert 'href="files/' in index
        for line in archive.read("SHA256SUMS").decode().splitlines():
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    finally:
        pack.refresh_from_db()
        if pack.file:
            pack.file.storage.delete(pack.file.name)
        item.file.storage.delete(item.file.name)
