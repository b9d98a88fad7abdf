"""Writing Annex One charts into the database: ``plan_annex_one`` says what an import would
change without writing (the browser's preview), ``apply_annex_one`` writes it (the
``import_annex_one`` command, the demo, the browser's confirmation), from the same plan.

It sits in reports, beside the CSV rules of ``reports.annex_one``, because it needs them and
reports may read and write the apps below it (standards ← organisations ← assessments ←
evidence ← reports); assessments knows nothing of Annex One files.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessments.models import Assessment, ElementResult
from assessments.services import current_standard
from organisations.models import Organisation
from reports.annex_one import AnnexOneError, AnnexOneTable, Cell, CellError
from standards.models import Element, Standard

IMPORTED_FIELDS = [
    "rating",
    "sampled",
    "carried_forward",
    "version",
    "updated_by",
    "updated_at",
]
IMPORT_REASON = "Annex One import"


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


class CellChange(NamedTuple):
    """One cell of the chart the import changes: ``kind`` is added, changed, cleared or
    confirmed (a carried-forward rating the file sets as this year's mark)."""

    year: int
    ref: str
    before: Cell
    after: Cell
    kind: str


CHANGE_KINDS = ("added", "changed", "cleared", "confirmed")


@dataclass
class ImportPlan:
    """What importing a table would do, computed without writing anything.

    ``problems`` are the faults that refuse the whole import (a finalised year it would
    change), each with its line and column; ``digest`` fingerprints the plan, so that a
    confirmation can insist on writing exactly what its preview showed.
    """

    years: list[int]
    years_created: list[int]
    changes: list[CellChange]
    results_created: int
    results_changed: int
    problems: list[CellError]
    digest: str
    _plans: list[_Plan] = field(repr=False, default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.years_created or self.results_created or self.results_changed)

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in CHANGE_KINDS}


class PlanChanged(Exception):
    """The data changed between the preview and the confirmation: nothing was written."""


def plan_annex_one(
    organisation: Organisation, table: AnnexOneTable, *, acting_user: AbstractBaseUser | None
) -> ImportPlan:
    """What ``apply_annex_one`` would do with ``table`` now: read only, nothing locked or
    written. A finalised year the file would change is listed in ``problems``."""
    return _make_plan(organisation, table, acting_user, lock=False)


def apply_annex_one(
    organisation: Organisation,
    table: AnnexOneTable,
    *,
    acting_user: AbstractBaseUser | None,
    expected_digest: str | None = None,
) -> ImportSummary:
    """Create or update one assessment per year of ``table`` and its element results.

    Every year gets one result per element and sub-element of its standard. Refs in the table
    take the file's rating and sampled mark (an assessor's mark, so no longer carried forward);
    refs not in the table keep what they had. Only rows whose values change are written, with
    a history row naming ``acting_user``. A finalised year is read-only: if the file would
    change one, AnnexOneError is raised and nothing is written. With ``expected_digest`` (the
    plan a preview showed), PlanChanged is raised and nothing written unless the plan made
    under the locks is that one.

    What it plans from is locked until it commits (the organisation, its years in the file,
    their results), so a save or a finalising meanwhile waits, and every history row it
    writes is the row as stored.
    """
    with transaction.atomic():
        plan = _make_plan(organisation, table, acting_user, lock=True)
        if plan.problems:
            raise AnnexOneError(plan.problems)
        if expected_digest is not None and plan.digest != expected_digest:
            raise PlanChanged
        return _write(plan._plans, acting_user)


