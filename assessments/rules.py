"""Business rules of an assessment year that are plain functions of its figures."""

from dataclasses import dataclass
from enum import StrEnum


class OutcomeCode(StrEnum):
    CERTIFIED = "certified"
    CERTIFIED_WITH_ACTIONS = "certified_with_actions"
    NOT_MET = "not_met"


@dataclass(frozen=True)
class Outcome:
    code: OutcomeCode
    label: str


def certification_outcome(counts: dict[str, int]) -> Outcome:
    """The outcome of a finalised year from its CP/C/PC/NC counts over the 57 elements.

    Any non-compliance means the standard is not met. Partial compliance keeps the
    certificate, with the partially compliant elements to address before the next visit.
    """
    nc, pc = counts.get("NC", 0), counts.get("PC", 0)
    if nc:
        return Outcome(
            OutcomeCode.NOT_MET, f"Not met: non-compliance on {nc} element{'s' * (nc != 1)}"
        )
    if pc:
        return Outcome(
            OutcomeCode.CERTIFIED_WITH_ACTIONS,
            f"Certified; partial compliance on {pc} element{'s' * (pc != 1)} to address",
        )
    return Outcome(OutcomeCode.CERTIFIED, "Certified")


# --- What needs the quality lead's attention in a year's grid --------------------------------

NO_SELF_RATING = "No self-rating"
NO_EVIDENCE = "No evidence linked"
OVERDUE_EVIDENCE = "Evidence past its review date"


def attention_reasons(result, evidence_count: int, has_overdue: bool) -> list[str]:
    """Why an element (or sub-element) of a year needs attention, in words; empty if none.

    ``result`` is the year's ElementResult (only its ``self_rating`` is read),
    ``evidence_count`` the number of evidence items linked to the element in that year and
    ``has_overdue`` whether any of them is past its review date.
    """
    reasons = []
    if not result.self_rating:
        reasons.append(NO_SELF_RATING)
    if evidence_count <= 0:
        reasons.append(NO_EVIDENCE)
    if has_overdue:
        reasons.append(OVERDUE_EVIDENCE)
    return reasons
