"""The year page's status panel: the status, the events timeline (who, when, note) and the
moves the member may make now (one query: the timeline)."""

from django import template

from assessments import workflow
from assessments.workflow import Move

register = template.Library()


@register.inclusion_tag("assessments/_status_panel.html", takes_context=True)
def year_status_panel(context: template.Context) -> dict:
    request = context["request"]
    assessment = context["assessment"]
    moves = set(workflow.moves_for(assessment, getattr(request, "membership", None)))
    return {
        "assessment": assessment,
        "organisation": context.get("organisation"),
        "timeline": workflow.timeline(assessment),
        "csrf_token": context.get("csrf_token"),
        "may_submit": Move.SUBMIT in moves,
        "may_start_review": Move.START_REVIEW in moves,
        "may_return": Move.REQUEST_CHANGES in moves,
        "may_finalise": Move.FINALISE in moves,
        "may_reopen": Move.REOPEN in moves,
    }
