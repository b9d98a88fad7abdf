"""bench/load: the real app under many users at once, then a check that nothing was lost.

Starts, on loopback: a fresh database (``<name>_load`` on the PostgreSQL server of
``--database-url`` or ``DATABASE_URL``), a Redis of its own (``redis-server``; or
``--broker-url``), gunicorn with 3 workers and a Celery worker. Prepares the demo organisation
(2014–2017 finalised, 2018 in assessor review) with the run's quality leads, assessors and
board members; signs each simulated user in through the sign-in form; runs the read-mostly mix
of bench/load/users.py for ``--seconds``; then checks that every accepted write is stored
(self-ratings, marks, uploaded files with their bytes) and waits (bounded) for every requested
board report to be finished or failed with a reason.

Prints requests per second, p50/p95/p99 latency overall and per kind, errors by status and
lost writes. Exits 1 on any lost write, any 5xx, any request with no answer or any report not
finished; 2 when the services cannot be started.

    make load                                   # 30 s, 16 users
    .venv/bin/python bench/load/run.py --seconds 30 --users 16 \\
        --database-url postgres://cse@127.0.0.1:5433/postgres
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load import stack  # noqa: E402
from bench.load.users import Budget, User  # noqa: E402


class LoadRun:
    """What the simulated users share."""

    def __init__(self, base_url: str, prepared: dict, args, users: int):
        self.base_url = base_url
        self.org = prepared["org"]
        self.year = prepared["year"]
        self.refs = prepared["refs"]
        self.stored = prepared.get("stored", {})
        self.password = prepared["password"]
        self.timeout = args.timeout
        self.think = args.think_ms / 1000
        self.report_budget = Budget(args.reports)
        self.ready = threading.Event()
        self.signed = threading.Semaphore(0)
        self.stop_at = float("inf")


_last = [time.monotonic()]


def phase(what: str) -> None:
    now = time.monotonic()
    print(f"== {what}: {now - _last[0]:.1f} s", flush=True)
    _last[0] = now


def mix(users: int) -> list[list]:
    """Roles of ``users`` people: 3/8 quality leads, 5/16 assessors, the rest board members
    (at least one of each, so at least 3 people)."""
    users = max(users, 3)
    leads = round(users * 0.375)
    assessors = max(1, round(users * 0.3125))
    return [["lead", leads], ["assessor", assessors], ["board", users - leads - assessors]]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise(samples, elapsed: float) -> dict:
    by_kind = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)

    def figures(group) -> dict:
        times = [s.ms for s in group]
        return {
            "requests": len(group),
            "per_second": round(len(group) / elapsed, 1),
            "p50_ms": round(percentile(times, 0.50), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
            "kept": sum(1 for s in group if s.cache == "hit"),
        }

    errors = Counter(
        str(s.status) if s.status else "no answer" for s in samples if not 200 <= s.status < 400
    )
    return {
        "elapsed_s": round(elapsed, 1),
        "overall": figures(samples),
        "reads": figures([s for s in samples if s.kind.startswith("read:")]),
        "writes": figures([s for s in samples if s.kind.startswith("write:")]),
        "kinds": {kind: figures(group) for kind, group in sorted(by_kind.items())},
        "errors": dict(errors),
        "server_errors": sum(1 for s in samples if s.status >= 500),
        "no_answer": errors.get("no answer", 0),
    }


def wait_for_reports(env: dict, ids: list[int], timeout: float) -> dict:
    """The reports' states once each is done or failed, or when ``timeout`` has passed."""
    if not ids:
        return {}
    return stack.djangoside(env, "reports", {"ids": ids, "wait": timeout}, timeout=timeout + 120)


def report_problems(ids: list[int], states: dict) -> list[str]:
    problems = []
    for report_id in ids:
        state = states.get(str(report_id))
        if state is None:
            problems.append(f"board report {report_id}: accepted but not in the database")
        elif state["status"] == "done" and not (state["file"] and state["pages"]):
            problems.append(f"board report {report_id}: done but its PDF is missing")
        elif state["status"] == "failed" and not state["error"].strip():
            problems.append(f"board report {report_id}: failed with no reason")
        elif state["status"] not in ("done", "failed"):
            problems.append(f"board report {report_id}: still {state['status']}")
    return problems


