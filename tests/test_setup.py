"""The setup itself: the Makefile's cleaning targets, a fresh clone's first migrate, the CI
guard that refuses a run without PostgreSQL, Redis and every end-to-end test, and the log
output of ``make run``."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = ROOT / "Makefile"


def make_targets() -> list[str]:
    """Every target the Makefile defines (``name:`` at the start of a line)."""
    text = MAKEFILE.read_text()
    return sorted(set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.MULTILINE)))


def cleaning_targets() -> list[str]:
    return [target for target in make_targets() if "clean" in target]


def test_the_makefile_has_a_clean_target():
    assert "clean" in cleaning_targets()


@pytest.mark.parametrize("target", cleaning_targets())
def test_cleaning_keeps_what_users_entered(tmp_path, target):
    """``make clean`` removes caches and build output, never var/ (the development database,
    uploaded evidence, queued tasks)."""
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    kept = [
        tmp_path / "var" / "db.sqlite3",
        tmp_path / "var" / "media" / "evidence" / "policy.pdf",
        tmp_path / "var" / "broker" / "queue" / "task.msg",
    ]
    removed = [
        tmp_path / "staticfiles" / "app.css",
        tmp_path / ".pytest_cache" / "README.md",
        tmp_path / ".ruff_cache" / "CACHEDIR.TAG",
        tmp_path / "accounts" / "__pycache__" / "views.cpython-311.pyc",
    ]
    for path in kept + removed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")

    # The dry run removes nothing in var/ ...
    dry = subprocess.run(
        ["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    for line in dry.stdout.splitlines():
        words = line.split()
        if words and words[0] == "rm":
            targets = [w.strip("'\"").removeprefix("./") for w in words if not w.startswith("-")]
            assert not [w for w in targets if w == "var" or w.startswith("var/")], line

    # ... and the real run keeps every file a user made, and removes the caches.
    run = subprocess.run(["make", target], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert [p for p in kept if not p.exists()] == []
    if target == "clean":
        assert [p for p in removed if p.exists()] == []


def test_make_install_shows_its_progress():
    """The minute-long dependency install prints its steps and pip's lines, not silence."""
    dry = subprocess.run(
        ["make", "-n", "-B", "install"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    [install] = [line for line in dry.stdout.splitlines() if "-r requirements.lock" in line]
    assert "--quiet" not in install and " -q" not in install
    assert sum(line.startswith("echo ") for line in dry.stdout.splitlines()) >= 3


FRESH_CLONE_IGNORES = shutil.ignore_patterns(
    ".git", ".venv", "var", "staticfiles", "__pycache__", ".pytest_cache", ".ruff_cache", ".env"
)


def fresh_clone(tmp_path: Path) -> Path:
    """A copy of the project as a fresh clone has it: no var/, no .env."""
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=FRESH_CLONE_IGNORES, symlinks=True)
    return clone


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the settings a test run or CI sets."""
    unwanted = {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_BROKER_DIR",
        "MEDIA_ROOT",
        "DJANGO_ENV",
        "SECRET_KEY",
        "REQUIRE_SERVICES",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "PYTEST_ADDOPTS",
    }
    return {**{k: v for k, v in os.environ.items() if k not in unwanted}, **extra}


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:9/0", None])
def test_a_fresh_clone_migrates_whatever_the_broker(tmp_path, broker):
    """var/ (the SQLite database) and var/media (uploads) exist whenever the defaults point
    there, not only when the filesystem broker happens to create var/broker."""
    clone = fresh_clone(tmp_path)
    env = clean_env(**({"CELERY_BROKER_URL": broker} if broker else {}))
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (clone / "var" / "db.sqlite3").is_file()
    assert (clone / "var" / "media").is_dir()


# A test that needs neither a database nor a browser, for the runs below.
TRIVIAL_TEST = "tests/test_setup.py::test_the_makefile_has_a_clean_target"
E2E_TESTS = "tests/e2e/test_sign_in_and_standard.py"
NO_SERVER = {  # PostgreSQL and Redis URLs that pass the start check; nothing connects to them
    "DATABASE_URL": "postgres://cse@127.0.0.1:9/never",
    "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
}


def run_pytest(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "database, broker, complaint",
    [
        (
            "sqlite:////tmp/cse-required-services.sqlite3",
            NO_SERVER["CELERY_BROKER_URL"],
            "PostgreSQL",
        ),
        (NO_SERVER["DATABASE_URL"], "filesystem://", "Redis"),
        (None, None, "PostgreSQL"),
    ],
)
def test_required_services_refuse_a_run_on_anything_else(database, broker, complaint):
    env = {"REQUIRE_SERVICES": "1"}
    if database:
        env["DATABASE_URL"] = database
    if broker:
        env["CELERY_BROKER_URL"] = broker
    result = run_pytest(TRIVIAL_TEST, **env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "REQUIRE_SERVICES=1 but" in output and complaint in output, output
    assert "1 passed" not in output


def test_required_services_accept_postgresql_and_redis():
    result = run_pytest(TRIVIAL_TEST, REQUIRE_SERVICES="1", **NO_SERVER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_required_services_fail_a_run_that_skipped_an_end_to_end_test():
    no_browser = {"CHROMIUM_PATH": "/nonexistent/chromium", **NO_SERVER}
    # Without the requirement a machine with no Chromium skips the browser tests ...
    relaxed = run_pytest(TRIVIAL_TEST, E2E_TESTS, **no_browser)
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    assert "skipped" in relaxed.stdout
    # ... and CI, which requires every service, fails, naming the skipped tests.
    strict = run_pytest(TRIVIAL_TEST, E2E_TESTS, REQUIRE_SERVICES="1", **no_browser)
    output = strict.stdout + strict.stderr
    assert strict.returncode == 1, output
    assert "end-to-end tests did not run" in output
    assert "test_sign_in_and_standard.py::" in output
    assert "no Chromium at /nonexistent/chromium" in output


LOG_PROBE = """
import logging, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cse_portal.settings")
django.setup()
if {worker}:  # what `celery worker` does to logging at start
    from cse_portal.celery import app
    app.log.setup(loglevel="INFO", redirect_stdouts=False)
for name in {loggers!r}:
    logging.getLogger(name).warning("probe line from %s", name)
"""
LOGGERS = ["django.request", "django.utils.autoreload", "evidence.tasks", "celery.app.trace"]


@pytest.mark.parametrize("process", ["web server", "worker"])
def test_make_run_prints_each_log_line_once(tmp_path, process):
    code = LOG_PROBE.format(worker=process == "worker", loggers=LOGGERS)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(DEBUG="true", CELERY_BROKER_DIR=str(tmp_path / "broker")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    counts = {name: output.count(f"probe line from {name}") for name in LOGGERS}
    assert counts == dict.fromkeys(LOGGERS, 1), output
