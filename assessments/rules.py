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
