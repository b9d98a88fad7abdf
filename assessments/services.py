"""Assessment actions: each is atomic, takes the acting user, and keeps every rating change in
the audit history (through django-simple-history's bulk helpers, never ``queryset.update()``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessments import rules
from assessments.models import Assessment, ElementResult, Rating
from organisations.models import Organisation
from reports.annex_one import AnnexOneError, AnnexOneTable, Cell
from standards.models import Element, Standard

IMPORTED_FIELDS = ["rating", "sampled", "carried_forward", "updated_by", "updated_at"]
IMPORT_REASON = "Annex One import"


class StandardNotLoaded(Exception):
    """No CSE standard is in the database, so there are no elements to rate."""


@dataclass
class ImportSummary:
    """What an Annex One import did; all zero when the file matched the database already."""

    assessments: list[Assessment] = field(default_factory=list)
    assessments_created: int = 0
    results_created: int = 0
    results_changed: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.assessments_created or self.results_created or self.results_changed)


@dataclass
class _Plan:
    """The rows one assessment year needs: new results, and existing ones whose values change."""

    assessment: Assessment
    new: list[ElementResult] = field(default_factory=list)
    changed: list[ElementResult] = field(default_factory=list)


def current_standard() -> Standard:
    standard = Standard.objects.current()
    if standard is None:
        raise StandardNotLoaded(
            "The CSE standard is not loaded: run `python manage.py loaddata cse_standard` first."
        )
    return standard


def apply_annex_one(
    organisation: Organisation, table: AnnexOneTable, acting_user: AbstractBaseUser | None = None
) -> ImportSummary:
    """Create or update one assessment per year of ``table`` and its element results.

    Every year gets one result per element and sub-element of its standard. Refs in the table
    take the file's rating and sampled mark (an assessor's mark, so no longer carried forward);
    refs not in the table keep what they had. Only rows whose values change are written, with
    a history row naming ``acting_user``. A finalised year is read-only: if the file would
    change one, AnnexOneError is raised and nothing is written.

    What it plans from is locked until it commits (the organisation, its years in the file,
    their results), so a save or a finalising meanwhile waits, and every history row it
    writes is the row as stored.
    """
    standard = current_standard()
    with transaction.atomic():
        # Lock order, as in every service: the organisation (years are created or deleted
        # under its lock), the assessment rows (here by year), then their results.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        existing = {
            a.year: a
            for a in Assessment.objects.select_for_update()
            .filter(organisation=organisation, year__in=table.years)
            .order_by("year")
        }
        earliest = Assessment.objects.for_org(organisation).aggregate(year=Min("year"))["year"]
        assessments = [
            existing.get(year) or _new_assessment(organisation, standard, year, table, earliest)
            for year in sorted(table.years)
        ]
        elements = _elements_by_standard({a.standard_id for a in assessments})
        results = _results_by_assessment([a for a in assessments if a.pk])
        plans = [
            _plan(a, table, elements[a.standard_id], results.get(a.pk, {}), acting_user)
            for a in assessments
        ]
        _refuse_finalised_changes(plans, table)
        return _write(plans, acting_user)


def _new_assessment(
    organisation: Organisation,
    standard: Standard,
    year: int,
    table: AnnexOneTable,
    earliest_existing: int | None,
) -> Assessment:
    """An unsaved assessment: the initial one if it opens the organisation's record."""
    opens_record = year == min(table.years) and (
        earliest_existing is None or year < earliest_existing
    )
    kind = Assessment.Kind.INITIAL if opens_record else Assessment.Kind.ANNUAL_REVIEW
    return Assessment(organisation=organisation, standard=standard, year=year, kind=kind)


def _elements_by_standard(standard_ids: set[int]) -> dict[int, list[Element]]:
    elements: dict[int, list[Element]] = {pk: [] for pk in standard_ids}
    for element in Element.objects.filter(standard_id__in=standard_ids).order_by("position"):
        elements[element.standard_id].append(element)
    return elements


