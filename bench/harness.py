"""Shared benchmark plumbing: a throwaway database, and timing of pages and functions.

Benchmarks print figures; they assert nothing about wall time. Run them with ``make bench``.
By default they use a fresh SQLite file in a temporary folder; set ``DATABASE_URL`` to
measure on PostgreSQL (the database is flushed: never point it at real data).
"""

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# The benchmark process's tenant context (organisations.tenancy), entered by setup_django.
_PROCESS_CONTEXT = ExitStack()


def setup_django() -> None:
    """Configure Django on a throwaway database, migrated and with the standard loaded."""
    if "DATABASE_URL" not in os.environ:
        folder = tempfile.mkdtemp(prefix="cse-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    # A benchmark builds and reads every organisation's data, for the whole process; the pages
    # it measures still run each in their own request's context (organisations.tenancy).
    from organisations.tenancy import all_tenants

    # Held for the whole process (a context manager left unreferenced would be closed by the
    # garbage collector, and its context with it).
    _PROCESS_CONTEXT.enter_context(
        all_tenants("a benchmark builds and reads every organisation's data")
    )
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    call_command("loaddata", "cse_standard", verbosity=0)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and 90th percentile milliseconds of ``repeat`` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]


def count_queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def page(client, url: str, repeat: int = 30) -> dict:
    """Query count and server time of one GET through the whole Django stack."""

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    median, p90 = timed(get, repeat)
    return {"url": url, "queries": count_queries(get), "median_ms": median, "p90_ms": p90}


def report(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"  {'what':<48} {'queries':>7} {'median ms':>10} {'p90 ms':>8}")
    for row in rows:
        print(
            f"  {row['url']:<48} {row.get('queries', ''):>7} "
            f"{row['median_ms']:>10.1f} {row['p90_ms']:>8.1f}"
        )
