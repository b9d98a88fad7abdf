"""Every main page's server time against the sign-in page's, in one run (issue 7/8, "Load and
faults"; issue 6/8's progression target).

Builds one large organisation once: 10 years (every element rated each year, some CP, PC and
NC, a sample marked), 2,000 evidence items each linked to two elements, improvement actions
and board reports; a quality lead and an assessor. Then measures, with the Django test client
through the whole middleware stack: the sign-in page, and as the quality lead the dashboard,
the years list, the year's grid, an element page, the evidence library, the progression page
and the board reports list; as the assessor (the year in assessor review) the assessor's
home, the grid and element page with the marking controls, the summaries and the sample.

Prints the median and 90th-percentile milliseconds, the CPU milliseconds, the SQL query count
and the ratio of each page's median to the sign-in page's, and whether it is within 3x (the
target of 7/8). Each page's requests alternate with the sign-in page's, so that a burst of
load elsewhere on a shared machine slows both alike; the CPU ratio is the steadier figure. Asserts
nothing about wall time. SQLite by default; ``DATABASE_URL`` for PostgreSQL (flushed).
"""

import os
import platform
import statistics
import sys
import time
from datetime import date

from harness import count_queries, setup_django

YEARS = list(range(2016, 2026))
ITEMS = 2000
TARGET = 3.0
REPEAT = int(os.environ.get("BENCH_REPEAT", "40"))


def build(lead, assessor):
    """The large organisation (reuses bench_portfolio's builder), with varied ratings."""
    from bench_portfolio import fill

    from actions.models import Action as ImprovementAction
    from assessments.models import Assessment, ElementResult
    from organisations.models import Membership, Organisation, Role
    from reports.models import BoardReport

    fill("large", ITEMS, lead)
    org = Organisation.objects.get(slug="large")
    Membership.objects.create(user=assessor, organisation=org, role=Role.ASSESSOR)
    years = list(Assessment.objects.filter(organisation=org).order_by("year"))
    # Three-year cycles ending with the last year as the second annual review of its cycle
    # (a reassessment two years before it), so the sampling page has its whole content.
    for index, assessment in enumerate(years[1:], start=1):
        if (len(years) - 1 - index) % 3 == 2:
            assessment.kind = Assessment.Kind.REASSESSMENT
            assessment.save(update_fields=["kind"])
    results = []
    for index, assessment in enumerate(years):
        for n, result in enumerate(
            ElementResult.objects.filter(assessment=assessment).order_by("element__position")
        ):
            rating = "CP" if n % 4 == index % 4 else "PC" if n % 19 == 0 else "C"
            if n == 30 and index % 3 == 0:
                rating = "NC"
            result.rating = result.self_rating = rating
            result.sampled = (n + index) % 3 == 0
            result.comment = "Seen at the visit." if rating != "C" else ""
            results.append(result)
    ElementResult.objects.bulk_update(results, ["rating", "self_rating", "sampled", "comment"])
    last = years[-1]
    # Improvement actions for the PC/NC of the last year, some overdue.
    pcs = ElementResult.objects.filter(assessment=last, rating__in=["PC", "NC"])
    ImprovementAction.objects.bulk_create(
        ImprovementAction(
            organisation=org, element_id=result.element_id, raised_in=last,
            description="Remedy the partial compliance.", owner=lead, created_by=lead,
            due_date=date(last.year, 3 if n % 2 else 12, 1),
        )
        for n, result in enumerate(pcs)
    )  # fmt: skip
    for assessment in years:
        BoardReport.objects.create(
            organisation=org, assessment=assessment, requested_by=lead,
            meeting="Board", meeting_date=f"{assessment.year}-11-01", author="Lead",
            sponsor="Chair", purpose="information", assurance="reasonable",
            recommendation="Note the report.", status="done", pages=12,
        )  # fmt: skip
    return org, last


def _median_p90(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]


def measure(client, label: str, url: str, baseline, cacheable: bool = True) -> dict:
    """The page's query count and server time, drawn (the page cache off) and kept (asked
    again with nothing changed: the page cache's answer), its GETs interleaved with the
    sign-in page's so that both are timed in the same moments (the machine is shared: a
    burst of load elsewhere slows both alike and the ratio holds). Wall and CPU (thread)
    time."""
    from django.conf import settings

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    row = {"what": label, "url": url}
    seconds = settings.PAGE_CACHE_SECONDS
    for way, cache_seconds in (("drawn", 0), ("kept", seconds)):
        settings.PAGE_CACHE_SECONDS = cache_seconds
        get()
        baseline()
        if way == "kept" and cacheable:
            assert getattr(get(), "page_cache", None) == "hit", (label, "not kept")
        wall, cpu, base_wall, base_cpu = [], [], [], []
        for _ in range(REPEAT):
            for fn, walls, cpus in ((baseline, base_wall, base_cpu), (get, wall, cpu)):
                start, start_cpu = time.perf_counter(), time.thread_time()
                fn()
                cpus.append((time.thread_time() - start_cpu) * 1000)
                walls.append((time.perf_counter() - start) * 1000)
        median, p90 = _median_p90(wall)
        row[way] = {
            "queries": count_queries(get),
            "median": median,
            "p90": p90,
            "cpu": statistics.median(cpu),
            "ratio": median / statistics.median(base_wall),
            "cpu_ratio": statistics.median(cpu) / statistics.median(base_cpu),
        }
    settings.PAGE_CACHE_SECONDS = seconds
    return row


