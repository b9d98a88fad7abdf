"""The evidence pack: a year's self-assessment and its evidence as one ZIP, for the assessor's
desktop review and as the organisation's record of what it showed.

The ZIP holds
- ``index.html``: self-contained (its style inline, no script, nothing fetched), readable
  offline: the organisation, the year, who asked and when; every element of the standard by
  criterion and sub-criterion with its self-rating and notes and the evidence linked to it
  that year (a file links to its copy in the ZIP by a relative path; web links; notes);
- ``files/<evidence id>-<name>``: every linked file once, however many elements it supports,
  named from its id and its original name made safe (no folders, no control or bidi
  characters, no name twice);
- ``SHA256SUMS``: the SHA-256 of every other member, in ``sha256sum`` format
  (``sha256sum -c SHA256SUMS`` in the unpacked folder checks them).

It is written to a temporary file, each evidence file copied from storage in chunks, so no
file is held in memory whole. A file missing from storage is listed as missing in the index.
"""

import hashlib
import logging
import re
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from django.core.files import File
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Assessment, ElementResult
from evidence import filetypes
from evidence.models import Evidence, EvidenceLink, EvidenceVersion
from reports import jobs
from reports.models import EvidencePack
from standards.models import Element

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
INDEX = "index.html"
MANIFEST = "SHA256SUMS"
FILES = "files/"
NAME_LENGTH = 100  # characters of a file's name after its id, its extension kept
# Characters no file name keeps on any common system (folders, drives, wildcards, quotes).
UNSAFE = re.compile(r'[\\/:*?"<>|]')
# The types worth compressing; the rest (PDF, images, OOXML and OpenDocument, which are zips)
# are compressed already, and are stored as they are rather than deflated again for nothing
# (a 200 MB file took 25 s to deflate).
DEFLATED_TYPES = frozenset(
    t.content_type
    for t in (
        filetypes.TEXT,
        filetypes.CSV,
        filetypes.EMAIL,
        filetypes.OLE2,
        filetypes.BMP,
        filetypes.TIFF,
    )
)
# Unicode categories dropped from names: controls, format characters (bidi overrides,
# zero-width), surrogates, private use, unassigned, line and paragraph separators.
DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def safe_name(name: str) -> str:
    """``name`` as one harmless file name: NFC, no control/format/bidi characters, no folder
    separators or reserved characters, no leading dots, spaces collapsed, at most
    ``NAME_LENGTH`` characters with the extension kept; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        " " if unicodedata.category(c) == "Zs" else c
        for c in name
        if unicodedata.category(c) not in DROPPED
    )
    name = UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: NAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:NAME_LENGTH].rstrip(" .")
    return name or "file"


def member_names(items: list[Evidence], filenames: dict[int, str] | None = None) -> dict[int, str]:
    """Each file item's path in the ZIP (``files/<id>-<safe name>``), none twice (compared
    without case, as Windows and macOS do). ``filenames`` gives an item's name when it is not
    its current file's (an earlier version)."""
    names: dict[int, str] = {}
    seen: set[str] = set()
    filenames = filenames or {}
    for item in items:
        original = filenames.get(item.pk, item.original_filename)
        base = f"{item.pk}-{safe_name(original or 'file')}"
        candidate, n = base, 1
        while candidate.casefold() in seen:
            n += 1
            stem, dot, ext = base.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
        seen.add(candidate.casefold())
        names[item.pk] = FILES + candidate
    return names


# -- What the pack shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class FileSource:
    """The file of an item that goes into the pack: its current one, or an earlier version."""

    file: object  # a FieldFile
    original_filename: str
    content_type: str
    sha256: str  # as recorded at upload
    uploaded_at: datetime | None
    replaced_at: datetime | None = None  # set for an earlier version: when it was replaced


