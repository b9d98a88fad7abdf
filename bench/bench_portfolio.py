"""The quality lead's pages with a large portfolio: 10 years and 2,000 evidence items.

Prints the SQL query count and the median / 90th-percentile server time (Django test client,
whole middleware stack) of the year grid, the element page and the evidence library, for a
small organisation (10 items) and the large one, with Django's login page as the baseline of
the same run. Target: the same query count small and large; the grid's median within 5x the
login page's.
"""

import io
import random
from datetime import date

from harness import page, report, setup_django

YEARS = list(range(2016, 2026))
ITEMS = 2000
LINKS_PER_ITEM = 2


def fill(slug: str, items: int, lead) -> None:
    from assessments.models import Assessment, ElementResult
    from assessments.services import open_year
    from evidence.models import Evidence, EvidenceLink
    from organisations.models import Membership, Organisation, Role
    from standards.models import Element

    rng = random.Random(slug)
    org = Organisation.objects.create(slug=slug, name=f"Bench {slug}")
    Membership.objects.create(user=lead, organisation=org, role=Role.QUALITY_LEAD)
    elements = list(Element.objects.order_by("position"))
    per_year = items // len(YEARS)
    for index, year in enumerate(YEARS):
        kind = Assessment.Kind.INITIAL if index == 0 else Assessment.Kind.ANNUAL_REVIEW
        assessment = open_year(org, year, acting_user=lead, kind=kind)
        ElementResult.objects.filter(assessment=assessment).update(self_rating="C", rating="C")
        if year != YEARS[-1]:  # the next year opens once this one is finalised
            Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.FINALISED)
        new_items = Evidence.objects.bulk_create(
            Evidence(
                organisation=org, kind=Evidence.Kind.NOTE, title=f"{year} item {n}",
                description="Minutes, survey results and action plans.", body="Note",
                owner=lead, created_by=lead,
                review_by=None if n % 7 else date(year + 1, 6, 1),
            )
            for n in range(per_year)
        )  # fmt: skip
        EvidenceLink.objects.bulk_create(
            EvidenceLink(evidence=item, assessment=assessment, element=element, created_by=lead)
            for item in new_items
            for element in rng.sample(elements, LINKS_PER_ITEM)
        )


def main() -> None:
    setup_django()
    from django.test import Client

    from accounts.models import User
    from demo.services import setup_demo
    from evidence.models import EvidenceLink

    setup_demo(stdout=io.StringIO())
    lead = User.objects.create_user("bench@bench.test", "bench-password-1")
    fill("small", len(YEARS), lead)  # 10 items, one a year
    fill("large", ITEMS, lead)
    client = Client()
    rows = [page(client, "/accounts/login/")]
    client.force_login(lead)
    last = YEARS[-1]
    for slug in ("small", "large"):
        rows += [
            page(client, f"/o/{slug}/assessments/{last}/"),
            page(client, f"/o/{slug}/assessments/{last}/elements/1.1.1/"),
            page(client, f"/o/{slug}/evidence/"),
            page(client, f"/o/{slug}/evidence/?q=item+1"),
        ]
    links = EvidenceLink.objects.filter(evidence__organisation__slug="large").count()
    report(f"Large: {len(YEARS)} years, {ITEMS} items, {links} links (carried forward)", rows)
    login = rows[0]["median_ms"]
    grid = rows[5]["median_ms"]
    print(f"\n  grid / login median: {grid / login:.1f}x (target: within 5x)")


if __name__ == "__main__":
    main()