def main() -> None:
    started = time.perf_counter()
    # As deployed: DEBUG off (no query log kept; templates cached either way). DEBUG=true
    # in the environment measures the development settings instead.
    os.environ.setdefault("DEBUG", "false")
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from assessments.models import Assessment
    from evidence.models import EvidenceLink

    lead = User.objects.create_user("lead@bench.test", "bench-password-1")
    assessor = User.objects.create_user("assessor@bench.test", "bench-password-1")
    org, last = build(lead, assessor)
    if connection.vendor == "postgresql":
        # Statistics, as a database that has been in use has them (autovacuum would gather
        # them within a minute of the build; without them the planner guesses, and the first
        # pages measured read the tables in the wrong order: the library 150 ms instead of 5).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built = time.perf_counter() - started
    year = last.year
    base = f"/o/{org.slug}"
    element = f"{base}/assessments/{year}/elements/2.1.4/"

    anonymous = Client()

    def sign_in_page():
        response = anonymous.get("/accounts/login/")
        assert response.status_code == 200, response.status_code

    lead_client = Client()
    lead_client.force_login(lead)
    pages = [
        (lead_client, "dashboard", f"{base}/"),
        (lead_client, "years list", f"{base}/assessments/"),
        (lead_client, "grid (quality lead)", f"{base}/assessments/{year}/"),
        (lead_client, "element page (quality lead)", element),
        (lead_client, "evidence library", f"{base}/evidence/"),
        (lead_client, "progression (10 years)", f"{base}/progression/"),
        (lead_client, "board reports list", f"{base}/progression/board-reports/"),
    ]
    rows = [measure(anonymous, "sign-in page", "/accounts/login/", sign_in_page, cacheable=False)]
    for way in ("drawn", "kept"):  # the baseline: timed against itself
        rows[0][way].update(ratio=1.0, cpu_ratio=1.0)
    rows += [measure(client, label, url, sign_in_page) for client, label, url in pages]
    # The assessor's pages, the year in assessor review (their marking controls shown).
    Assessment.objects.filter(pk=last.pk).update(status=Assessment.Status.ASSESSOR_REVIEW)
    assessor_client = Client()
    assessor_client.force_login(assessor)
    pages = [
        (assessor_client, "assessor's home", "/assessor/"),
        (assessor_client, "grid (assessor, marking)", f"{base}/assessments/{year}/"),
        (assessor_client, "element page (assessor, marking)", element),
        (assessor_client, "summaries (assessor)", f"{base}/assessments/{year}/summaries/"),
        (assessor_client, "sample (assessor)", f"{base}/assessments/{year}/sample/"),
    ]
    rows += [measure(client, label, url, sign_in_page) for client, label, url in pages]

    links = EvidenceLink.objects.filter(evidence__organisation=org).count()
    print(
        f"\nMain pages: {len(YEARS)} years, {ITEMS} evidence items, {links} links; "
        f"{connection.vendor}, DEBUG={settings.DEBUG}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; {REPEAT} requests of each page, each after one of the "
        f"sign-in page's (built in {built:.0f} s)"
    )
    print(
        f"  {'':<34} {'drawn (page cache off)':^44} | {'kept (asked again, unchanged)':^36}\n"
        f"  {'page':<34} {'queries':>7} {'median ms':>9} {'p90 ms':>7} {'cpu ms':>7} "
        f"{'x sign-in':>9} | {'queries':>7} {'median ms':>9} {'cpu ms':>7} {'x sign-in':>9}"
    )
    over = {"drawn": [], "kept": []}
    for row in rows:
        drawn, kept = row["drawn"], row["kept"]
        for way in over:
            if row[way]["ratio"] > TARGET:
                over[way].append(row["what"])
        print(
            f"  {row['what']:<34} {drawn['queries']:>7} {drawn['median']:>9.1f} "
            f"{drawn['p90']:>7.1f} {drawn['cpu']:>7.1f} {drawn['ratio']:>8.1f}x | "
            f"{kept['queries']:>7} {kept['median']:>9.1f} {kept['cpu']:>7.1f} "
            f"{kept['ratio']:>8.1f}x"
        )
    pages = len(rows) - 1
    for way, words in (
        ("drawn", "drawn from the database (a page seen first, or after a change)"),
        ("kept", "asked again with nothing changed (the page cache's answer)"),
    ):
        by_cpu = sum(row[way]["cpu_ratio"] <= TARGET for row in rows[1:])
        print(
            f"\n  {words}: {pages - len(over[way])} of {pages} pages within {TARGET:g}x the "
            f"sign-in page by median wall time, {by_cpu} of {pages} by CPU time"
            + (f"; over: {', '.join(over[way])}" if over[way] else "")
        )
    print(f"  whole run: {time.perf_counter() - started:.0f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