def print_summary(summary: dict, verdict: dict, setup: dict) -> None:
    print(f"\n== bench/load: {setup['users']} users for {summary['elapsed_s']} s "
          f"({setup['mix']}), gunicorn {setup['workers']} workers, {setup['machine']}")  # fmt: skip
    print(f"   load average before {setup['load_before']}, after {setup['load_after']} "
          "(other work on the machine lowers these figures)")  # fmt: skip
    overall = summary["overall"]
    print(
        f"   {overall['requests']} requests, {overall['per_second']} requests/s, "
        f"p50 {overall['p50_ms']} ms, p95 {overall['p95_ms']} ms, p99 {overall['p99_ms']} ms"
    )
    for group in ("reads", "writes"):
        row = summary[group]
        print(
            f"   {group}: {row['requests']}, {row['per_second']} requests/s, p50 {row['p50_ms']} "
            f"ms, p95 {row['p95_ms']} ms, p99 {row['p99_ms']} ms"
        )
    reads = summary["reads"]
    print(
        f"   reads answered from the page cache: {reads['kept']} of {reads['requests']} "
        "(a page asked for again by the same session with nothing changed since)"
    )
    print(
        f"\n   {'kind':<24} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'kept':>6}"
    )
    for kind, row in summary["kinds"].items():
        print(
            f"   {kind:<24} {row['requests']:>8} {row['per_second']:>7} {row['p50_ms']:>8} "
            f"{row['p95_ms']:>8} {row['p99_ms']:>8} {row['kept']:>6}"
        )
    cpu = summary["cpu_s"]
    print(
        f"\n   CPU seconds in the run: web {cpu['web']}, worker {cpu['worker']}, load "
        f"generator {cpu['load generator']} (of {summary['elapsed_s']} s wall on "
        f"{os.cpu_count()} cores); web {summary['web_cpu_ms_per_request']} ms a request, "
        f"so at most {summary['web_bound_per_second']} requests/s with every core for the web"
    )
    print(f"\n   errors by status: {summary['errors'] or 'none'}")
    print(
        f"   writes accepted: {verdict['accepted']} (checked {verdict['checked']}), "
        f"lost: {len(verdict['lost'])}"
    )
    for lost in verdict["lost"][:20]:
        print(f"     LOST {lost}")
    print(
        f"   board reports asked for: {len(verdict['reports'])}, states: {verdict['report_states']}"
    )
    for problem in verdict["report_problems"]:
        print(f"     REPORT {problem}")
    for problem in verdict["user_errors"]:
        print(f"     USER {problem}")
    print(f"\n   {'PASS' if verdict['ok'] else 'FAIL'}")


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the run (30)")
    parser.add_argument("--users", type=int, default=16, help="simulated users at once (16)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--reports", type=int, default=3, help="board reports asked for (3)")
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between requests")
    parser.add_argument("--timeout", type=float, default=30, help="seconds a request may take")
    parser.add_argument(
        "--report-wait", type=float, default=180, help="seconds to wait for reports"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOAD_DATABASE_URL") or os.environ.get("DATABASE_URL"),
        help="a PostgreSQL server (its URL; the run makes its own database there)",
    )
    parser.add_argument("--database-name", help="the run's database (default: <name>_load)")
    parser.add_argument("--keep-database", action="store_true", help="leave it for a look")
    parser.add_argument("--broker-url", help="an existing Redis (default: start one)")
    parser.add_argument("--redis-port", type=int, default=0, help="port of the run's Redis")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: free)")
    parser.add_argument(
        "--conn-max-age", type=int, default=0,
        help="seconds the app keeps a database connection (CONN_MAX_AGE; 0, the default)",
    )  # fmt: skip
    parser.add_argument(
        "--page-cache-seconds", type=int, default=600,
        help="PAGE_CACHE_SECONDS of the app (600 as deployed; 0 turns the page cache off)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the figures and verdict here too")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = arguments(argv)
    if not args.database_url or not args.database_url.startswith(("postgres", "postgresql")):
        print("bench/load needs a PostgreSQL server: --database-url postgres://user@host:port/db")
        return 2
    name = args.database_name or f"{stack.database_name(args.database_url) or 'cse'}_load"
    folder = Path(tempfile.mkdtemp(prefix="cse-load-"))
    services = SimpleNamespace(redis=None, app=None, database=False)
    status = 2
    try:
        status = run_load(args, name, folder, services)
        return status
    except (stack.StackError, OSError) as error:
        print(f"bench/load could not start its services: {error}")
        return status
    finally:
        # Ctrl-C included: nothing the run started is left behind.
        if services.app:
            services.app.stop()
        if services.redis:
            services.redis.stop()
        if services.database and not args.keep_database:
            try:
                stack.drop_database(args.database_url, name)
            except Exception as error:  # noqa: BLE001 - reported, not fatal
                print(f"(the database {name} was not dropped: {error})")
        # The logs and uploaded files are kept for a look when the run failed.
        if status == 0 and not args.keep_database:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"(the run's logs and files are in {folder})")


