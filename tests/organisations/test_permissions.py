"""Every cell of the roles table in DESIGN.md, written out again here on purpose.

The grid below is copied from the design, not computed from organisations.permissions, so a
change to the rules has to be made twice: once in the code and once here, deliberately.
"""

import pytest

from organisations.models import Membership, Role
from organisations.permissions import Action, can, role_can

ROLES = ["admin", "quality_lead", "assessor", "governing_body"]

# fmt: off
GRID = """
                    admin   quality_lead  assessor  governing_body
view                  ✓          ✓            ✓           ✓
download_evidence     ✓          ✓            ✓           –
edit_evidence         ✓          ✓            –           –
rate                  –          –            ✓           –
open_year             ✓          ✓            ✓           –
delete_year           ✓          –            –           –
reports               ✓          ✓            ✓           ✓
manage_members        ✓          –            –           –
submit_year           ✓          ✓            –           –
review_year           –          –            ✓           –
reopen_year           ✓          –            –           –
view_audit_log        ✓          –            –           –
raise_action          ✓          ✓            ✓           –
edit_actions          ✓          ✓            –           –
verify_action         –          –            ✓           –
import_annex_one      ✓          ✓            –           –
evidence_pack         ✓          ✓            ✓           –
"""
# fmt: on


def parse_grid(grid: str) -> dict[tuple[str, str], bool]:
    lines = [line.split() for line in grid.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header == ROLES
    cells = {}
    for action, *marks in rows:
        assert len(marks) == len(ROLES), action
        for role, mark in zip(ROLES, marks, strict=True):
            assert mark in {"✓", "–"}, mark
            cells[(role, action)] = mark == "✓"
    return cells


EXPECTED = parse_grid(GRID)


def test_grid_covers_every_role_and_action():
    assert {role for role, _ in EXPECTED} == {role.value for role in Role}
    assert {action for _, action in EXPECTED} == {action.value for action in Action}
    assert len(EXPECTED) == 4 * len(Action)


@pytest.mark.parametrize(("role", "action"), sorted(EXPECTED))
def test_role_can(role, action):
    assert role_can(role, Action(action)) is EXPECTED[(role, action)]
    # The same answer through a membership, as views and templates ask it.
    assert can(Membership(role=role), Action(action)) is EXPECTED[(role, action)]


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ["", "owner", "ADMIN", "Quality lead", None])
def test_unknown_role_can_nothing(role, action):
    assert role_can(role, action) is False
    assert can(Membership(role=role), action) is False


@pytest.mark.parametrize("action", list(Action))
def test_no_membership_can_nothing(action):
    assert can(None, action) is False
