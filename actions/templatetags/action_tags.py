"""The element page's improvement actions panel (templates/actions/_element_panel.html,
included by assessments/element.html): the actions app answers for its own rows, so the
assessments app imports nothing of it."""

from django import template
from django.utils import timezone

from actions import queries, rules
from assessments.models import Assessment, ElementResult

register = template.Library()


@register.simple_tag
def element_actions(assessment: Assessment, result: ElementResult) -> queries.ElementActions:
    """The actions on the element raised in the year or before (one query), and whether its
    rating offers a new one."""
    return queries.ElementActions(
        actions=queries.element_actions(assessment, result.element),
        offers=rules.offers_action(result.rating, result.self_rating),
        today=timezone.localdate(),
    )


@register.inclusion_tag("actions/_status.html")
def action_status(action, today) -> dict:
    """An action's status in words, with "Overdue" (in words, not colour alone) when it is."""
    return {"action": action, "overdue": action.is_overdue_on(today)}
