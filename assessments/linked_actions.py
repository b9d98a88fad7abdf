"""What an assessment year asks of the improvement actions raised on its elements, without
importing the actions app.

The apps depend one way (… ← assessments ← evidence ← actions ← reports), yet the year's
pre-finalise check asks which Partial or Non-Compliance elements have an action in hand, and
the grid may show each element's unfinished actions. So assessments says here what it asks
(``LinkedActions``) and the actions app answers: ``ActionsConfig.ready()`` registers its
``actions.year_actions.YearActions`` with ``provide``. Until something is registered, a year
has no actions (``NoActions``). The same pattern as ``assessments.linked_evidence``.
"""

from typing import NamedTuple, Protocol

from assessments.models import Assessment


class ActionFigures(NamedTuple):
    """What a year's grid shows of one element's improvement actions."""

    unfinished: int  # open or in progress, raised in the year or before
    in_hand: bool  # an action raised in the year, or earlier and not yet verified


class LinkedActions(Protocol):
    def refs_with_actions(self, assessment: Assessment) -> set[str]:
        """The refs of the year's elements that have an improvement action in hand: one
        raised in the year, or one raised in an earlier year of the organisation and not yet
        verified (one query). A PC or NC whose ref is not here has no action."""
        ...

    def unfinished_counts(self, assessment: Assessment) -> dict[str, int]:
        """Element ref → how many of its actions raised in the year or before are still open
        or in progress (one query); refs without any are left out."""
        ...

    def element_figures(self, assessment: Assessment, ref: str = "") -> dict[str, ActionFigures]:
        """Element ref → its unfinished actions and whether it has one in hand (as
        ``refs_with_actions``), for the year's grid: one query; ``ref`` narrows it to one
        element. Refs without any action raised in the year or before are left out."""
        ...


class NoActions:
    """The answers of a portal without the actions app: no actions anywhere."""

    def refs_with_actions(self, assessment: Assessment) -> set[str]:
        return set()

    def unfinished_counts(self, assessment: Assessment) -> dict[str, int]:
        return {}

    def element_figures(self, assessment: Assessment, ref: str = "") -> dict[str, ActionFigures]:
        return {}


_provider: LinkedActions = NoActions()


def provide(provider: LinkedActions) -> None:
    """Register the answers (the actions app does, once, when Django starts)."""
    global _provider
    _provider = provider


def provider() -> LinkedActions:
    return _provider
