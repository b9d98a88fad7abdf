"""The load and fault tests: the real app in processes of its own (bench/load/stack.py), on
PostgreSQL and Redis. Skipped where those servers are missing, unless REQUIRE_SERVICES=1 (CI),
where a missing server fails the test instead."""

import os
import pwd
import shutil

import pytest
from django.conf import settings

from bench.load import stack


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts real servers (gunicorn, Celery, PostgreSQL, Redis); 10-60 s"
    )


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason=reason)


def run_server_url() -> str:
    """The PostgreSQL server of this test run, as a URL (the tests make databases of their
    own there); skipped or failed when the run is not on PostgreSQL."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("the run's database is not PostgreSQL")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


def need_redis_server() -> None:
    if shutil.which("redis-server") is None:
        skip_or_fail("there is no redis-server binary to start a Redis of the test's own")


def need_postgres_binaries() -> None:
    if stack.postgres_bin() is None:
        skip_or_fail("there are no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            skip_or_fail("PostgreSQL refuses to run as root and there is no postgres user")
