"""Evidence actions. Each is atomic, takes the acting user, and leaves an audit trail
(django-simple-history on Evidence and EvidenceLink records who changed what, deletions too).
Views call these; they never write evidence rows themselves.
"""

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import check_open
from evidence.filetypes import ALLOWED_DESCRIPTION, FileType, RefusedType, sniff
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from organisations.models import Organisation
from standards.models import Element

DETAIL_FIELDS = ("title", "description", "owner", "evidence_date", "review_by", "url", "body")


class UploadRejected(Exception):
    """A file that may not be evidence; the message names the file and the rule."""


class DuplicateFile(Exception):
    """The organisation's library holds this very file already."""

    def __init__(self, existing: Evidence, filename: str):
        super().__init__(
            f"“{filename}” is already in the library as “{existing.title}”: "
            "use that item instead of a second copy."
        )
        self.existing = existing


@dataclass(frozen=True)
class CheckedFile:
    file: UploadedFile
    filetype: FileType
    sha256: str
    size: int
    name: str


MEGABYTE = 1024 * 1024


def max_upload_mb() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_MB


def max_upload_bytes() -> int:
    """The largest file accepted. EVIDENCE_MAX_UPLOAD_BYTES is derived from
    EVIDENCE_MAX_UPLOAD_MB when the settings load; whichever is smaller rules, so that
    overriding either one (as tests do) changes the limit and its message alike."""
    from_mb = settings.EVIDENCE_MAX_UPLOAD_MB * MEGABYTE
    return min(from_mb, getattr(settings, "EVIDENCE_MAX_UPLOAD_BYTES", from_mb))


def human_size(size: int, round_up: bool = False) -> str:
    """1.5 MB, 300 KB, 12 bytes; ``round_up`` so that an oversize file never shows as the
    limit itself (1.02 MB shows as 1.1 MB against a 1 MB limit)."""
    rounding = math.ceil if round_up else round
    for unit, factor in (("MB", MEGABYTE), ("KB", 1024)):
        if size >= factor:
            value = rounding(size * 10 / factor) / 10
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} byte{'s' * (size != 1)}"


def check_upload(uploaded: UploadedFile) -> CheckedFile:
    """Size and type (from the content) of an upload, or UploadRejected naming the rule."""
    name = display_filename(uploaded.name or "file")
    limit = max_upload_bytes()
    if uploaded.size is None or uploaded.size > limit:
        raise UploadRejected(
            f"“{name}” is {human_size(uploaded.size or 0, round_up=True)}: files may be at "
            f"most {human_size(limit)}."
        )
    try:
        filetype = sniff(uploaded)
    except RefusedType as refused:
        raise UploadRejected(
            f"“{name}” is {refused.what}, which cannot be evidence. Allowed: {ALLOWED_DESCRIPTION}."
        ) from None
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(uploaded, filetype, digest.hexdigest(), uploaded.size, name)


