"""axe-core (shipped inside the axe-playwright-python package: nothing is downloaded at run
time) on every main page, as each role, at desktop and at phone width. Any serious or critical
violation fails the test, naming the page, the rule and the first elements it found."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 768), "phone": (390, 844)}
BLOCKING = {"serious", "critical"}

# Every main page of the demo organisation; {evidence} is a real item of its library.
PAGES = {
    "dashboard": "/o/demo/",
    "standard": "/standard/",
    "standard element": "/standard/1.3.3/",
    "years": "/o/demo/assessments/",
    "grid 2018": "/o/demo/assessments/2018/",
    "grid 2017 (finalised)": "/o/demo/assessments/2017/",
    "element 1.1.1 in 2018": "/o/demo/assessments/2018/elements/1.1.1/",
    "element 1.1.1 history in 2018": "/o/demo/assessments/2018/elements/1.1.1/history/",
    "evidence library": "/o/demo/evidence/",
    "evidence item": "/o/demo/evidence/{evidence}/",
    # The assessor's findings and the sampling helper: forms for the assessor (as the grid
    # and the element page are in assessor mode for them), to read for everyone else.
    "findings 2018": "/o/demo/assessments/2018/summaries/",
    "sampling 2018 (proposed)": "/o/demo/assessments/2018/sample/?propose=1",
    # Improvement actions: {action} is one raised on 2.1.4 (PC in 2018) by demo_action().
    "actions": "/o/demo/actions/",
    "actions, filtered": "/o/demo/actions/?status=unfinished&overdue=on",
    "action": "/o/demo/actions/{action}/",
    "element 2.1.4 in 2018 (its actions)": "/o/demo/assessments/2018/elements/2.1.4/",
    "progression (Annex One, charts, what changed)": "/o/demo/progression/",
    "board reports": "/o/demo/progression/board-reports/",
    "ask for a board report": "/o/demo/progression/board-reports/new/?year=2018",
}
EDITOR_PAGES = {
    "add evidence": "/o/demo/evidence/new/",
    "add a web link": "/o/demo/evidence/new/?kind=link",
    "edit evidence": "/o/demo/evidence/{evidence}/edit/",
    "raise an action": "/o/demo/actions/new/2018/2.1.4/",
    "edit an action": "/o/demo/actions/{action}/edit/",
    "details 2018 (visit, lead assessor)": "/o/demo/assessments/2018/details/",
    "submit 2018 (in review: says why not)": "/o/demo/assessments/2018/submit/",
    "import a spreadsheet": "/o/demo/progression/import/",
    "evidence pack 2018": "/o/demo/assessments/2018/evidence-pack/",
}
# {member} is the board member's membership, which the test gives a last day (the members
# page then shows "until …"), beside a lapsed membership ("lapsed on …").
ADMIN_PAGES = {
    "members": "/o/demo/members/",
    "member end date": "/o/demo/members/{member}/end/",
    "audit log": "/o/demo/audit/",
    "audit log, filtered": "/o/demo/audit/?year=2018&kind=result&ref=1.1.1",
    "reopen 2017": "/o/demo/assessments/2017/reopen/",
}
# The assessor of two organisations: the home page and /assessor/ list both.
ASSESSOR_PAGES = {
    "home": "/",
    "assessor home": "/assessor/",
    "finalise 2018 (check, outcome, override)": "/o/demo/assessments/2018/finalise/",
    "return 2018 with changes requested": "/o/demo/assessments/2018/return/",
    "evidence pack 2018": "/o/demo/assessments/2018/evidence-pack/",
}
ROLES = {
    "admin@demo.test": {**PAGES, **EDITOR_PAGES, **ADMIN_PAGES},
    "lead@demo.test": {**PAGES, **EDITOR_PAGES},
    "assessor@demo.test": {**PAGES, **ASSESSOR_PAGES},
    "board@demo.test": PAGES,
}


def give_end_dates() -> int:
    """The board member's membership ends in a year; a former assessor's lapsed last month.
    Returns the board member's membership id."""
    from datetime import timedelta

    from django.utils import timezone

    from organisations import services
    from organisations.models import Membership, Organisation

    demo = Organisation.objects.get(slug="demo")
    board = Membership.objects.get(organisation=demo, user__email="board@demo.test")
    services.set_end_date(board, timezone.localdate() + timedelta(days=365), acting_user=None)
    former = services.add_member(demo, "former@demo.test", "assessor", acting_user=None).membership
    Membership.objects.filter(pk=former.pk).update(created_at=timezone.now() - timedelta(days=400))
    services.set_end_date(former, timezone.localdate() - timedelta(days=30), acting_user=None)
    return board.pk


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def test_the_sign_in_page(page, demo_site):
    for width, height in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{demo_site.url}/accounts/login/")
        assert serious_violations(page) == [], f"sign-in page at {width} px"


def demo_action():
    """An overdue improvement action on 2.1.4 of the demo's 2018, owned by the lead, with an
    evidence item: the actions pages have something to show."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from actions import services
    from assessments.models import Assessment
    from evidence.models import Evidence
    from standards.models import Element

    year = Assessment.objects.get(organisation__slug="demo", year=2018)
    lead = User.objects.get(email="lead@demo.test")
    action = services.raise_action(
        year,
        Element.objects.get(standard=year.standard, ref="2.1.4"),
        acting_user=lead,
        description="Publish complaint outcomes and what changed because of them.",
        owner=lead,
        due_date=timezone.localdate() - timedelta(days=3),
    )
    item = Evidence.objects.filter(organisation=year.organisation).order_by("pk").first()
    services.link_evidence(action, item, acting_user=lead)
    return action


@pytest.mark.parametrize("email", list(ROLES))
def test_every_main_page_as_each_role(page, demo_site, email):
    from evidence.models import Evidence

    evidence = Evidence.objects.filter(organisation__slug="demo").order_by("pk").first()
    action = demo_action()
    member = give_end_dates() if email.startswith("admin") else None
    sign_in(page, demo_site.url, email)
    if email.startswith("assessor"):
        page.wait_for_url("**/")
    failures = []
    for name, path in ROLES[email].items():
        url = demo_site.url + path.format(action=action.pk, evidence=evidence.pk, member=member)
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(url)
            assert response.status == 200, f"{name} answered {response.status} to {email}"
            failures += [f"{name} at {width_name}: {v}" for v in serious_violations(page)]
    assert failures == [], "\n".join(failures)
