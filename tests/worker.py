"""A real Celery worker process for the tests that need one (never eager mode): one for the
session (``celery_worker_process``), or one of a test's own (``worker_process``, e.g. to kill
it); the marks such a test needs (``SHARED_DATABASE``) and a wait for a job's status."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Model

ROOT = Path(__file__).resolve().parent.parent


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    db = connection.settings_dict
    # Point the worker at the test database the tests are using.
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["CELERY_RESULT_BACKEND"] = settings.CELERY_RESULT_BACKEND
    return env


# The tests that run a worker: the worker process must see the rows the test commits.
SHARED_DATABASE = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker process needs a database it can share (PostgreSQL)",
    ),
]


@contextmanager
def worker_process(
    log: Path, pool: str = "solo", queue: str | None = None, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """``celery worker`` on the test database (one process at a time; on its own ``queue`` if
    given), its output in ``log``; stopped (terminated, killed after 20 s) on leaving."""
    env = env or _worker_env()
    queues = ["-Q", queue, "-n", f"{queue}@%h"] if queue else []
    out = open(log, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cse_portal", "worker", f"--pool={pool}",
         "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle", *queues],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[subprocess.Popen]:
    """Start ``celery worker`` for the session; yield once it answers a ping."""
    from cse_portal.celery import ping

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        env = _worker_env()
    with worker_process(log, env=env) as proc:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {log}")
            try:
                ping.apply_async(expires=10).get(timeout=5)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
        yield proc


def wait_for_status(job: Model, statuses: set[str], timeout: float) -> Model:
    """``job`` (a board report or an evidence pack) once its status is one of ``statuses``;
    AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        if time.monotonic() > deadline:
            name = job._meta.verbose_name
            raise AssertionError(f"{name} {job.pk} still {job.status} after {timeout} s")
        time.sleep(0.1)
