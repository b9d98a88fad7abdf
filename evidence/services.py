"""Evidence actions. Each is atomic, takes the acting user (``acting_user``, keyword-only), and
leaves an audit trail (django-simple-history on Evidence and EvidenceLink records who changed
what, deletions too). Views call these; they never write evidence rows themselves.

A change to a link locks the year first (``check_open``), then reads the link again under a
lock and writes only the fields it changes, so two saves that meet never undo each other.

Files are stored only through ``store_file`` inside ``storing_files()``: a transaction that
rolls back takes the files it stored with it (Django has no on_rollback hook; see there).
"""

import hashlib
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from assessments.models import Assessment
from assessments.services import YearLocked, check_open
from cse_portal.text import multi_line
from evidence.filetypes import ALLOWED_DESCRIPTION, FileType, RefusedType, sniff
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from organisations.models import Organisation
from standards.models import Element

DETAIL_FIELDS = ("title", "description", "owner", "evidence_date", "review_by", "url", "body")

logger = logging.getLogger(__name__)


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


class InFinalisedYear(PermissionDenied):
    """The item is evidence in a finalised year, whose record keeps it: it cannot be deleted
    (its links in open years can be withdrawn instead)."""

    def __init__(self, evidence: Evidence, years: list[int]):
        self.years = years
        super().__init__(
            f"“{evidence.title}” was not deleted: it is evidence in {years_text(years)}, "
            f"which {'is' if len(years) == 1 else 'are'} finalised, and a finalised year keeps "
            "the evidence it was assessed on. If it no longer applies, withdraw it from the "
            "open years instead."
        )


def years_text(years: list[int]) -> str:
    """2017; 2017 and 2018; 2016, 2017 and 2018."""
    words = [str(year) for year in years]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# --- files stored with the transaction -----------------------------------------------------


@dataclass
class _StoredFiles:
    """The files stored inside one storing_files() block (and its inner blocks that ended)."""

    parent: "_StoredFiles | None"
    files: list[tuple[Storage, str]] = field(default_factory=list)


_stored_files: ContextVar[_StoredFiles | None] = ContextVar("evidence_stored_files", default=None)


@contextmanager
def storing_files() -> Iterator[None]:
    """An atomic block whose stored files are deleted again unless it commits.

    Django has no on_rollback hook, so the block notes each file stored inside it
    (``store_file``) and, when an exception leaves the block (the transaction or savepoint
    has then rolled back, and a failed commit raises here too), deletes those files before
    the exception goes on. An inner block that ends well hands its files to the outer one,
    which may still roll back. The outermost block must be the one whose end commits, or sit
    in a transaction that does: views that combine several services wrap them in one.
    Usable as a decorator (``@storing_files()``).
    """
    tracker = _StoredFiles(parent=_stored_files.get())
    token = _stored_files.set(tracker)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _stored_files.reset(token)
        _delete_stored(tracker.files)
        raise
    _stored_files.reset(token)
    if tracker.parent is not None:
        tracker.parent.files.extend(tracker.files)


def store_file(field_file: FieldFile, name: str, content: UploadedFile) -> None:
    """Save ``content`` into the storage of ``field_file`` (the row is saved by the caller),
    to be deleted again if the enclosing storing_files() block rolls back."""
    tracker = _stored_files.get()
    if tracker is None:
        raise RuntimeError(
            "Store evidence files inside services.storing_files(), so that a rollback removes them."
        )
    field_file.save(name, content, save=False)
    tracker.files.append((field_file.storage, field_file.name))