def file_as_at(
    item: Evidence, versions: list[EvidenceVersion], when: datetime | None
) -> FileSource:
    """The file of ``item`` that was current at ``when`` (None: now). A finalised year's pack
    holds what the assessor was shown, not a file replaced since: the version uploaded last
    before ``when``. An item with no file from before ``when`` gives its current file."""
    current = FileSource(
        item.file, item.original_filename, item.content_type, item.sha256, item.file_uploaded_at
    )
    if when is None or item.file_uploaded_at is None or item.file_uploaded_at <= when:
        return current
    earlier = [v for v in versions if v.uploaded_at <= when]
    if not earlier:
        return current
    version = max(earlier, key=lambda v: (v.uploaded_at, v.pk))
    return FileSource(
        version.file,
        version.original_filename,
        version.content_type,
        version.sha256,
        version.uploaded_at,
        version.replaced_at,
    )


@dataclass
class PackFile:
    """An evidence file as it went into the ZIP."""

    evidence: Evidence
    member: str  # its path in the ZIP
    source: FileSource | None = None  # which file of the item: see file_as_at
    size: int = 0
    sha256: str = ""
    missing: bool = False  # not found in storage: listed, not packed
    altered: bool = False  # its content is not what was uploaded (another SHA-256)

    @property
    def href(self) -> str:
        return quote(self.member)


@dataclass
class ElementEntry:
    element: Element
    result: ElementResult | None
    links: list[EvidenceLink] = field(default_factory=list)
    is_sub_element: bool = False


@dataclass
class SubCriterionEntry:
    sub_criterion: object
    elements: list[ElementEntry] = field(default_factory=list)


@dataclass
class CriterionEntry:
    criterion: object
    sub_criteria: list[SubCriterionEntry] = field(default_factory=list)


@dataclass
class Contents:
    criteria: list[CriterionEntry]
    links: list[EvidenceLink]
    files: dict[int, PackFile]  # by evidence id, in the order they are packed


def gather(assessment: Assessment) -> Contents:
    """The year's elements with their results and links, and the files to pack (three
    queries whatever the size)."""
    elements = (
        Element.objects.filter(standard_id=assessment.standard_id)
        .select_related("sub_criterion__criterion")
        .order_by("position")
    )
    results = {r.element_id: r for r in ElementResult.objects.filter(assessment=assessment)}
    links = list(
        EvidenceLink.objects.for_org(assessment.organisation_id)  # the year's own organisation
        .filter(assessment=assessment)
        .select_related("evidence")
        .order_by("element__position", "evidence__title", "pk")
    )
    by_element: dict[int, list[EvidenceLink]] = defaultdict(list)
    for link in links:
        by_element[link.element_id].append(link)

    criteria: list[CriterionEntry] = []
    for element in elements:
        sub = element.sub_criterion
        if not criteria or criteria[-1].criterion.pk != sub.criterion_id:
            criteria.append(CriterionEntry(sub.criterion))
        subs = criteria[-1].sub_criteria
        if not subs or subs[-1].sub_criterion.pk != sub.pk:
            subs.append(SubCriterionEntry(sub))
        subs[-1].elements.append(
            ElementEntry(
                element,
                results.get(element.pk),
                by_element.get(element.pk, []),
                is_sub_element=element.parent_id is not None,
            )
        )

    items = sorted(
        {
            link.evidence.pk: link.evidence
            for link in links
            if link.evidence.kind == Evidence.Kind.FILE and link.evidence.file
        }.values(),
        key=lambda item: item.pk,
    )
    # A finalised year: each file as it was then (one more query for the earlier versions).
    as_at = assessment.finalised_at if assessment.is_finalised else None
    versions: dict[int, list[EvidenceVersion]] = defaultdict(list)
    if as_at is not None and items:
        for version in EvidenceVersion.objects.filter(evidence__in=[i.pk for i in items]):
            versions[version.evidence_id].append(version)
    sources = {item.pk: file_as_at(item, versions[item.pk], as_at) for item in items}
    names = member_names(items, {pk: src.original_filename for pk, src in sources.items()})
    files = {item.pk: PackFile(item, names[item.pk], sources[item.pk]) for item in items}
    for link in links:
        link.packed = files.get(link.evidence_id)  # the template's way to its file
    return Contents(criteria, links, files)


