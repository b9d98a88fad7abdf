"""Faults met by the real app (gunicorn with 3 workers and a Celery worker) on a PostgreSQL
cluster and a Redis of the test's own, which the tests stop and start again:

- Redis stopped while a board report is asked for: the request answers at once, the page says
  the report is queued and the worker service cannot be reached, no 500; the row is kept and
  is made once Redis is back (the sweep sends it, the reconnected worker renders it);
- PostgreSQL stopped and started again under load: while it is down every request is answered
  503 with a plain page (never a 500 or no answer); once it is back every request succeeds;
  no accepted write is lost;
- PostgreSQL restarted between two requests: kept connections (CONN_MAX_AGE) are checked
  before use (CONN_HEALTH_CHECKS), so no request sees the dead connection.

The worker killed mid-report is tests/reports/test_board_report_worker.py. What each shows is
in docs/performance.md, "Faults".
"""

import json
import threading
import time
from collections import Counter
from types import SimpleNamespace

import pytest

from bench.load import stack
from bench.load.users import REPORT_ID, Budget, User, csrf_headers, signed_in_session
from tests.load.conftest import need_postgres_binaries, need_redis_server

pytestmark = pytest.mark.slow

COVER = {
    "year": "2018", "meeting": "Board of Directors", "meeting_date": "2026-12-01",
    "author": "Lee Lead, quality lead", "sponsor": "Chair", "purpose": "information",
    "assurance": "reasonable", "recommendation": "The Board is asked to note the report.",
}  # fmt: skip


@pytest.fixture(scope="module")
def faults():
    """PostgreSQL (a cluster of our own), Redis, gunicorn and a Celery worker, prepared as
    for bench/load (stack.private_stack): the demo organisation, 2 quality leads, an
    assessor, a board member."""
    need_postgres_binaries()
    need_redis_server()
    with stack.private_stack("faults", [["lead", 2], ["assessor", 1], ["board", 1]]) as services:
        yield services


def test_redis_stopped_while_a_report_is_asked_for(faults):
    board = signed_in_session(faults.base, "board1@load.test", faults.password)
    reports_url = f"{faults.base}/o/{faults.org}/progression/board-reports/"
    faults.redis.stop()
    try:
        started = time.monotonic()
        response = board.post(
            reports_url + "new/", data=COVER, headers=csrf_headers(board),
            allow_redirects=False, timeout=60,
        )  # fmt: skip
        took = time.monotonic() - started
        assert response.status_code == 302, response.text[:500]
        assert took < 10, f"the request waited {took:.1f} s for the broker"
        report_id = int(REPORT_ID.search(response.headers["Location"]).group(1))
        page = board.get(reports_url, timeout=30)
        assert page.status_code == 200
        assert "queued" in page.text and "cannot be reached" in page.text
        # The rest of the site does not need Redis.
        assert board.get(f"{faults.base}/o/{faults.org}/", timeout=30).status_code == 200
        state = stack.djangoside(faults.env, "reports", {"ids": [report_id]})[str(report_id)]
        assert state["status"] == "queued" and not state["sent"], state
    finally:
        faults.redis.start()
    # Redis is back (empty): the sweep sends the kept job, the reconnected worker makes it.
    assert stack.djangoside(faults.env, "sweep", {"after_seconds": 60})["sent"] >= 1
    state = stack.djangoside(faults.env, "reports", {"ids": [report_id], "wait": 120})
    state = state[str(report_id)]
    assert state["status"] == "done" and state["file"] and state["pages"], state


def test_postgres_restarted_under_load(faults):
    prepared = faults.prepared
    run = SimpleNamespace(
        base_url=faults.base, org=prepared["org"], year=prepared["year"], refs=prepared["refs"],
        stored=prepared["stored"],
        password=faults.password, timeout=30, think=0.02, report_budget=Budget(0),
        ready=threading.Event(), signed=threading.Semaphore(0), stop_at=float("inf"),
    )  # fmt: skip
    people = prepared["people"]
    writers = [p for p in people if p["kind"] != "board"]
    own = {p["email"]: prepared["refs"][i :: len(writers)] for i, p in enumerate(writers)}
    users = [User(run, p, own.get(p["email"], []), seed=n) for n, p in enumerate(people)]
    for user in users:
        user.start()
    for _ in users:
        assert run.signed.acquire(timeout=120)
    assert all(user.signed_in for user in users)
    begin = time.monotonic()
    run.stop_at = begin + 13
    run.ready.set()
    time.sleep(3)
    down_at = time.monotonic()
    faults.cluster.stop("fast")
    time.sleep(3)
    faults.cluster.start()
    up_at = time.monotonic()
    for user in users:
        user.join(60)
    assert not any(user.is_alive() or user.error for user in users)

    samples = [s for u in users for s in u.samples if s.kind != "sign-in"]
    statuses = Counter(s.status for s in samples)
    # Down: a clear 503 (the plain page), never a 500 or a request left unanswered.
    assert not {status for status in statuses if status >= 500} - {503}, statuses
    assert statuses[0] == 0, statuses
    assert any(s.status == 503 and down_at <= s.at <= up_at + 1 for s in samples), statuses
    # Back: everything answered as usual (a moment after the server accepts connections).
    after = [s.status for s in samples if s.at > up_at + 1]
    assert after and all(200 <= status < 400 for status in after), Counter(after)
    # No accepted write lost.
    series = [s.as_json() for u in users for s in u.series.values()]
    uploads = [up for u in users for up in u.uploads]
    assert any(w["accepted"] for s in series for w in s["writes"])
    assert all(up["id"] for up in uploads)
    checked = stack.djangoside(
        faults.env, "verify", {"writes": series, "uploads": uploads, "stored": prepared["stored"]}
    )
    assert checked["lost"] == [], json.dumps(checked["lost"], indent=1)


def test_a_restart_between_requests_is_not_seen(faults):
    lead = signed_in_session(faults.base, "lead1@load.test", faults.password)
    dashboard = f"{faults.base}/o/{faults.org}/"
    # Each gunicorn worker keeps its connection (CONN_MAX_AGE=60)…
    assert {lead.get(dashboard, timeout=30).status_code for _ in range(9)} == {200}
    faults.cluster.stop("fast")
    faults.cluster.start()
    # …which the restart has closed: checked before use, it is replaced, not used and failed.
    assert [lead.get(dashboard, timeout=30).status_code for _ in range(12)] == [200] * 12
