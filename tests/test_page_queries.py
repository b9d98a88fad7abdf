"""Every main page in a number of SQL queries that does not grow with the organisation: the
same count at 3 years with a handful of evidence items as at 6 years with many, linked and
carried forward (the pages of bench/bench_pages.py; issue 7/8, "Load and faults").

The count is compared between the two sizes rather than pinned: a page may gain a query
for a feature, but never one per year, per item or per link. Wall time is never asserted
(bench/bench_pages.py prints it).
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action as ImprovementAction
from assessments.models import Assessment, ElementResult
from evidence.models import Evidence, EvidenceLink
from organisations.models import Membership, Organisation, Role
from reports.models import BoardReport
from standards.models import Element
from tests.factories import UserFactory

FIRST_YEAR = 2020

# What drawing each page costs: the page cache (which would answer the second request) off.
pytestmark = pytest.mark.usefixtures("drawn_pages")


def build(slug: str, standard, lead, assessor, years: int, items: int) -> Organisation:
    """An organisation with ``years`` years (the last in assessor review, the others
    finalised), every element rated each year with some CP/PC/NC and a sample; ``items``
    evidence items per year, each linked to two elements and carried forward into every
    later year (1.1.1 always among them); improvement actions and a board report a year."""
    org = Organisation.objects.create(slug=slug, name=f"Org {slug}")
    Membership.objects.create(user=lead, organisation=org, role=Role.QUALITY_LEAD)
    Membership.objects.create(user=assessor, organisation=org, role=Role.ASSESSOR)
    elements = list(Element.objects.filter(standard=standard).order_by("position"))
    linked: list[tuple[Evidence, Element]] = []
    for index in range(years):
        year = FIRST_YEAR + index
        last = index == years - 1
        assessment = Assessment.objects.create(
            organisation=org, standard=standard, year=year,
            kind=kind_of(index, years),
            status=Assessment.Status.ASSESSOR_REVIEW if last else Assessment.Status.FINALISED,
        )  # fmt: skip
        ElementResult.objects.bulk_create(
            ElementResult(
                assessment=assessment, element=element,
                rating="CP" if n % 4 == index % 4 else "PC" if n % 19 == 0 else "C",
                self_rating="C", sampled=(n + index) % 3 == 0,
                comment="Seen at the visit.", carried_forward=last and n % 2 == 0,
            )
            for n, element in enumerate(elements)
        )  # fmt: skip
        new = Evidence.objects.bulk_create(
            Evidence(
                organisation=org, kind=Evidence.Kind.NOTE, title=f"{year} item {n}",
                body="Note", owner=lead, created_by=lead,
                review_by=date(year + 1, 6, 1) if n % 3 == 0 else None,
            )
            for n in range(items)
        )  # fmt: skip
        linked += [(item, elements[0]) for item in new]
        linked += [(item, elements[(n * 7 + 3) % len(elements)]) for n, item in enumerate(new)]
        EvidenceLink.objects.bulk_create(
            EvidenceLink(
                evidence=item, assessment=assessment, element=element, created_by=lead,
                carried_forward=not item.title.startswith(str(year)), note="Why it counts",
            )
            for item, element in linked
        )  # fmt: skip
        pcs = ElementResult.objects.filter(assessment=assessment, rating="PC")
        ImprovementAction.objects.bulk_create(
            ImprovementAction(
                organisation=org, element_id=result.element_id, raised_in=assessment,
                description="Remedy it.", owner=lead, created_by=lead,
                due_date=date(year, 3 if n % 2 else 12, 1),
            )
            for n, result in enumerate(pcs)
        )  # fmt: skip
        BoardReport.objects.create(
            organisation=org, assessment=assessment, requested_by=lead, meeting="Board",
            meeting_date=date(year, 11, 1), author="Lead", sponsor="Chair",
            purpose="information", assurance="reasonable", recommendation="Note it.",
            status="done", pages=12,
        )  # fmt: skip
    return org


def kind_of(index: int, years: int) -> str:
    """Three-year cycles, the last year the second annual review of its cycle (a
    reassessment two years before it): the sampling page has its whole content."""
    if index == 0:
        return Assessment.Kind.INITIAL
    if (years - 1 - index) % 3 == 2:
        return Assessment.Kind.REASSESSMENT
    return Assessment.Kind.ANNUAL_REVIEW


LEAD_PAGES = {
    "dashboard": "/o/{slug}/",
    "years list": "/o/{slug}/assessments/",
    "grid": "/o/{slug}/assessments/{year}/",
    "element page": "/o/{slug}/assessments/{year}/elements/1.1.1/",
    "evidence library": "/o/{slug}/evidence/",
    "evidence library, every year": "/o/{slug}/evidence/?year=all",
    "progression": "/o/{slug}/progression/",
    "board reports": "/o/{slug}/progression/board-reports/",
}
ASSESSOR_PAGES = {
    "assessor's home": "/assessor/",
    "grid, marking": "/o/{slug}/assessments/{year}/",
    "element page, marking": "/o/{slug}/assessments/{year}/elements/1.1.1/",
    "summaries": "/o/{slug}/assessments/{year}/summaries/",
    "sample": "/o/{slug}/assessments/{year}/sample/",
}


def queries_of(client, path: str) -> int:
    client.get(path)  # the session remembers the organisation once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


@pytest.fixture
def sizes(cse_standard):
    """Two organisations, each with its own quality lead and assessor (the assessor's home
    lists every organisation they assess): 3 years with 3 items a year, 6 with 12."""
    built = {}
    for slug, years, items in (("small", 3, 3), ("large", 6, 12)):
        lead, assessor = UserFactory(), UserFactory()
        built[years] = (build(slug, cse_standard, lead, assessor, years, items), lead, assessor)
    return built


@pytest.mark.parametrize(
    ("role", "page"),
    [("lead", name) for name in LEAD_PAGES] + [("assessor", name) for name in ASSESSOR_PAGES],
)
def test_the_page_makes_as_many_queries_at_6_years_as_at_3(client, sizes, role, page):
    template = {**LEAD_PAGES, **ASSESSOR_PAGES}[page]
    counts = {}
    for years, (org, lead, assessor) in sizes.items():
        client.force_login(lead if role == "lead" else assessor)
        counts[years] = queries_of(client, template.format(slug=org.slug, year=org_year(years)))
    assert counts[6] == counts[3], f"{page}: {counts[3]} queries at 3 years, {counts[6]} at 6"


def org_year(years: int) -> int:
    return FIRST_YEAR + years - 1


def test_the_large_organisation_is_large(sizes):
    """The comparison means something: 6 years of links carried forward, on 1.1.1 too."""
    small, large = sizes[3][0], sizes[6][0]
    last = Assessment.objects.get(organisation=large, year=org_year(6))
    assert EvidenceLink.objects.filter(assessment=last, element__ref="1.1.1").count() == 6 * 12
    links = {
        org.slug: EvidenceLink.objects.filter(evidence__organisation=org).count()
        for org in (small, large)
    }
    assert links["large"] > 10 * links["small"]


def test_the_sample_page_is_measured_with_its_content(client, sizes):
    """The last year is an annual review at both sizes: the page lists the sample so far."""
    for years, (org, _lead, assessor) in sizes.items():
        client.force_login(assessor)
        page = client.get(f"/o/{org.slug}/assessments/{org_year(years)}/sample/")
        assert "Elements sampled so far" in page.content.decode()
        assert "Choose the sample" in page.content.decode()
