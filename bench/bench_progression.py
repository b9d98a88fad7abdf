"""The progression page (Annex One, its two charts, what changed) at 5 and 10 years.

Prints the SQL query count and the median / 90th-percentile server time (Django test client,
whole middleware stack) of /o/<org>/progression/ for an organisation with 5 years and one with
10, with Django's login page as the baseline of the same run. Targets: the same query count at
both sizes; the 10-year page's median within 5x the login page's.
"""

from harness import page, report, setup_django


def fill(slug: str, years: list[int], lead) -> None:
    """Every element and sub-element rated each year, a sample marked, PCs that persist."""
    from assessments.models import Assessment, ElementResult
    from organisations.models import Membership, Organisation, Role
    from standards.models import Element, Standard

    org = Organisation.objects.create(slug=slug, name=f"Bench {slug}")
    Membership.objects.create(user=lead, organisation=org, role=Role.QUALITY_LEAD)
    standard = Standard.objects.get(slug="cse", version="1")
    elements = list(Element.objects.filter(standard=standard).order_by("position"))
    for index, year in enumerate(years):
        kind = Assessment.Kind.INITIAL if index == 0 else Assessment.Kind.ANNUAL_REVIEW
        assessment = Assessment.objects.create(
            organisation=org, standard=standard, year=year, kind=kind,
            status=Assessment.Status.FINALISED,
        )  # fmt: skip
        ElementResult.objects.bulk_create(
            ElementResult(
                assessment=assessment, element=element,
                rating=("CP" if n % 4 == index % 4 else "PC" if n % 19 == 0 else "C"),
                sampled=(n + index) % 3 == 0,
            )
            for n, element in enumerate(elements)
        )  # fmt: skip


def main() -> None:
    setup_django()
    from django.test import Client

    from accounts.models import User

    lead = User.objects.create_user("bench@bench.test", "bench-password-1")
    fill("five", list(range(2021, 2026)), lead)
    fill("ten", list(range(2016, 2026)), lead)
    client = Client()
    rows = [page(client, "/accounts/login/")]
    client.force_login(lead)
    rows += [page(client, "/o/five/progression/"), page(client, "/o/ten/progression/")]
    report("Progression page: 5 and 10 years, every element rated each year", rows)
    login, five, ten = (row["median_ms"] for row in rows)
    print(
        f"\n  queries: 5 years {rows[1]['queries']}, 10 years {rows[2]['queries']} (target: equal)"
    )
    print(f"  10 years / login median: {ten / login:.1f}x (target: within 5x)")
    print(f"  5 years / login median: {five / login:.1f}x")


if __name__ == "__main__":
    main()