# -- Writing the ZIP -------------------------------------------------------------------------


def _info(name: str, when: datetime, deflate: bool = True) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(when).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16  # rw-r--r-- when unpacked
    return info


def _copy_file(archive: zipfile.ZipFile, packed: PackFile, when: datetime) -> None:
    """Copy one evidence file from storage into the ZIP in chunks, hashing it on the way; a
    file storage cannot open or read is marked missing and nothing is written for it."""
    item, source = packed.evidence, packed.source
    try:
        handle = source.file.storage.open(source.file.name, "rb")
    except OSError as exc:
        logger.warning("Evidence %s: its file %s is missing: %s", item.pk, source.file.name, exc)
        packed.missing = True
        return
    with handle:
        try:
            chunk = handle.read(CHUNK)
        except OSError as exc:  # storages that open lazily fail on the first read
            logger.warning(
                "Evidence %s: its file %s is missing: %s", item.pk, source.file.name, exc
            )
            packed.missing = True
            return
        digest = hashlib.sha256()
        deflate = source.content_type in DEFLATED_TYPES
        with archive.open(_info(packed.member, when, deflate), "w", force_zip64=True) as out:
            while chunk:
                digest.update(chunk)
                out.write(chunk)
                packed.size += len(chunk)
                chunk = handle.read(CHUNK)
    packed.sha256 = digest.hexdigest()
    packed.altered = bool(source.sha256) and source.sha256 != packed.sha256


def render_index(pack: EvidencePack, contents: Contents, made_at: datetime) -> str:
    files = list(contents.files.values())
    return render_to_string(
        "reports/evidence_pack/index.html",
        {
            "pack": pack,
            "assessment": pack.assessment,
            "organisation": pack.organisation,
            "requested_by": pack.requested_by,
            "made_at": made_at,
            "criteria": contents.criteria,
            "files": contents.files,
            "file_list": files,
            "missing": [f for f in files if f.missing],
            "link_count": len(contents.links),
        },
    )


@dataclass
class Written:
    file_count: int
    missing_count: int


def write_zip(out, pack: EvidencePack, made_at: datetime | None = None) -> Written:
    """Write the pack of ``pack``'s year into the binary file ``out``."""
    made_at = made_at or timezone.now()
    contents = gather(pack.assessment)
    hashes: list[tuple[str, str]] = []
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for packed in contents.files.values():
            _copy_file(archive, packed, made_at)
            if not packed.missing:
                hashes.append((packed.sha256, packed.member))
        index = render_index(pack, contents, made_at).encode()
        archive.writestr(_info(INDEX, made_at), index)
        hashes.insert(0, (hashlib.sha256(index).hexdigest(), INDEX))
        manifest = "".join(f"{digest}  {name}\n" for digest, name in hashes)
        archive.writestr(_info(MANIFEST, made_at), manifest.encode())
    packed_files = [f for f in contents.files.values() if not f.missing]
    return Written(len(packed_files), len(contents.files) - len(packed_files))


def build(pack: EvidencePack) -> None:
    """Build a claimed pack into a temporary file, store it under the name derived from its
    id and mark it done. Exceptions reach the task, which retries or fails the job."""
    with tempfile.TemporaryFile(prefix="evidence-pack-") as tmp:
        written = write_zip(tmp, pack)
        size = tmp.tell()
        tmp.seek(0)
        name = jobs.store(pack, File(tmp, name=pack.storage_name))
    if jobs.finish(
        pack,
        name,
        size=size,
        file_count=written.file_count,
        missing_count=written.missing_count,
    ):
        logger.info(
            "Evidence pack %s done: %s files, %s missing, %s bytes",
            pack.pk,
            written.file_count,
            written.missing_count,
            size,
        )
