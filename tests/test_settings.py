"""Production settings: refuse a missing or weak SECRET_KEY; pass Django's deploy checks."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    unwanted = {"SECRET_KEY", "DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the e2e tests set it
    base = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("key", [None, "", "short", "django-insecure-" + "x" * 60, "a" * 64])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "cse.example.org"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "needs a real SECRET_KEY" in result.stderr


def test_production_passes_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cse.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_unknown_environment_name_is_refused():
    result = manage("check", DJANGO_ENV="prod")
    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


def test_demo_data_is_refused_in_production():
    result = manage(
        "setup_demo",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cse.example.org",
        DATABASE_URL="sqlite:////tmp/cse-never-created.sqlite3",
    )
    assert result.returncode != 0
    assert "refused in production" in result.stderr


def test_evidence_storage_switches_to_s3_by_setting_only():
    result = manage(
        "shell",
        "-c",
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url)",
        MEDIA_STORAGE_BACKEND="storages.backends.s3.S3Storage",
        MEDIA_STORAGE_OPTIONS='{"bucket_name": "cse-evidence", "endpoint_url": "https://s3.example.org"}',
    )
    assert result.returncode == 0, result.stderr
    assert "S3Storage cse-evidence https://s3.example.org" in result.stdout


def test_the_readme_names_every_environment_variable():
    """settings.py says README.md's Configuration table lists every variable it reads."""
    read = set(
        re.findall(
            r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', (ROOT / "cse_portal" / "settings.py").read_text()
        )
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert read and read <= named, f"add to README.md's Configuration: {sorted(read - named)}"