def _results_by_assessment(
    assessments: list[Assessment],
) -> dict[int, dict[int, ElementResult]]:
    """Existing results of saved assessments, locked until the import commits: assessment
    id → element id → result.

    The import plans from these values and its history rows copy them, so no save may change
    them in between. Rows are locked in primary-key order, the same order every time, so two
    imports never wait for each other crosswise (a save locks one row only).
    """
    results: dict[int, dict[int, ElementResult]] = {a.pk: {} for a in assessments}
    rows = ElementResult.objects.select_for_update().filter(assessment__in=assessments)
    for result in rows.order_by("pk"):
        results[result.assessment_id][result.element_id] = result
    return results


def _plan(
    assessment: Assessment,
    table: AnnexOneTable,
    elements: list[Element],
    results: dict[int, ElementResult],
    acting_user: AbstractBaseUser | None,
) -> _Plan:
    plan = _Plan(assessment)
    now = timezone.now()
    for element in elements:
        cell = table.cell(element.ref, assessment.year) if element.ref in table.rows else None
        result = results.get(element.id)
        if result is None:
            result = ElementResult(assessment=assessment, element=element)
            if cell is not None:
                _set_marks(result, cell, acting_user, now)
            plan.new.append(result)
        elif cell is not None and _differs(result, cell):
            _set_marks(result, cell, acting_user, now)
            plan.changed.append(result)
    return plan


def _differs(result: ElementResult, cell: Cell) -> bool:
    return (result.rating, result.sampled, result.carried_forward) != (
        cell.rating,
        cell.sampled,
        False,
    )


def _set_marks(
    result: ElementResult, cell: Cell, acting_user: AbstractBaseUser | None, now: datetime
) -> None:
    result.rating = cell.rating
    result.sampled = cell.sampled
    result.carried_forward = False
    result.updated_by = acting_user
    result.updated_at = now


def _refuse_finalised_changes(plans: list[_Plan], table: AnnexOneTable) -> None:
    errors = [
        table.error_at_year(
            plan.assessment.year,
            f"the {plan.assessment.year} assessment is finalised, so its results are read-only "
            f"— the file would change {len(plan.new) + len(plan.changed)} of them",
        )
        for plan in plans
        if plan.assessment.is_finalised and (plan.new or plan.changed)
    ]
    if errors:
        raise AnnexOneError(errors)


def _write(plans: list[_Plan], acting_user: AbstractBaseUser | None) -> ImportSummary:
    summary = ImportSummary(assessments=[plan.assessment for plan in plans])
    for plan in plans:
        if plan.assessment.pk is None:
            plan.assessment._history_user = acting_user
            plan.assessment._change_reason = IMPORT_REASON
            plan.assessment.save()
            summary.assessments_created += 1
    new = [result for plan in plans for result in plan.new]
    changed = [result for plan in plans for result in plan.changed]
    if new:
        bulk_create_with_history(
            new, ElementResult, default_user=acting_user, default_change_reason=IMPORT_REASON
        )
    if changed:
        bulk_update_with_history(
            changed,
            ElementResult,
            IMPORTED_FIELDS,
            default_user=acting_user,
            default_change_reason=IMPORT_REASON,
        )
    summary.results_created = len(new)
    summary.results_changed = len(changed)
    return summary


# --- Opening a year and the self-assessment -----------------------------------------------

SELF_RATINGS = frozenset({"", *Rating.values})


class YearNotAllowed(Exception):
    """The year may not be opened now; the message says why and which year may."""


class YearExists(YearNotAllowed):
    pass


class YearNotDeletable(Exception):
    """The year may not be deleted; the message says why."""


class YearLocked(PermissionDenied):
    """A finalised assessment year is read-only for everyone."""

    def __init__(self, assessment: Assessment):
        super().__init__(f"{assessment.year} is finalised: its record can no longer be changed.")


def check_open(assessment: Assessment) -> None:
    """Refuse any change to a finalised year, judged by its stored status.

    Called inside a service's transaction, it locks the assessment row until that transaction
    ends (``select_for_update``), so the change it allows and finalising the year happen one
    after the other: a year finalised after the caller read it refuses the change, and a
    finalising that starts meanwhile waits for the change to commit. ``assessment.status`` is
    refreshed from the row. Lock order for every service: the assessment row first, then the
    rows of the year (results, links).

    Outside a transaction it still reads the stored status (a view's early check); the lock
    then ends with the query.
    """
    with transaction.atomic(savepoint=False):
        status = (
            Assessment.objects.select_for_update()
            .filter(pk=assessment.pk)
            .values_list("status", flat=True)
            .first()
        )
    if status is not None:
        assessment.status = status
    if assessment.is_finalised:
        raise YearLocked(assessment)