def display_filename(name: str) -> str:
    """The uploaded name without any folder part or control characters, at most 255 long."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name.strip(" .")[:255] or "file"


def find_duplicate(organisation: Organisation, sha256: str) -> Evidence | None:
    return Evidence.objects.for_org(organisation).filter(sha256=sha256).first()


def _check_details(organisation: Organisation, details: dict[str, Any]) -> dict[str, Any]:
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"not evidence details: {sorted(unknown)}")
    owner = details.get("owner")
    if owner is not None and not owner.memberships.filter(organisation=organisation).exists():
        raise ValidationError({"owner": "The owner must be a member of this organisation."})
    return details


def _validate(evidence: Evidence) -> None:
    """The model's own rules, and what each kind needs: a link its http(s) address, a note
    its text. Raises ValidationError keyed by field, with messages for the person typing."""
    errors: dict[str, list[str]] = {}
    try:
        # created_by may have been emptied by the deletion of its user; file is set apart.
        evidence.full_clean(exclude=["file", "created_by"])
    except ValidationError as error:
        errors = dict(error.message_dict)
    if not evidence.title.strip():
        errors["title"] = ["Give the item a title."]
    if evidence.kind == Evidence.Kind.LINK:
        url = evidence.url.strip()
        if not url:
            errors["url"] = ["A web link needs its address."]
        elif not url.lower().startswith(("https://", "http://")):
            errors["url"] = ["Give a web address that starts with https:// or http://."]
    elif evidence.kind == Evidence.Kind.NOTE and not evidence.body.strip():
        errors["body"] = ["Write the note: it is the evidence."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_file(
    organisation: Organisation, checked: CheckedFile, acting_user, **details: Any
) -> Evidence:
    """A new file item, or DuplicateFile when the library holds the same bytes already."""
    existing = find_duplicate(organisation, checked.sha256)
    if existing is not None:
        raise DuplicateFile(existing, checked.name)
    details = _check_details(organisation, details)
    if not str(details.get("title") or "").strip():
        details["title"] = _title_from_filename(checked.name)
    details.setdefault("owner", acting_user)
    evidence = Evidence(
        organisation=organisation,
        kind=Evidence.Kind.FILE,
        created_by=acting_user,
        original_filename=checked.name,
        content_type=checked.filetype.content_type,
        size=checked.size,
        sha256=checked.sha256,
        file_uploaded_at=timezone.now(),
        file_uploaded_by=acting_user,
        **details,
    )
    evidence.file.save(checked.name, checked.file, save=False)
    evidence._history_user = acting_user
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        # Someone uploaded the same file a moment ago.
        evidence.file.delete(save=False)
        raise DuplicateFile(find_duplicate(organisation, checked.sha256), checked.name) from None
    return evidence


def add_link(organisation: Organisation, url: str, acting_user, **details: Any) -> Evidence:
    return _add_without_file(organisation, Evidence.Kind.LINK, acting_user, url=url, **details)


def add_note(organisation: Organisation, body: str, acting_user, **details: Any) -> Evidence:
    return _add_without_file(organisation, Evidence.Kind.NOTE, acting_user, body=body, **details)


@transaction.atomic
def _add_without_file(
    organisation: Organisation, kind: str, acting_user, **details: Any
) -> Evidence:
    details = _check_details(organisation, details)
    details.setdefault("owner", acting_user)
    evidence = Evidence(organisation=organisation, kind=kind, created_by=acting_user, **details)
    _validate(evidence)
    evidence._history_user = acting_user
    evidence.save()
    return evidence


@transaction.atomic
def update_details(evidence: Evidence, acting_user, **details: Any) -> Evidence:
    details = _check_details(evidence.organisation, details)
    for name, value in details.items():
        setattr(evidence, name, value)
    _validate(evidence)
    evidence._history_user = acting_user
    evidence.save()
    return evidence


@transaction.atomic
def replace_file(evidence: Evidence, checked: CheckedFile, acting_user) -> Evidence:
    """Keep the current file as a version and put the new one in its place."""
    if evidence.kind != Evidence.Kind.FILE:
        raise UploadRejected("Only a file item can have its file replaced.")
    if checked.sha256 == evidence.sha256:
        raise UploadRejected(f"“{checked.name}” is the same file as the current one.")
    duplicate = find_duplicate(evidence.organisation, checked.sha256)
    if duplicate is not None:
        raise DuplicateFile(duplicate, checked.name)
    EvidenceVersion.objects.create(
        evidence=evidence,
        file=evidence.file.name,
        original_filename=evidence.original_filename,
        content_type=evidence.content_type,
        size=evidence.size or 0,
        sha256=evidence.sha256,
        uploaded_by=evidence.file_uploaded_by,
        uploaded_at=evidence.file_uploaded_at or evidence.created_at,
    )
    evidence.file_uploaded_at = timezone.now()
    evidence.file_uploaded_by = acting_user
    evidence.original_filename = checked.name
    evidence.content_type = checked.filetype.content_type
    evidence.size = checked.size
    evidence.sha256 = checked.sha256
    evidence.file.save(checked.name, checked.file, save=False)
    evidence._history_user = acting_user
    evidence.save()
    return evidence


@transaction.atomic
def delete_evidence(evidence: Evidence, acting_user) -> None:
    """Delete the item and its links; the history keeps the record of it and of who did it.

    The stored files are removed once the transaction has committed.
    """
    names = [evidence.file.name] + [v.file.name for v in evidence.versions.all()]
    storage = evidence.file.storage
    for link in evidence.links.all():
        link._history_user = acting_user
        link.delete()
    evidence._history_user = acting_user
    evidence.delete()

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    # robust: the item is gone whatever the storage says; a file left over is only litter.
    transaction.on_commit(delete_files, robust=True)


@transaction.atomic
def link(
    evidence: Evidence, assessment: Assessment, element: Element, acting_user, note: str = ""
) -> EvidenceLink:
    """Link an item to an element in a year; linking again updates the note and confirms."""
    if evidence.organisation_id != assessment.organisation_id:
        raise PermissionDenied("Evidence and assessment belong to different organisations.")
    if element.standard_id != assessment.standard_id:
        raise ValidationError("That element is not part of this year's standard.")
    check_open(assessment)
    existing = EvidenceLink.objects.filter(
        evidence=evidence, assessment=assessment, element=element
    ).first()
    if existing is not None:
        if note:
            existing.note = note
        _mark_confirmed(existing, acting_user)
        return existing
    new = EvidenceLink(
        evidence=evidence,
        assessment=assessment,
        element=element,
        note=note,
        created_by=acting_user,
    )
    new._history_user = acting_user
    new.save()
    return new


def _mark_confirmed(evidence_link: EvidenceLink, acting_user) -> None:
    if evidence_link.carried_forward and evidence_link.confirmed_at is None:
        evidence_link.confirmed_at = timezone.now()
        evidence_link.confirmed_by = acting_user
    evidence_link._history_user = acting_user
    evidence_link.save()


@transaction.atomic
def confirm_link(evidence_link: EvidenceLink, acting_user) -> EvidenceLink:
    """The quality lead re-confirms a carried-forward link for the new year."""
    check_open(evidence_link.assessment)
    _mark_confirmed(evidence_link, acting_user)
    return evidence_link


@transaction.atomic
def update_link_note(evidence_link: EvidenceLink, note: str, acting_user) -> EvidenceLink:
    check_open(evidence_link.assessment)
    evidence_link.note = note
    evidence_link._history_user = acting_user
    evidence_link.save()
    return evidence_link


@transaction.atomic
def unlink(evidence_link: EvidenceLink, acting_user) -> None:
    check_open(evidence_link.assessment)
    evidence_link._history_user = acting_user
    evidence_link.delete()


def _title_from_filename(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem.replace("_", " ").replace("-", " ").strip() or name)[:200]
