"""The setup itself: the Makefile's cleaning targets, a fresh clone's first migrate, the CI
guard that refuses a run without PostgreSQL, Redis and every end-to-end test, and the log
output of ``make run``."""

import re
import shutil
import subprocess
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
