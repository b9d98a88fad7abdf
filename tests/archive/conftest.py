"""An organisation with something in every table the archive carries, files in a temporary
MEDIA_ROOT, and helpers that read a database's rows and files the way a round trip must keep
them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from actions import services as action_services
from assessments import marking
from assessments import services as assessment_services
from assessments.models import AssessmentEvent, ElementResult
from evidence import services as evidence_services
from organisations.models import Role
from standards.models import Criterion, Element
from tests.factories import (
    BoardReportFactory,
    EvidencePackFactory,
    InvitationFactory,
    MembershipFactory,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf(text: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
    return SimpleUploadedFile(f"{text}.pdf", body + f"% {text}\n%%EOF\n".encode())


def upload(organisation, name, user, **kwargs):
    with evidence_services.storing_files():
        return evidence_services.add_file(
            organisation, evidence_services.check_upload(pdf(name)), acting_user=user, **kwargs
        )


def replace(evidence, name, user):
    with evidence_services.storing_files():
        return evidence_services.replace_file(
            evidence, evidence_services.check_upload(pdf(name)), acting_user=user
        )


@pytest.fixture
def rich_org(seeded, y2018, lead, assessor, board, org_admin, cse_standard):
    """``org`` (acme) with five years of results and history, assessor marks, sampling and
    comments, a criterion summary, workflow events, evidence files with several versions,
    links, a note and a web link, a deleted item (history only), actions with evidence, a
    board report and an evidence pack with their files, an invitation, members of each role."""
    org = seeded
    e111 = Element.objects.get(standard=cse_standard, ref="1.1.1")
    e112 = Element.objects.get(standard=cse_standard, ref="1.1.2")
    result = ElementResult.objects.get(assessment=y2018, element=e111)
    assessment_services.set_self_assessment(
        result, acting_user=lead, self_rating="C", self_notes="Our notes — with “quotes”."
    )
    result.refresh_from_db()
    marking.set_assessor_mark(
        result,
        acting_user=assessor,
        expected_version=result.version,
        rating="PC",
        sampled=True,
        comment="Partly there: see the complaints log.",
    )
    marking.set_criterion_summary(
        y2018,
        Criterion.objects.get(standard=cse_standard, ref="1"),
        "Strong.",
        acting_user=assessor,
    )
    AssessmentEvent.objects.create(
        assessment=y2018,
        from_status="submitted",
        to_status="assessor_review",
        actor=assessor,
        note="Visit booked.",
    )

    policy = upload(org, "policy-v1", lead, link_to=(y2018, e111))
    replace(policy, "policy-v2", lead)
    replace(policy, "policy-v3", lead)
    minutes = upload(org, "minutes", lead, link_to=(y2018, e112))
    evidence_services.link(minutes, y2018, e111, acting_user=lead, note="Minutes of March.")
    evidence_services.add_note(
        org, acting_user=lead, title="How we listen", body="Line one\nLine two"
    )
    gone = upload(org, "withdrawn", lead)
    evidence_services.delete_evidence(gone, acting_user=lead)

    action = action_services.raise_action(
        y2018,
        e111,
        acting_user=lead,
        description="Publish the complaints log.",
        due_date=timezone.localdate() + timedelta(days=30),
        owner=lead,
    )
    action_services.link_evidence(action, policy, acting_user=lead)
    action_services.link_evidence(action, minutes, acting_user=lead)
    action_services.unlink_evidence(action, minutes, acting_user=lead)
    action_services.change_status(action, "in_progress", acting_user=lead)

    BoardReportFactory(assessment=y2018, done=True, requested_by=board)
    BoardReportFactory(assessment=y2018, requested_by=board)  # queued: no file yet
    EvidencePackFactory(assessment=y2018, done=True, requested_by=lead)
    InvitationFactory(organisation=org, role=Role.ASSESSOR, invited_by=org_admin)
    MembershipFactory(organisation=org, role=Role.GOVERNING_BODY, ends_on=timezone.localdate())
    return org
