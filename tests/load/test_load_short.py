"""The short form of bench/load in every test run: the real app (gunicorn with 3 workers, a
Celery worker) on a database of its own on this run's PostgreSQL server and a Redis of its own,
6 simulated users for 10 s; then 0 lost writes, 0 server errors, every board report asked for
made. The figures are printed, not asserted (the machine is shared): docs/performance.md."""

import json
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from bench.load.stack import ROOT
from tests.load.conftest import run_server_url, skip_or_fail

pytestmark = pytest.mark.slow


def broker_arguments() -> list[str]:
    """A Redis of the script's own; else this run's Redis on another database number, so the
    test run's own worker never takes the load run's tasks."""
    if shutil.which("redis-server"):
        return []
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://")):
        skip_or_fail("there is neither a redis-server binary nor a Redis broker")
    return ["--broker-url", broker.rsplit("/", 1)[0] + "/15"]


def test_short_load_run_loses_nothing(tmp_path):
    server = run_server_url()
    figures = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load" / "run.py"), "--seconds", "10",
         "--users", "6", "--reports", "2", "--report-wait", "120", "--database-url", server,
         *broker_arguments(), "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    result = json.loads(figures.read_text())
    summary, verdict = result["summary"], result["verdict"]
    assert verdict["lost"] == []
    # Not a 5xx, nor a refusal either: every page of the mix is open to its role, and each
    # writer's own elements take no other's save (no 409).
    assert summary["errors"] == {}
    assert verdict["user_errors"] == []
    # Every kind of write happened and was checked, and both reports were made.
    kinds = summary["kinds"]
    assert "write:upload" in kinds and "write:report" in kinds, kinds.keys()
    assert any(k.startswith("write:self") for k in kinds)
    assert any(k.startswith("write:mark") for k in kinds)
    assert verdict["checked"] >= verdict["accepted"] > 0
    assert len(verdict["reports"]) == 2
    assert verdict["reports_done"] == 2, verdict["report_states"]
