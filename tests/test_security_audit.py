"""The security audits of `make test` (scripts/audit.py): a finding fails the run unless it is
accepted with a reason, and a vulnerability service that cannot be reached is said loudly —
never a silent pass."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "audit.py"

spec = importlib.util.spec_from_file_location("audit", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "REQUIRE_AUDIT"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


# --- the unreachable service, for real ---------------------------------------------------------


@pytest.fixture
def broken_network(tmp_path) -> dict[str, str]:
    """Every request through a proxy on a closed loopback port, and an empty cache (a cached
    answer would hide the broken network)."""
    dead = "http://127.0.0.1:9"
    return {
        "HTTPS_PROXY": dead,
        "HTTP_PROXY": dead,
        "https_proxy": dead,
        "http_proxy": dead,
        "NO_PROXY": "",
        "no_proxy": "",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def test_an_unreachable_vulnerability_service_is_said_not_passed_silently(broken_network):
    done = run_script("pip-audit", **broken_network)
    lines = done.stdout.splitlines()
    warning = [line for line in lines if line.startswith("WARNING: NOT AUDITED")]
    assert warning, done.stdout + done.stderr
    assert "could not reach the vulnerability service" in warning[0]
    assert "no dependency was checked" in warning[0]
    assert "REQUIRE_AUDIT=1" in done.stdout  # how to make it a failure
    assert done.returncode == 0  # a warning, by default (docs/security.md says why)
    assert "no known vulnerability" not in done.stdout


def test_under_require_audit_an_unreachable_service_fails_the_run(broken_network):
    done = run_script("pip-audit", REQUIRE_AUDIT="1", **broken_network)
    assert done.returncode == 1
    assert "WARNING: NOT AUDITED" in done.stdout
    assert "REQUIRE_AUDIT=1: a run that could not audit every package fails." in done.stdout


def test_make_test_repeats_the_warning_in_pytests_summary(pytester_summary_lines):
    assert any(line.startswith("WARNING: NOT AUDITED") for line in pytester_summary_lines)


@pytest.fixture
def pytester_summary_lines(tmp_path) -> list[str]:
    """pytest's summary, with an AUDIT_LOG as scripts/test.sh leaves it, in a small run."""
    log = tmp_path / "audit.log"
    log.write_text("bandit: no finding open.\nWARNING: NOT AUDITED: pip-audit could not …\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_web_helpers.py", "-k", "safe_next", "--no-header"],
        capture_output=True,
        text=True,
        env={**os.environ, "AUDIT_LOG": str(log)},
        cwd=ROOT,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode in (0, 5), done.stdout[-2000:]
    lines = done.stdout.splitlines()
    assert any("security audit" in line for line in lines), done.stdout[-2000:]
    return lines


# --- what a report means ---------------------------------------------------------------------


def pip_audit_json(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_packages_the_service_did_not_answer_for_are_not_audited():
    outcome = audit.read_pip_audit(
        0,
        pip_audit_json(
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "celery", "skip_reason": "Dependency not found on PyPI"},
        ),
        "",
        {},
    )
    status, lines = audit.report_pip_audit(outcome, require_audit=False)
    assert status == 0
    assert lines[0].startswith("WARNING: NOT AUDITED: the vulnerability service gave no answer")
    assert "1 of the 2 locked packages" in lines[0]
    status, _ = audit.report_pip_audit(outcome, require_audit=True)
    assert status == 1


def test_a_known_vulnerability_fails_the_run_and_says_what_to_do():
    outcome = audit.read_pip_audit(
        1,
        pip_audit_json(
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": []}],
            }
        ),
        "",
        {},
    )
    status, lines = audit.report_pip_audit(outcome, require_audit=False)
    assert status == 1
    text = "\n".join(lines)
    assert "django 5.2.0: PYSEC-2025-1 (fixed in: 5.2.1)" in text
    assert "make lock" in text and "docs/security.md" in text


