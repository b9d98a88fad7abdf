"""Assessment actions: each is atomic, takes the acting user, and keeps every rating change in
the audit history (through django-simple-history's bulk helpers, never ``queryset.update()``).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from assessments import linked_evidence, rules
from assessments.models import Assessment, ElementResult, Rating
from organisations.models import Membership, Organisation, Role
from standards.models import Element, Standard


class StandardNotLoaded(Exception):
    """No CSE standard is in the database, so there are no elements to rate."""


def current_standard() -> Standard:
    standard = Standard.objects.current()
    if standard is None:
        raise StandardNotLoaded(
            "The CSE standard is not loaded: run `python manage.py loaddata cse_standard` first."
        )
    return standard


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
            Assessment.objects.select_for_update(of=("self",))
            .filter(pk=assessment.pk)
            .order_by()  # not the model's order: it joins the organisation, for nothing
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
    Organisation.objects.select_for_update(of=("self",)).filter(pk=organisation.pk).first()
    return list(Assessment.objects.for_org(organisation).order_by("-year"))


def open_year(
    organisation: Organisation,
    year: int,
    *,
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
    Evidence links are copied, marked carried forward and not yet re-confirmed (by the
    evidence app, through ``linked_evidence``, in this transaction).
    """
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
            linked_evidence.provider().carry_forward(
                previous, assessment, elements, acting_user=acting_user
            )
    return assessment


DETAIL_FIELDS = ["kind", "visit_date", "updated_at"]
VISIT_DETAIL_FIELDS = [
    "document_review_date",
    "visit_end_date",
    "lead_assessor",
    "certification_body",
]
MAX_VISIT_DAYS = 31  # a visit lasts days, not months


class _Keep:
    """A detail not sent: kept as stored."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def visit_details_error(
    assessment: Assessment,
    visit_date: date | None,
    *,
    document_review_date: date | None = None,
    visit_end_date: date | None = None,
    lead_assessor: AbstractBaseUser | None = None,
    certification_body: str = "",
) -> str:
    """Why these details cannot be the year's, in words; "" when they can. The document
    review falls near the year as the visit does; a visit's last day is on or after its first
    and within a month of it; the lead assessor is a current member with the assessor role."""
    year = assessment.year
    if document_review_date is not None and not year - 1 <= document_review_date.year <= year + 1:
        return (
            f"The document review for {year} must fall between 1 January {year - 1} and "
            f"31 December {year + 1}: check the year of the date."
        )
    if visit_end_date is not None:
        if visit_date is None:
            return "Give the visit's first day as well as its last."
        if visit_end_date < visit_date:
            return "The visit's last day cannot be before its first day."
        if (visit_end_date - visit_date).days > MAX_VISIT_DAYS:
            return f"A visit lasts at most {MAX_VISIT_DAYS} days: check the last day."
    if len(certification_body) > 200:
        return "Keep the certification body's name under 200 characters."
    if lead_assessor is not None and not (
        Membership.objects.current()
        .filter(organisation_id=assessment.organisation_id, user=lead_assessor, role=Role.ASSESSOR)
        .exists()
    ):
        return "The lead assessor must be one of the organisation's assessors."
    return ""


def update_year_details(
    assessment: Assessment,
    kind: str,
    visit_date: date | None,
    *,
    acting_user: AbstractBaseUser | None,
    document_review_date: date | None = KEEP,
    visit_end_date: date | None = KEEP,
    lead_assessor: AbstractBaseUser | None = KEEP,
    certification_body: str = KEEP,
) -> bool:
    """Change the details of a year (its kind and visit date; and, when given, the document
    review date, the visit's last day, the lead assessor and the certification body); False
    if they were so already. A detail not given (``KEEP``) keeps its stored value.

    A finalised year raises YearLocked; a kind that is not one raises ValueError, and so
    does a visit date far from the year (``rules.visit_date_error``) or any detail
    ``visit_details_error`` refuses. The history records the change and who made it.
    """
    if kind not in Assessment.Kind.values:
        raise ValueError(f"“{kind}” is not a kind of assessment.")
    problem = rules.visit_date_error(assessment.year, visit_date)
    if problem:
        raise ValueError(problem)
    sent = {
        "document_review_date": document_review_date,
        "visit_end_date": visit_end_date,
        "lead_assessor": lead_assessor,
        "certification_body": certification_body,
    }
    sent = {name: value for name, value in sent.items() if value is not KEEP}
    if "certification_body" in sent:
        sent["certification_body"] = (sent["certification_body"] or "").strip()
    with transaction.atomic():
        check_open(assessment)  # locks the row and reads its status
        stored = Assessment.objects.get(pk=assessment.pk)
        wanted = {"kind": kind, "visit_date": visit_date, **sent}
        merged = {name: getattr(stored, name) for name in VISIT_DETAIL_FIELDS} | sent
        problem = visit_details_error(stored, visit_date, **merged)
        if problem:
            raise ValueError(problem)
        changed = [name for name, value in wanted.items() if getattr(stored, name) != value]
        if changed:
            for name, value in wanted.items():
                setattr(stored, name, value)
            stored._history_user = acting_user
            stored._change_reason = f"Details of {stored.year} changed"
            stored.save(update_fields=[*changed, "updated_at"])
    for name in ["kind", "visit_date", "updated_at", *VISIT_DETAIL_FIELDS]:
        attname = Assessment._meta.get_field(name).attname  # lead_assessor_id: no query
        setattr(assessment, attname, getattr(stored, attname))
    return bool(changed)


@dataclass(frozen=True)
class DeletedYear:
    """What deleting a year removed."""

    year: int
    results: int
    links: int


def delete_year(assessment: Assessment, *, acting_user: AbstractBaseUser | None) -> DeletedYear:
    """Delete a year opened by mistake, with its results and evidence links (the evidence
    items stay in the library). Every row removed gets a history row naming ``acting_user``.

    Only what ``rules.deletion_error`` allows: the latest year, not finalised (YearLocked),
    with no assessor marks (YearNotDeletable, with the reason). Checked again under the
    organisation's lock, so an assessor's mark made meanwhile stops it.
    """
    from assessments.queries import assessor_marks

    reason = f"Deleted {assessment.year}"
    with transaction.atomic():
        years = _lock_years(assessment.organisation)
        check_open(assessment)  # locks the row and reads its status
        latest = years[0].year if years else assessment.year
        problem = rules.deletion_error(assessment, latest, assessor_marks(assessment))
        if problem:
            raise YearNotDeletable(problem)
        links = linked_evidence.provider().delete_links(
            assessment, acting_user=acting_user, reason=reason
        )
        results = list(ElementResult.objects.filter(assessment=assessment).order_by("pk"))
        for row in [*results, assessment]:
            row._history_user = acting_user
            row._change_reason = reason
            row.delete()
    return DeletedYear(assessment.year, len(results), links)


@transaction.atomic
def set_self_assessment(
    result: ElementResult,
    *,
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
    stored = ElementResult.objects.select_for_update(of=("self",)).get(pk=result.pk)
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
