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
}
EDITOR_PAGES = {
    "add evidence": "/o/demo/evidence/new/",
    "add a web link": "/o/demo/evidence/new/?kind=link",
    "edit evidence": "/o/demo/evidence/{evidence}/edit/",
}
ROLES = {
    "admin@demo.test": {
        **PAGES,
        **EDITOR_PAGES,
        "members": "/o/demo/members/",
        "audit log": "/o/demo/audit/",
        "audit log, filtered": "/o/demo/audit/?year=2018&kind=result&ref=1.1.1",
    },
    "lead@demo.test": {**PAGES, **EDITOR_PAGES},
    "assessor@demo.test": PAGES,
    "board@demo.test": PAGES,
}


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


@pytest.mark.parametrize("email", list(ROLES))
def test_every_main_page_as_each_role(page, demo_site, email):
    from evidence.models import Evidence

    evidence = Evidence.objects.filter(organisation__slug="demo").order_by("pk").first()
    sign_in(page, demo_site.url, email)
    if email.startswith("assessor"):
        page.wait_for_url("**/")
    failures = []
    for name, path in ROLES[email].items():
        url = demo_site.url + path.format(evidence=evidence.pk)
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(url)
            assert response.status == 200, f"{name} answered {response.status} to {email}"
            failures += [f"{name} at {width_name}: {v}" for v in serious_violations(page)]
    assert failures == [], "\n".join(failures)
