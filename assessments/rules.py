"""Business rules of an assessment year that are plain functions of its figures. (A year's
certification outcome is ``assessments.outcome``.)"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.utils import timezone

from assessments.models import Assessment

# --- What needs the quality lead's attention in a year's grid --------------------------------

NO_SELF_RATING = "No self-rating"
NO_EVIDENCE = "No evidence linked"
OVERDUE_EVIDENCE = "Evidence past its review date"
NO_ACTION = "Partial or Non-Compliance without an improvement action"
NEEDS_ACTION = frozenset({"PC", "NC"})


def attention_reasons(
    result, evidence_count: int, has_overdue: bool, has_action: bool = True
) -> list[str]:
    """Why an element (or sub-element) of a year needs attention, in words; empty if none.

    ``result`` is the year's ElementResult (its ``self_rating`` and ``rating`` are read),
    ``evidence_count`` the number of evidence items linked to the element in that year,
    ``has_overdue`` whether any of them is past its review date and ``has_action`` whether an
    improvement action is in hand for it (assessments.linked_actions): a PC or NC, by its
    rating or its self-rating, without one needs attention.
    """
    reasons = []
    if not result.self_rating:
        reasons.append(NO_SELF_RATING)
    if evidence_count <= 0:
        reasons.append(NO_EVIDENCE)
    if has_overdue:
        reasons.append(OVERDUE_EVIDENCE)
    if not has_action and (result.rating in NEEDS_ACTION or result.self_rating in NEEDS_ACTION):
        reasons.append(NO_ACTION)
    return reasons


# --- Which years a record may hold -----------------------------------------------------------
#
# One rule for every place that takes a year: the open-year form, the Annex One import, the
# services. A year a record holds stays valid for ever (the upper bound only grows), so
# everything the portal writes, it can read back: every export imports again.

FIRST_YEAR = 1990  # the earliest year of a Charter Mark / CSE record we accept


def last_year(today: date | None = None) -> int:
    """The latest year a record may hold: next year (a visit can be planned ahead)."""
    return (today or timezone.localdate()).year + 1


def year_error(value: str | int, today: date | None = None) -> str:
    """Why ``value`` is not a year a record may hold, in words; "" when it is.

    A string must be four ASCII digits ("2018"; not "²⁰¹⁸", "٢٠١٨", "2018.0" or " 2018").
    """
    last = last_year(today)
    if isinstance(value, str):
        well_formed = len(value) == 4 and value.isascii() and value.isdecimal()
        year = int(value) if well_formed else None
    else:
        year = value
    if year is None or not FIRST_YEAR <= year <= last:
        return f'"{value}" is not a year — use a year from {FIRST_YEAR} to {last}'
    return ""


# --- Opening the next year -------------------------------------------------------------------

INITIAL = Assessment.Kind.INITIAL
ANNUAL_REVIEW = Assessment.Kind.ANNUAL_REVIEW
REASSESSMENT = Assessment.Kind.REASSESSMENT
FINALISED = Assessment.Status.FINALISED
ANNUAL_REVIEWS_PER_CYCLE = 2  # initial assessment, two annual reviews, then a reassessment

STATUS_WORDS = {
    Assessment.Status.SELF_ASSESSMENT: "in self-assessment",
    Assessment.Status.SUBMITTED: "submitted for review",
    Assessment.Status.ASSESSOR_REVIEW: "in assessor review",
    Assessment.Status.CHANGES_REQUESTED: "waiting for the changes the assessor requested",
}


class YearLike(Protocol):
    """What the rules read of an existing year (an Assessment has these)."""

    year: int
    status: str
    kind: str


@dataclass(frozen=True)
class Opening:
    """Which years may be opened now, and what the form offers.

    ``years`` is empty when none may (``reason`` says why): the organisation's first year may
    be any year a record may hold; after it, only the year after the latest, once the latest
    is finalised.
    """

    years: range
    default_year: int | None
    default_kind: str
    reason: str = ""  # why no year can be opened
    latest: int | None = None  # the organisation's latest year

    @property
    def allowed(self) -> bool:
        return bool(self.years)

    @property
    def first(self) -> bool:
        return self.latest is None

    @property
    def only_year(self) -> int | None:
        """The one year that may be opened, when there is exactly one."""
        return self.years[0] if len(self.years) == 1 else None


def default_kind(years: Sequence[YearLike]) -> str:
    """The kind of the next year in the three-year cycle (``years`` latest first): the first
    is the initial assessment; two annual reviews follow an initial assessment or a
    reassessment, then the next is a reassessment."""
    if not years:
        return INITIAL
    reviews = 0
    for year in years:
        if year.kind != ANNUAL_REVIEW:
            break
        reviews += 1
    return REASSESSMENT if reviews >= ANNUAL_REVIEWS_PER_CYCLE else ANNUAL_REVIEW


def next_opening(years: Sequence[YearLike], today: date | None = None) -> Opening:
    """Which year the organisation may open now, given its years (any order)."""
    years = sorted(years, key=lambda y: y.year, reverse=True)
    last = last_year(today)
    if not years:
        this_year = (today or timezone.localdate()).year
        return Opening(range(FIRST_YEAR, last + 1), this_year, INITIAL)
    latest = years[0]
    kind = default_kind(years)
    if latest.status != FINALISED:
        state = STATUS_WORDS.get(latest.status, "not finalised")
        return Opening(
            range(0),
            None,
            kind,
            f"{latest.year} is still {state}: {latest.year + 1} can be opened once the "
            f"assessor has finalised {latest.year}.",
            latest.year,
        )
    if latest.year + 1 > last:
        return Opening(
            range(0),
            None,
            kind,
            f"{latest.year + 1} cannot be opened yet: the latest year a record may hold is {last}.",
            latest.year,
        )
    return Opening(range(latest.year + 1, latest.year + 2), latest.year + 1, kind, "", latest.year)


def opening_error(years: Sequence[YearLike], year: int, today: date | None = None) -> str:
    """Why ``year`` may not be opened now, in words; "" when it may."""
    if any(y.year == year for y in years):
        return f"There is a {year} assessment already: open it from the list of years."
    opening = next_opening(years, today)
    if year in opening.years:
        return ""
    if opening.first:
        return year_error(year, today)
    if not opening.allowed:
        return opening.reason
    return (
        f"Only {opening.only_year} can be opened: years are opened one at a time, each the "
        f"year after the latest ({opening.latest})."
    )


def visit_date_error(year: int, visit_date: date | None) -> str:
    """Why ``visit_date`` cannot be the assessor's visit of ``year``; "" when it can (or is
    not known yet). The visit of a year falls within it, or the year before or after."""
    if visit_date is None:
        return ""
    if not year - 1 <= visit_date.year <= year + 1:
        return (
            f"The visit for {year} must fall between 1 January {year - 1} and "
            f"31 December {year + 1}: check the year of the date."
        )
    return ""


# --- Deleting a year opened by mistake -------------------------------------------------------


def deletion_error(year: YearLike, latest_year: int, assessor_marks: int) -> str:
    """Why ``year`` may not be deleted, in words; "" when it may.

    Only the latest year, not finalised, with no assessor marks (a rating the assessor set,
    a sampled mark or an assessor's comment): a year holding nothing but values carried
    forward and the organisation's self-assessment.
    """
    if year.status == FINALISED:
        return f"{year.year} is finalised: its record is kept for good."
    if year.year != latest_year:
        return (
            f"Only the latest year can be deleted: {latest_year} comes after {year.year}, "
            f"delete {latest_year} first."
        )
    if assessor_marks:
        marks = f"{assessor_marks} assessor mark{'s' * (assessor_marks != 1)}"
        return (
            f"{year.year} has {marks} (ratings, sampling or comments): a year the assessor "
            "has worked on cannot be deleted."
        )
    return ""


# --- Labelling a year's counts ---------------------------------------------------------------


def counts_note(status: str, assessed: int, carried: int, carried_from: int | None) -> str:
    """What a year's CP/C/PC/NC counts are, when they are not (yet) the year's result.

    A finalised year's counts are its result (ratings the assessor left as carried forward
    are part of it). Before that, ratings carried forward from the year before are not this
    year's assessment, and say so.
    """
    if status == FINALISED or not carried:
        return ""
    source = f"carried forward from {carried_from}" if carried_from else "carried forward"
    if not assessed:
        return f"{source.capitalize()}, not yet assessed"
    return f"{assessed} assessed so far; {carried} {source}"