def run_load(args, name: str, folder: Path, services: SimpleNamespace) -> int:
    database_url = stack.create_database(args.database_url, name)
    services.database = True
    broker = args.broker_url
    if broker is None:
        services.redis = stack.Redis(folder / "redis", args.redis_port or stack.free_port())
        services.redis.start()
        broker = services.redis.url
    env = stack.app_env(
        database_url, broker, folder / "media", CONN_MAX_AGE=str(args.conn_max_age),
        PAGE_CACHE_SECONDS=str(args.page_cache_seconds),
    )  # fmt: skip
    plan = mix(args.users)
    # The app's processes load Django while the database is prepared; none of them touches
    # the database before a request or a task.
    app = services.app = stack.App(env, folder, args.port or stack.free_port(), args.workers)
    app.launch()
    prepared = stack.djangoside(env, "prepare", {"users": plan})
    phase(f"prepared {name} (logs in {folder})")
    app.wait_for_web()
    phase("gunicorn answers")

    run = LoadRun(app.base_url, prepared, args, args.users)
    writers = [p for p in prepared["people"] if p["kind"] != "board"]
    own = {p["email"]: prepared["refs"][i :: len(writers)] for i, p in enumerate(writers)}
    users = [
        User(run, person, own.get(person["email"], []), seed=n)
        for n, person in enumerate(prepared["people"])
    ]
    for user in users:
        user.start()
    for _ in users:
        run.signed.acquire(timeout=120)
    phase(f"{len(users)} users signed in")
    load_before = os.getloadavg()[0]
    cpu_before = {**app.cpu(), "load generator": time.process_time()}
    begin = time.monotonic()
    run.stop_at = begin + args.seconds
    run.ready.set()
    for user in users:
        user.join(args.seconds + args.timeout + 30)
    elapsed = time.monotonic() - begin
    load_after = os.getloadavg()[0]
    cpu_after = {**app.cpu(), "load generator": time.process_time()}
    cpu = {part: round(cpu_after[part] - cpu_before[part], 2) for part in cpu_before}
    phase("the run")

    samples = [s for u in users for s in u.samples if s.kind != "sign-in"]
    summary = summarise(samples, elapsed)
    summary["cpu_s"] = cpu
    requests_made = summary["overall"]["requests"]
    web_ms = 1000 * cpu["web"] / requests_made if requests_made else 0.0
    summary["web_cpu_ms_per_request"] = round(web_ms, 1)
    # What the web server alone could serve with every core to itself (no database, no
    # load generator, no other work): an upper bound, free of the machine's other load.
    summary["web_bound_per_second"] = (
        round((os.cpu_count() or 1) * 1000 / web_ms, 1) if web_ms else 0.0
    )
    series = [s.as_json() for u in users for s in u.series.values()]
    uploads = [up for u in users for up in u.uploads]
    reports = [r for u in users for r in u.reports]
    report_states = wait_for_reports(env, [r for r in reports if r > 0], args.report_wait)
    phase("board reports finished")
    checked = stack.djangoside(
        env,
        "verify",
        {"writes": series, "uploads": [u for u in uploads if u["id"]], "stored": run.stored},
    )
    phase("writes verified")
    lost = checked["lost"] + [
        {"where": "upload", "why": "accepted without an evidence id"}
        for u in uploads
        if not u["id"]
    ]
    user_errors = [f"{u.email}: {u.error}" for u in users if u.error] + [
        f"{u.email}: could not sign in" for u in users if not u.signed_in
    ]
    problems = report_problems(reports, report_states) + [
        "a board report was accepted without its id" for r in reports if r <= 0
    ]
    accepted = sum(w["accepted"] for s in series for w in s["writes"]) + len(uploads)
    verdict = {
        "accepted": accepted,
        "checked": checked["checked"],
        "lost": lost,
        "reports": reports,
        "report_states": dict(Counter(s["status"] for s in report_states.values())),
        "report_problems": problems,
        "reports_done": sum(s["status"] == "done" for s in report_states.values()),
        "user_errors": user_errors,
    }
    verdict["ok"] = not (
        lost or problems or user_errors or summary["server_errors"] or summary["no_answer"]
    )
    setup = {
        "users": args.users,
        "mix": ", ".join(f"{count} {kind}" for kind, count in plan),
        "workers": args.workers,
        "conn_max_age": args.conn_max_age,
        "machine": f"{os.cpu_count()} cores, {platform.platform(terse=True)}",
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
    }
    print_summary(summary, verdict, setup)
    if args.json:
        args.json.write_text(json.dumps({"setup": setup, "summary": summary, "verdict": verdict}))
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