def test_a_complete_clean_audit_says_how_many_were_checked():
    outcome = audit.read_pip_audit(
        0, pip_audit_json({"name": "django", "version": "5.2.19", "vulns": []}), "", {}
    )
    status, lines = audit.report_pip_audit(outcome, require_audit=True)
    assert (status, lines) == (0, ["pip-audit: 1 locked packages checked, no known vulnerability."])


def test_accepted_vulnerabilities_are_passed_to_pip_audit_and_named():
    command = audit.pip_audit_command({"GHSA-aaaa-bbbb-cccc": "not reachable from our code"})
    assert command[command.index("--ignore-vuln") + 1] == "GHSA-aaaa-bbbb-cccc"
    assert "--no-deps" in command and str(audit.LOCK) in command


def test_a_crashed_pip_audit_is_unreachable_with_its_cause():
    outcome = audit.read_pip_audit(
        1,
        "",
        "Traceback …\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org')",
        {},
    )
    assert outcome.unreachable.startswith("ConnectionError")
    assert not outcome.complete


# --- bandit ----------------------------------------------------------------------------------


def finding(filename: str, test_id: str) -> dict:
    return {
        "filename": f"./{filename}",
        "test_id": test_id,
        "line_number": 7,
        "issue_severity": "MEDIUM",
        "issue_text": "Use of mark_safe() may expose cross-site scripting vulnerabilities.",
    }


ACCEPTED = {
    "reports/charts.py": {"tests": ["B308"], "reason": "our own SVG"},
    "bench/": {"tests": ["B101"], "reason": "benchmarks"},
}


def test_an_accepted_bandit_finding_passes_and_a_new_one_fails():
    results = [finding("reports/charts.py", "B308"), finding("bench/x/y.py", "B101")]
    assert audit.report_bandit(results, "", ACCEPTED)[0] == 0
    status, lines = audit.report_bandit(
        [*results, finding("evidence/views.py", "B308")], "", ACCEPTED
    )
    assert status == 1
    assert "evidence/views.py:7: B308 (medium)" in "\n".join(lines)
    # The same rule in another file, or another rule in an accepted file, is not accepted.
    assert audit.report_bandit([finding("reports/charts.py", "B101")], "", ACCEPTED)[0] == 1


def test_an_acceptance_that_matches_nothing_is_reported():
    _, lines = audit.report_bandit([finding("reports/charts.py", "B308")], "", ACCEPTED)
    assert any("bench/ matches nothing any more" in line for line in lines)


def test_bandit_that_cannot_run_fails():
    assert audit.report_bandit([], "bandit did not run: boom", ACCEPTED)[0] == 1


def test_every_acceptance_in_pyproject_has_a_reason_and_is_in_docs_security():
    config = audit.config()
    accepted = config["bandit"]["accepted"]
    assert accepted
    docs = (ROOT / "docs" / "security.md").read_text()
    for path, acceptance in accepted.items():
        assert acceptance["tests"] and len(acceptance.get("reason", "")) > 20, path
        assert f"`{path}`" in docs, f"{path} is accepted in pyproject.toml but not in docs"
    for vulnerability, reason in config.get("pip-audit", {}).get("ignore-vulns", {}).items():
        assert len(reason) > 20 and vulnerability in docs


def test_pip_audit_is_not_started_when_the_service_does_not_answer(monkeypatch):
    """One probe decides: a network that drops packets costs its 10 s, not 15 s a package."""
    monkeypatch.setattr(audit, "service_unreachable", lambda: "ConnectTimeout: no answer")

    def never(*args, **kwargs):
        raise AssertionError("pip-audit was started")

    monkeypatch.setattr(audit.subprocess, "run", never)
    outcome = audit.run_pip_audit()
    assert outcome.unreachable == "ConnectTimeout: no answer"
    assert audit.report_pip_audit(outcome, require_audit=False)[1][0].startswith(
        "WARNING: NOT AUDITED: pip-audit could not reach the vulnerability service"
    )