def _delete_stored(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # never hide the error that rolled the transaction back
            logger.exception("Could not remove the evidence file %s after a rollback", name)


@dataclass(frozen=True)
class CheckedFile:
    file: UploadedFile
    filetype: FileType
    sha256: str
    size: int
    name: str


MEGABYTE = 1024 * 1024


def max_upload_bytes() -> int:
    """The largest file accepted: the one setting EVIDENCE_MAX_UPLOAD_MB, in bytes."""
    return settings.EVIDENCE_MAX_UPLOAD_MB * MEGABYTE


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
    if (
        owner is not None
        and not owner.memberships.current().filter(organisation=organisation).exists()
    ):
        raise ValidationError({"owner": "The owner must be a member of this organisation."})
    return details


def review_dates_error(evidence_date: date | None, review_by: date | None) -> str:
    """The message when the review-by date comes before the evidence date, else ""."""
    if evidence_date and review_by and review_by < evidence_date:
        return "The review-by date cannot be before the evidence date."
    return ""


def _validate(evidence: Evidence) -> None:
    """The model's own rules, and what each kind needs: a link its http(s) address, a note
    its text. Raises ValidationError keyed by field, with messages for the person typing."""
    errors: dict[str, list[str]] = {}
    try:
        # created_by may have been emptied by the deletion of its user; file is set apart.
        # The one-copy constraint is DuplicateFile's business (with the item to offer).
        evidence.full_clean(exclude=["file", "created_by"], validate_constraints=False)
    except ValidationError as error:
        errors = dict(error.message_dict)
    dates_error = review_dates_error(evidence.evidence_date, evidence.review_by)
    if dates_error and "review_by" not in errors:
        errors["review_by"] = [dates_error]
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


@storing_files()
def add_file(
    organisation: Organisation,
    checked: CheckedFile,
    *,
    acting_user: AbstractBaseUser | None,
    link_to: tuple[Assessment, Element] | None = None,
    **details: Any,
) -> Evidence:
    """A new file item, or DuplicateFile when the library holds the same bytes already;
    ``link_to`` (year, element) links it there in the same transaction. Nothing is stored
    unless it all commits."""
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
    _validate(evidence)
    store_file(evidence.file, checked.name, checked.file)
    evidence._history_user = acting_user
    try:
        with transaction.atomic():
            evidence.save()
    except IntegrityError:
        # Someone uploaded the same file a moment ago (the stored file goes with the rollback).
        existing = find_duplicate(organisation, checked.sha256)
        if existing is None:
            raise UploadRejected(
                f"“{checked.name}” was being added by someone else at the same moment: try again."
            ) from None
        raise DuplicateFile(existing, checked.name) from None
    if link_to is not None:
        link(evidence, *link_to, acting_user=acting_user)
    return evidence


def add_link(
    organisation: Organisation, url: str, *, acting_user: AbstractBaseUser | None, **details: Any
) -> Evidence:
    return _add_without_file(organisation, Evidence.Kind.LINK, acting_user, url=url, **details)


def add_note(
    organisation: Organisation, body: str, *, acting_user: AbstractBaseUser | None, **details: Any
) -> Evidence:
    return _add_without_file(organisation, Evidence.Kind.NOTE, acting_user, body=body, **details)


@transaction.atomic
def _add_without_file(
    organisation: Organisation, kind: str, acting_user: AbstractBaseUser | None, **details: Any
) -> Evidence:
    details = _check_details(organisation, details)
    details.setdefault("owner", acting_user)
    evidence = Evidence(organisation=organisation, kind=kind, created_by=acting_user, **details)
    _validate(evidence)
    evidence._history_user = acting_user
    evidence.save()
    return evidence


ITEM_DELETED = "This item was deleted meanwhile: nothing was saved."
FILE_FIELDS = (
    "file",
    "original_filename",
    "content_type",
    "size",
    "sha256",
    "file_uploaded_at",
    "file_uploaded_by",
)


def _stored_item(evidence: Evidence) -> Evidence | None:
    """The item as stored now, locked until the transaction ends (None if it is gone): a
    change is made to this row and saved with the fields it changes, never from the caller's
    copy, which may be older than what another save wrote since."""
    stored = Evidence.objects.select_for_update(of=("self",)).filter(pk=evidence.pk).first()
    if stored is not None:
        stored.organisation = evidence.organisation  # the same row: no query for it
    return stored


@transaction.atomic
def update_details(
    evidence: Evidence, *, acting_user: AbstractBaseUser | None, **details: Any
) -> Evidence:
    """Change the item's details (``DETAIL_FIELDS``) and only those; ``evidence`` is then
    refreshed with what is stored. A ValidationError says what is wrong, or that the item was
    deleted meanwhile."""
    details = _check_details(evidence.organisation, details)
    stored = _stored_item(evidence)
    if stored is None:
        raise ValidationError(ITEM_DELETED)
    for name, value in details.items():
        setattr(stored, name, value)
    _validate(stored)
    stored._history_user = acting_user
    stored.save(update_fields=[*details, "updated_at"])
    _copy_fields(stored, evidence)
    return evidence


@storing_files()
def replace_file(
    evidence: Evidence, checked: CheckedFile, *, acting_user: AbstractBaseUser | None
) -> Evidence:
    """Keep the current file as a version and put the new one in its place (the file's
    fields alone are written); ``evidence`` is then refreshed with what is stored."""
    stored = _stored_item(evidence)
    if stored is None:
        raise UploadRejected(ITEM_DELETED)
    if stored.kind != Evidence.Kind.FILE:
        raise UploadRejected("Only a file item can have its file replaced.")
    if checked.sha256 == stored.sha256:
        raise UploadRejected(f"“{checked.name}” is the same file as the current one.")
    duplicate = find_duplicate(stored.organisation, checked.sha256)
    if duplicate is not None:
        raise DuplicateFile(duplicate, checked.name)
    EvidenceVersion.objects.create(
        evidence=stored,
        file=stored.file.name,
        original_filename=stored.original_filename,
        content_type=stored.content_type,
        size=stored.size or 0,
        sha256=stored.sha256,
        uploaded_by=stored.file_uploaded_by,
        uploaded_at=stored.file_uploaded_at or stored.created_at,
    )
    stored.file_uploaded_at = timezone.now()
    stored.file_uploaded_by = acting_user
    stored.original_filename = checked.name
    stored.content_type = checked.filetype.content_type
    stored.size = checked.size
    stored.sha256 = checked.sha256
    store_file(stored.file, checked.name, checked.file)
    stored._history_user = acting_user
    stored.save(update_fields=[*FILE_FIELDS, "updated_at"])
    _copy_fields(stored, evidence)
    return evidence


def _finalised_years_of(evidence: Evidence) -> list[int]:
    """The years linked to the item that are finalised, asked of check_open (which holds each
    year still for the rest of the transaction), in year order."""
    finalised = []
    linked = Assessment.objects.filter(evidence_links__evidence=evidence).distinct()
    for assessment in linked.order_by("year"):
        try:
            check_open(assessment)
        except YearLocked:
            finalised.append(assessment.year)
    return finalised


@transaction.atomic
def delete_evidence(evidence: Evidence, *, acting_user: AbstractBaseUser | None) -> int:
    """Delete the item and its links (returns how many links went with it); the history
    keeps the record of it and of who did it.

    An item that is evidence in a finalised year is kept (InFinalisedYear): that year's
    record is read-only, its links too. The stored files are removed once the transaction
    has committed.
    """
    finalised = _finalised_years_of(evidence)
    if finalised:
        raise InFinalisedYear(evidence, finalised)
    names = [evidence.file.name] + [v.file.name for v in evidence.versions.all()]
    storage = evidence.file.storage
    links = list(evidence.links.all())
    for evidence_link in links:
        evidence_link._history_user = acting_user
        evidence_link.delete()
    evidence._history_user = acting_user
    evidence.delete()

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    # robust: the item is gone whatever the storage says; a file left over is only litter.
    transaction.on_commit(delete_files, robust=True)
    return len(links)


@dataclass(frozen=True)
class Withdrawal:
    years: list[int]  # the open years the item was withdrawn from
    links: int  # how many links that removed
    kept_years: list[int]  # the finalised years that keep it


@transaction.atomic
def withdraw_from_open_years(
    evidence: Evidence, *, acting_user: AbstractBaseUser | None
) -> Withdrawal:
    """Remove the item's links in every open year; a finalised year keeps its links, and the
    item stays in the library."""
    finalised = set(_finalised_years_of(evidence))
    years: set[int] = set()
    removed = 0
    for evidence_link in evidence.links.select_related("assessment"):
        if evidence_link.assessment.year in finalised:
            continue
        evidence_link._history_user = acting_user
        evidence_link.delete()
        years.add(evidence_link.assessment.year)
        removed += 1
    return Withdrawal(sorted(years), removed, sorted(finalised))


class LinkRemoved(Exception):
    """The link was removed (unlinked, its item or year deleted) since the caller read it."""

    def __init__(self) -> None:
        super().__init__("This link was removed meanwhile: reload the page to see the evidence.")


@transaction.atomic
def link(
    evidence: Evidence,
    assessment: Assessment,
    element: Element,
    *,
    acting_user: AbstractBaseUser | None,
    note: str = "",
) -> tuple[EvidenceLink, bool]:
    """Link an item to an element in a year: (the link, whether it is new). Linking an item
    that is linked already confirms the link (one carried forward) and, given a ``note``,
    replaces its note; a link made by someone else a moment ago counts as linked already."""
    if evidence.organisation_id != assessment.organisation_id:
        raise PermissionDenied("Evidence and assessment belong to different organisations.")
    if element.standard_id != assessment.standard_id:
        raise ValidationError("That element is not part of this year's standard.")
    check_open(assessment)  # locks the year's row first
    _check_note(note)
    key = {"evidence": evidence, "assessment": assessment, "element": element}
    existing = EvidenceLink.objects.select_for_update(of=("self",)).filter(**key).first()
    if existing is None:
        new = EvidenceLink(**key, note=note, created_by=acting_user)
        new._history_user = acting_user
        try:
            with transaction.atomic():
                new.save()
        except IntegrityError:  # the same link, made by someone else a moment ago
            existing = EvidenceLink.objects.select_for_update(of=("self",)).filter(**key).first()
            if existing is None:
                raise
        else:
            return new, True
    changed = _mark_confirmed(existing, acting_user)
    if note and existing.note != note:
        existing.note = note
        changed.append("note")
    _save_fields(existing, changed, acting_user)
    return existing, False


def _check_note(note: str) -> None:
    """A link's note is multi-line text: no control or bidirectional-override characters."""
    try:
        multi_line(note)
    except ValidationError as error:
        raise ValidationError({"note": error.messages}) from None


def _stored_link(evidence_link: EvidenceLink) -> EvidenceLink:
    """The link as stored now, locked until the transaction ends (after check_open has
    locked its year); LinkRemoved if it is gone. A change is made to this row, never to the
    caller's copy, which may be older than what another save wrote since."""
    stored = (
        EvidenceLink.objects.select_for_update(of=("self",)).filter(pk=evidence_link.pk).first()
    )
    if stored is None:
        raise LinkRemoved()
    return stored


def _mark_confirmed(stored: EvidenceLink, acting_user: AbstractBaseUser | None) -> list[str]:
    """Confirm a carried-forward link for its year; the fields that changed."""
    if not stored.needs_confirmation:
        return []
    stored.confirmed_at = timezone.now()
    stored.confirmed_by = acting_user
    return ["confirmed_at", "confirmed_by"]


def _save_fields(
    stored: EvidenceLink, fields: list[str], acting_user: AbstractBaseUser | None
) -> None:
    """Write ``fields`` of the locked row alone (a history row with who), if any changed."""
    if fields:
        stored._history_user = acting_user
        stored.save(update_fields=fields)


def _copy_fields(source: Evidence | EvidenceLink, target: Evidence | EvidenceLink) -> None:
    """The stored values of ``source`` into the caller's ``target`` (a relation whose id
    changed is read again when next used)."""
    for model_field in type(source)._meta.concrete_fields:
        value = getattr(source, model_field.attname)
        if isinstance(value, FieldFile):
            value = value.name
        setattr(target, model_field.attname, value)


@transaction.atomic
def confirm_link(
    evidence_link: EvidenceLink, *, acting_user: AbstractBaseUser | None
) -> EvidenceLink:
    """The quality lead re-confirms a carried-forward link for the new year (no change if
    it is confirmed already). ``evidence_link`` is refreshed with what is stored."""
    check_open(evidence_link.assessment)
    stored = _stored_link(evidence_link)
    _save_fields(stored, _mark_confirmed(stored, acting_user), acting_user)
    _copy_fields(stored, evidence_link)
    return evidence_link


@transaction.atomic
def reconfirm_carried_forward(
    assessment: Assessment, *, acting_user: AbstractBaseUser | None
) -> int:
    """Re-confirm, for the year, every link carried forward into it and not yet re-confirmed
    (each gets a history row naming ``acting_user``); returns how many. A finalised year is
    refused (YearLocked) and nothing changes."""
    check_open(assessment)  # locks the year's row first, as every change to its links does
    pending = list(
        EvidenceLink.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, carried_forward=True, confirmed_at__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    for evidence_link in pending:
        evidence_link.confirmed_at = now
        evidence_link.confirmed_by = acting_user
    bulk_update_with_history(
        pending, EvidenceLink, ["confirmed_at", "confirmed_by"], default_user=acting_user
    )
    return len(pending)


@transaction.atomic
def update_link_note(
    evidence_link: EvidenceLink, note: str, *, acting_user: AbstractBaseUser | None
) -> EvidenceLink:
    """Save the note of a link (its confirmation, saved meanwhile or not, is kept).
    ``evidence_link`` is refreshed with what is stored."""
    check_open(evidence_link.assessment)
    _check_note(note)
    stored = _stored_link(evidence_link)
    if stored.note != note:
        stored.note = note
        _save_fields(stored, ["note"], acting_user)
    _copy_fields(stored, evidence_link)
    return evidence_link


@transaction.atomic
def unlink(evidence_link: EvidenceLink, *, acting_user: AbstractBaseUser | None) -> bool:
    """Remove the link (the item stays in the library); False if it was gone already."""
    check_open(evidence_link.assessment)
    try:
        stored = _stored_link(evidence_link)
    except LinkRemoved:
        return False
    stored._history_user = acting_user
    stored.delete()
    return True


# --- uploads ---------------------------------------------------------------------------------

LINK_TARGET_NEEDED = "To link the files, give both a year and an element."


@dataclass(frozen=True)
class UploadResult:
    """What became of one uploaded file (or of the whole upload, when it was refused before
    any file was looked at): the uploader shows one line per result."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    REFUSED = "refused"

    status: str
    message: str
    # The new item (created), or the library's copy of the same file (duplicate).
    item: Evidence | None = None


def add_uploaded_files(
    organisation: Organisation,
    files: list[UploadedFile],
    *,
    acting_user,
    year: int | None = None,
    ref: str = "",
    **details: Any,
) -> list[UploadResult]:
    """Check, store and (given ``year`` and ``ref``) link each uploaded file: one result per
    file, in order.

    Each file is added in a transaction of its own (``add_file``), so one refused file leaves
    the others added, and a failed one stores nothing. A year and element that cannot take
    links (``year`` and ``ref`` come parsed from evidence.forms.UploadForm) refuse the whole
    upload in one result. ``details`` (the dates) go to every new item.
    """
    try:
        target = _upload_target(organisation, year, ref)
    except UploadRejected as refused:
        return [UploadResult(UploadResult.REFUSED, str(refused))]
    if not files:
        return [UploadResult(UploadResult.REFUSED, "Choose at least one file to upload.")]
    return [
        _add_uploaded(organisation, uploaded, target, acting_user, details) for uploaded in files
    ]


def _add_uploaded(
    organisation: Organisation,
    uploaded: UploadedFile,
    target: tuple[Assessment, Element] | None,
    acting_user,
    details: dict[str, Any],
) -> UploadResult:
    try:
        checked = check_upload(uploaded)
        item = add_file(organisation, checked, acting_user=acting_user, link_to=target, **details)
    except UploadRejected as refused:
        return UploadResult(UploadResult.REFUSED, str(refused))
    except DuplicateFile as duplicate:
        return UploadResult(UploadResult.DUPLICATE, str(duplicate), duplicate.existing)
    except (ValidationError, PermissionDenied) as error:
        # A detail the model refuses, or the year finalised since the upload began.
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        name = display_filename(uploaded.name or "file")
        return UploadResult(UploadResult.REFUSED, f"“{name}”: {message}")
    linked = f", linked to {target[1].ref} in {target[0].year}" if target else ""
    return UploadResult(
        UploadResult.CREATED, f"“{checked.name}” was added as “{item.title}”{linked}.", item
    )


def _upload_target(
    organisation: Organisation, year: int | None, ref: str
) -> tuple[Assessment, Element] | None:
    """The (year, element) new uploads are linked to, or None when neither is given;
    UploadRejected when the pair cannot be used. A finalised year is refused here once for
    all the files (``link`` asks check_open again for each, under its lock)."""
    if year is None and not ref:
        return None
    if year is None or not ref:
        raise UploadRejected(LINK_TARGET_NEEDED)
    assessment = Assessment.objects.for_org(organisation).filter(year=year).first()
    if assessment is None:
        raise UploadRejected(f"There is no {year} assessment to link the files to.")
    if assessment.is_finalised:
        raise UploadRejected(
            f"{assessment.year} is finalised: no evidence can be linked to it any more."
        )
    element = Element.objects.filter(standard_id=assessment.standard_id, ref=ref).first()
    if element is None:
        raise UploadRejected(f"Element {ref} is not part of the standard of {assessment.year}.")
    return assessment, element


def _title_from_filename(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem.replace("_", " ").replace("-", " ").strip() or name)[:200]
