"""The board report PDF: median render time and page count of a 5-year and a 10-year report,
and WeasyPrint's own time on the same HTML, so that our overhead shows as a ratio.

Targets (issue 6/8): a 5-year report in under 5 seconds; our overhead (context + HTML) under
20 % of WeasyPrint's own time. Run with ``.venv/bin/python bench/bench_board_report.py``.
"""

import statistics
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
    print("\n  targets: 5 years under 5 s; overhead under 20 % of WeasyPrint's own time")


if __name__ == "__main__":
    main()
