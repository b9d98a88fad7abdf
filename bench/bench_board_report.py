"""The board report PDF: median render time and page count of a 5-year and a 10-year report,
WeasyPrint's own time on the same HTML, so that our overhead shows as a ratio, and the peak
memory of a worker process that renders one (the task a Celery worker runs, in a fresh process).

Targets (issue 6/8): a 5-year report in under 5 seconds; our overhead (context + HTML) under
20 % of WeasyPrint's own time. Run with ``.venv/bin/python bench/bench_board_report.py``.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from bench_progression import fill
from harness import setup_django

REPEAT = 3


def median_seconds(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent across fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_child(report_id: int) -> None:
    """Run in a fresh process: render board report ``report_id`` as the worker's task does and
    print the process's peak memory before and after, in MiB."""
    import django

    django.setup()
    from organisations.tenancy import all_tenants
    from reports.models import BoardReport
    from reports.tasks import render_board_report

    before = peak_mib()
    outcome = render_board_report.run(report_id)  # the task declares its own organisation
    after = peak_mib()
    with all_tenants("the benchmark reads the report it had rendered"):
        pages = BoardReport.objects.get(pk=report_id).pages
    print(f"{outcome} {pages} {before:.0f} {after:.0f}")


def worker_peak(year, requester) -> str:
    """The peak memory of a fresh worker-like process rendering this year's report."""
    from datetime import date

    from reports.models import BoardReport

    report = BoardReport.objects.create(
        organisation_id=year.organisation_id,
        assessment=year,
        requested_by=requester,
        meeting="Board of Directors",
        meeting_date=date(2026, 5, 3),
        author="Bench",
        sponsor="Bench",
        purpose="information",
        assurance="reasonable",
        recommendation="Note the report.",
    )
    media = tempfile.mkdtemp(prefix="cse-bench-media-")
    child = subprocess.run(
        [sys.executable, __file__, "--worker", str(report.pk)],
        env={**os.environ, "MEDIA_ROOT": media, "DJANGO_SETTINGS_MODULE": "cse_portal.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    words = child.stdout.split()
    if child.returncode or len(words) != 4 or words[0] != "done":
        return f"worker failed: {child.stdout.strip()} {child.stderr.strip()[-300:]}"
    _, pages, before, after = words
    return f"{after} MiB peak ({before} MiB before the report), {pages} pages"


def main() -> None:
    setup_django()
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # progress lines, not figures
    from django.conf import settings

    from accounts.models import User
    from assessments.models import Assessment
    from reports.board_report import (
        CoverSheet,
        render_board_report_html,
        render_board_report_pdf,
    )

    base = str(settings.BASE_DIR)
    lead = User.objects.create_user("bench@bench.test", "bench-password-1")
    fill("five", list(range(2021, 2026)), lead)
    fill("ten", list(range(2016, 2026)), lead)
    print(f"{'report':<10} {'pages':>5} {'total s':>8} {'weasyprint s':>13} {'overhead':>9}")
    for slug in ("five", "ten"):
        year = Assessment.objects.filter(organisation__slug=slug).order_by("-year").first()
        total, (_pdf, pages) = median_seconds(
            lambda year=year: render_board_report_pdf(year, CoverSheet())
        )
        html = render_board_report_html(year, CoverSheet())
        wp, _ = median_seconds(
            lambda html=html: weasyprint.HTML(string=html, base_url=base).write_pdf(
                pdf_variant="pdf/ua-1"
            )
        )
        overhead = max(total - wp, 0.0) / wp
        print(f"{slug + ' years':<10} {pages:>5} {total:>8.2f} {wp:>13.2f} {overhead:>8.0%}")
    for slug in ("five", "ten"):
        year = Assessment.objects.filter(organisation__slug=slug).order_by("-year").first()
        print(f"worker, {slug} years: {worker_peak(year, lead)}")
    print("\n  targets: 5 years under 5 s; overhead under 20 % of WeasyPrint's own time")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker_child(int(sys.argv[2]))
    else:
        main()