def previous_assessment(organisation: Organisation, year: int) -> Assessment | None:
    return Assessment.objects.for_org(organisation).filter(year__lt=year).order_by("-year").first()


def _lock_years(organisation: Organisation) -> list[Assessment]:
    """Serialise opening and deleting the organisation's years: lock its row, then read its
    years, latest first (lock order: the organisation, then assessment rows)."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    return list(Assessment.objects.for_org(organisation).order_by("-year"))


def open_year(
    organisation: Organisation,
    year: int,
    acting_user: AbstractBaseUser | None,
    kind: str | None = None,
    visit_date: date | None = None,
) -> Assessment:
    """Open a new assessment year, carrying forward the previous year's results and evidence.

    Only the year that ``rules.next_opening`` allows: the organisation's first year (any year
    a record may hold), or the year after the latest once the latest is finalised; otherwise
    YearNotAllowed (YearExists for a year there is already) says why. ``kind`` defaults to
    the next in the three-year cycle. A visit date far from the year raises ValueError.

    Ratings, self-ratings and self-notes are copied and marked carried forward until someone
    sets them again; sampling and assessor comments belong to one visit and start empty.
    Evidence links are copied, marked carried forward and not yet re-confirmed.
    """
    from evidence.models import EvidenceLink

    standard = current_standard()
    with transaction.atomic():
        years = _lock_years(organisation)
        if any(existing.year == year for existing in years):
            raise YearExists(f"{organisation} already has a {year} assessment.")
        problem = rules.opening_error(years, year)
        if problem:
            raise YearNotAllowed(problem)
        problem = rules.visit_date_error(year, visit_date)
        if problem:
            raise ValueError(problem)
        kind = kind or rules.default_kind(years)
        previous = previous_assessment(organisation, year)
        assessment = Assessment(
            organisation=organisation, standard=standard, year=year, kind=kind,
            visit_date=visit_date,
        )  # fmt: skip
        assessment._history_user = acting_user
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError:
            # Someone opened the same year a moment ago.
            raise YearExists(f"{organisation} already has a {year} assessment.") from None
        elements = list(Element.objects.filter(standard=standard).order_by("position"))
        earlier: dict[str, ElementResult] = {}
        if previous is not None:
            earlier = {
                r.element.ref: r
                for r in ElementResult.objects.filter(assessment=previous).select_related("element")
            }
        results = []
        for element in elements:
            before = earlier.get(element.ref)
            result = ElementResult(assessment=assessment, element=element, updated_by=acting_user)
            if before is not None and (before.rating or before.self_rating or before.self_notes):
                result.rating = before.rating
                result.self_rating = before.self_rating
                result.self_notes = before.self_notes
                result.carried_forward = True
            results.append(result)
        bulk_create_with_history(
            results, ElementResult, default_user=acting_user,
            default_change_reason=f"Opened {year}",
        )  # fmt: skip
        if previous is not None:
            by_ref = {e.ref: e for e in elements}
            links = [
                EvidenceLink(
                    evidence_id=old.evidence_id,
                    assessment=assessment,
                    element=by_ref[old.element.ref],
                    note=old.note,
                    carried_forward=True,
                    created_by=acting_user,
                )
                for old in EvidenceLink.objects.filter(assessment=previous).select_related(
                    "element"
                )
                if old.element.ref in by_ref
            ]
            bulk_create_with_history(
                links, EvidenceLink, default_user=acting_user,
                default_change_reason=f"Carried forward into {year}",
            )  # fmt: skip
    return assessment


DETAIL_FIELDS = ["kind", "visit_date", "updated_at"]


def update_year_details(
    assessment: Assessment,
    acting_user: AbstractBaseUser | None,
    kind: str,
    visit_date: date | None,
) -> bool:
    """Change the kind and the visit date of a year; False if they were so already.

    A finalised year raises YearLocked; a kind that is not one raises ValueError, and so
    does a visit date far from the year (``rules.visit_date_error``). The history records the
    change and who made it.
    """
    if kind not in Assessment.Kind.values:
        raise ValueError(f"“{kind}” is not a kind of assessment.")
    problem = rules.visit_date_error(assessment.year, visit_date)
    if problem:
        raise ValueError(problem)
    with transaction.atomic():
        check_open(assessment)  # locks the row and reads its status
        stored = Assessment.objects.get(pk=assessment.pk)
        if (stored.kind, stored.visit_date) == (kind, visit_date):
            assessment.kind, assessment.visit_date = stored.kind, stored.visit_date
            return False
        stored.kind, stored.visit_date = kind, visit_date
        stored._history_user = acting_user
        stored._change_reason = f"Details of {stored.year} changed"
        stored.save(update_fields=DETAIL_FIELDS)
    assessment.kind, assessment.visit_date = kind, visit_date
    assessment.updated_at = stored.updated_at
    return True


@dataclass(frozen=True)
class DeletedYear:
    """What deleting a year removed."""

    year: int
    results: int
    links: int


def delete_year(assessment: Assessment, acting_user: AbstractBaseUser | None) -> DeletedYear:
    """Delete a year opened by mistake, with its results and evidence links (the evidence
    items stay in the library). Every row removed gets a history row naming ``acting_user``.

    Only what ``rules.deletion_error`` allows: the latest year, not finalised (YearLocked),
    with no assessor marks (YearNotDeletable, with the reason). Checked again under the
    organisation's lock, so an assessor's mark made meanwhile stops it.
    """
    from assessments.queries import assessor_marks
    from evidence.models import EvidenceLink

    reason = f"Deleted {assessment.year}"
    with transaction.atomic():
        years = _lock_years(assessment.organisation)
        check_open(assessment)  # locks the row and reads its status
        latest = years[0].year if years else assessment.year
        problem = rules.deletion_error(assessment, latest, assessor_marks(assessment))
        if problem:
            raise YearNotDeletable(problem)
        links = list(EvidenceLink.objects.filter(assessment=assessment).order_by("pk"))
        results = list(ElementResult.objects.filter(assessment=assessment).order_by("pk"))
        for row in [*links, *results, assessment]:
            row._history_user = acting_user
            row._change_reason = reason
            row.delete()
    return DeletedYear(assessment.year, len(results), len(links))


@transaction.atomic
def set_self_assessment(
    result: ElementResult,
    acting_user: AbstractBaseUser | None,
    self_rating: str | None = None,
    self_notes: str | None = None,
) -> bool:
    """Record the organisation's own rating and/or notes for an element; False if unchanged.

    Only the fields given are changed (None: not sent, kept as stored; the grid sends the
    rating alone). The row is locked and read again inside the transaction, so a save that
    ran since the caller read ``result`` keeps what it wrote, and the history row written with
    the change is the stored row. ``result`` is refreshed with the stored values, for the
    answer to show. A rating that is not CP, C, PC, NC or blank raises ValidationError; a
    finalised year (as stored now) raises YearLocked.
    """
    if self_rating is not None and self_rating not in SELF_RATINGS:
        raise ValidationError(
            f"“{self_rating}” is not a rating: choose CP, C, PC or NC, or leave it blank."
        )
    check_open(result.assessment)  # locks the assessment row first
    stored = ElementResult.objects.select_for_update().get(pk=result.pk)
    stored.assessment = result.assessment
    sent = {"self_rating": self_rating, "self_notes": self_notes}
    changes = {
        name: value
        for name, value in sent.items()
        if value is not None and getattr(stored, name) != value
    }
    if changes:
        for name, value in changes.items():
            setattr(stored, name, value)
        stored.updated_by = acting_user
        stored._history_user = acting_user
        stored.save(update_fields=[*changes, "updated_by", "updated_at"])
    _copy_fields(stored, result)
    return bool(changes)


def _copy_fields(source: ElementResult, target: ElementResult) -> None:
    """The stored values of ``source`` into the caller's ``target`` (its relations kept)."""
    for model_field in ElementResult._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(source, model_field.attname))
