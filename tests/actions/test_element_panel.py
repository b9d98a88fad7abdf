"""The element page's actions panel reads its actions as plain rows
(actions.queries.PanelAction): drawn, they give what the Actions they stand for give, for
actions of every shape (each status, overdue or not, with an owner named or known by email
or none, raised in an earlier year, a long description)."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from actions import queries
from actions.models import Action
from assessments.models import Assessment, ElementResult
from tests.factories import ActionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_panel_draws_its_rows_as_the_actions_they_stand_for(
    y2018, y2017, pc_element, rf, monkeypatch
):
    today = timezone.localdate()
    named = UserFactory(full_name="Olive <Owner>")
    unnamed = UserFactory(full_name="")
    earlier = ElementResult.objects.get(assessment=y2017, element__ref=pc_element.ref).element
    shapes = [
        (y2018, pc_element, Action.Status.OPEN, today - timedelta(days=1), named),
        (y2018, pc_element, Action.Status.IN_PROGRESS, today + timedelta(days=3), unnamed),
        (y2018, pc_element, Action.Status.DONE, today - timedelta(days=9), None),
        (y2017, earlier, Action.Status.VERIFIED, today - timedelta(days=400), named),
        (y2017, earlier, Action.Status.OPEN, today, None),
    ]
    for year, element, status, due, owner in shapes:
        ActionFactory(
            raised_in=year,
            element=element,
            status=status,
            due_date=due,
            owner=owner,
            description="Review & “publish” <the> complaints outcomes. " * 5,
        )
    rows = queries.element_actions(y2018, pc_element)
    actions = list(
        Action.objects.filter(organisation=y2018.organisation)
        .select_related("owner", "raised_in")
        .order_by("-raised_in__year", "due_date", "pk")
    )
    assert [row.pk for row in rows] == [action.pk for action in actions]
    assert len(rows) == len(shapes)
    for row, action in zip(rows, actions, strict=True):
        assert row.is_overdue_on(today) == action.is_overdue_on(today)
        assert row.get_status_display() == action.get_status_display()

    result = ElementResult.objects.select_related("element").get(
        assessment=y2018, element=pc_element
    )
    request = rf.get("/")
    context = {
        "assessment": Assessment.objects.select_related("organisation").get(pk=y2018.pk),
        "organisation": y2018.organisation,
        "result": result,
        "element": result.element,
        "org_can": {"raise_action": True},
    }

    def panel(found: list) -> str:
        monkeypatch.setattr(queries, "element_actions", lambda assessment, element: found)
        return render_to_string("actions/_element_panel.html", context, request)

    drawn = panel(rows)
    assert drawn == panel(actions)
    assert "Olive &lt;Owner&gt;" in drawn and unnamed.email in drawn and "nobody yet" in drawn
    assert "Overdue" in drawn and "Raised in 2017" in drawn
