"""The actions app's answers to what an assessment year asks of its improvement actions
(``assessments.linked_actions.LinkedActions``), registered in ``ActionsConfig.ready()``."""

from actions import queries
from assessments.linked_actions import ActionFigures
from assessments.models import Assessment


class YearActions:
    def refs_with_actions(self, assessment: Assessment) -> set[str]:
        return queries.refs_with_actions(assessment)

    def unfinished_counts(self, assessment: Assessment) -> dict[str, int]:
        return queries.unfinished_counts(assessment)

    def element_figures(self, assessment: Assessment, ref: str = "") -> dict[str, ActionFigures]:
        return queries.element_figures(assessment, ref)