def _make_plan(
    organisation: Organisation,
    table: AnnexOneTable,
    acting_user: AbstractBaseUser | None,
    *,
    lock: bool,
) -> ImportPlan:
    standard = current_standard()
    if lock:
        # Lock order, as in every service: the organisation (years are created or deleted
        # under its lock), the assessment rows (here by year), then their results.
        Organisation.objects.select_for_update(of=("self",)).filter(pk=organisation.pk).first()
    years = Assessment.objects.filter(organisation=organisation, year__in=table.years)
    if lock:
        years = years.select_for_update(of=("self",))
    existing = {a.year: a for a in years.order_by("year")}
    earliest = Assessment.objects.for_org(organisation).aggregate(year=Min("year"))["year"]
    assessments = [
        existing.get(year) or _new_assessment(organisation, standard, year, table, earliest)
        for year in sorted(table.years)
    ]
    elements = _elements_by_standard({a.standard_id for a in assessments})
    results = _results_by_assessment([a for a in assessments if a.pk], lock=lock)
    changes: list[CellChange] = []
    plans = [
        _plan(a, table, elements[a.standard_id], results.get(a.pk, {}), acting_user, changes)
        for a in assessments
    ]
    problems = _refuse_finalised_changes(plans, table)
    years_created = [plan.assessment.year for plan in plans if plan.assessment.pk is None]
    return ImportPlan(
        years=[a.year for a in assessments],
        years_created=years_created,
        changes=changes,
        results_created=sum(len(plan.new) for plan in plans),
        results_changed=sum(len(plan.changed) for plan in plans),
        problems=problems,
        digest=_digest(organisation, years_created, changes, plans),
        _plans=plans,
    )


def _digest(
    organisation: Organisation,
    years_created: list[int],
    changes: list[CellChange],
    plans: list[_Plan],
) -> str:
    """A fingerprint of everything the plan writes: the years it creates, each cell's before
    and after, and each changed result's stored marks (a carried-forward flag included)."""
    payload = {
        "organisation": organisation.pk,
        "years_created": years_created,
        "changes": [[c.year, c.ref, str(c.before), str(c.after), c.kind] for c in changes],
        "results": [[plan.assessment.year, len(plan.new), len(plan.changed)] for plan in plans],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
    assessments: list[Assessment], *, lock: bool
) -> dict[int, dict[int, ElementResult]]:
    """Existing results of saved assessments, locked until the import commits: assessment
    id → element id → result.

    The import plans from these values and its history rows copy them, so no save may change
    them in between. Rows are locked in primary-key order, the same order every time, so two
    imports never wait for each other crosswise (a save locks one row only).
    """
    results: dict[int, dict[int, ElementResult]] = {a.pk: {} for a in assessments}
    rows = ElementResult.objects.filter(assessment__in=assessments)
    if lock:
        rows = rows.select_for_update(of=("self",))
    for result in rows.order_by("pk"):
        results[result.assessment_id][result.element_id] = result
    return results


def _plan(
    assessment: Assessment,
    table: AnnexOneTable,
    elements: list[Element],
    results: dict[int, ElementResult],
    acting_user: AbstractBaseUser | None,
    changes: list[CellChange],
) -> _Plan:
    """The year's new and changed results; each cell the file changes goes to ``changes``."""
    plan = _Plan(assessment)
    now = timezone.now()
    for element in elements:
        cell = table.cell(element.ref, assessment.year) if element.ref in table.rows else None
        result = results.get(element.id)
        if result is None:
            result = ElementResult(assessment=assessment, element=element)
            if cell is not None:
                _note_change(changes, assessment.year, element.ref, None, cell)
                _set_marks(result, cell, acting_user, now)
            plan.new.append(result)
        elif cell is not None and _differs(result, cell):
            _note_change(changes, assessment.year, element.ref, result, cell)
            _set_marks(result, cell, acting_user, now)
            plan.changed.append(result)
    return plan


def _note_change(
    changes: list[CellChange], year: int, ref: str, result: ElementResult | None, after: Cell
) -> None:
    before = Cell(sampled=result.sampled, rating=result.rating) if result else Cell()
    if before == after:
        if result is None or not result.carried_forward:
            return  # an empty new result
        kind = "confirmed"
    elif before == Cell():
        kind = "added"
    elif after == Cell():
        kind = "cleared"
    else:
        kind = "changed"
    changes.append(CellChange(year, ref, before, after, kind))


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
    # An assessor's mark changed: a save from a page drawn before the import is now stale.
    result.version += 1
    result.updated_by = acting_user
    result.updated_at = now


def _refuse_finalised_changes(plans: list[_Plan], table: AnnexOneTable) -> list[CellError]:
    """The faults that refuse the import: each finalised year it would change, at its column."""
    return [
        table.error_at_year(
            plan.assessment.year,
            f"the {plan.assessment.year} assessment is finalised, so its results are read-only "
            f"— the file would change {len(plan.new) + len(plan.changed)} of them",
        )
        for plan in plans
        if plan.assessment.is_finalised and (plan.new or plan.changed)
    ]


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
