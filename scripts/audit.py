#!/usr/bin/env python3
"""The security audits of `make test`: pip-audit (known vulnerabilities in the locked
dependencies) and bandit (the code's own risky patterns). Run as ``scripts/audit.py``
(both), ``scripts/audit.py pip-audit`` or ``scripts/audit.py bandit``.

Each prints one line that says what it checked and what it found. A finding fails the run
unless it is accepted in ``pyproject.toml`` (``[tool.security-audit]``) with a reason; the
reasons are in docs/security.md too.

pip-audit asks a vulnerability service (PyPI's JSON API) about each locked version. When
that service cannot be reached, or does not answer for some packages, nothing is known about
them: the run says so in a line starting ``WARNING: NOT AUDITED`` (also repeated at the end
of `make test`) rather than passing silently. It still exits 0 — CI's machine reaches only
the package index, whose per-version answers this audit needs are not served there, and a
check no code change can fix would block every submission — unless REQUIRE_AUDIT=1, which
makes an unaudited run fail (for a release build on a machine with the service). See
docs/security.md, "Dependency and code audits".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
BIN = Path(sys.executable).parent
# The code bandit reads: every app and the project's own scripts (tests and migrations aside,
# see [tool.bandit] in pyproject.toml).
TIMEOUT_SECONDS = 240
NOT_AUDITED = "WARNING: NOT AUDITED"


def config() -> dict:
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle).get("tool", {}).get("security-audit", {})


# ---------------------------------------------------------------------------------------------
# pip-audit


@dataclass
class PipAuditOutcome:
    """What one pip-audit run established."""

    audited: int = 0
    unaudited: dict[str, str] = field(default_factory=dict)  # package → why not
    found: list[tuple[str, str, str, str]] = field(default_factory=list)  # pkg, ver, id, fix
    accepted: list[tuple[str, str, str]] = field(default_factory=list)  # pkg, id, reason
    unreachable: str = ""  # the service could not be asked at all: why

    @property
    def complete(self) -> bool:
        return not self.unreachable and not self.unaudited


def pip_audit_command(ignored: dict[str, str]) -> list[str]:
    command = [
        str(BIN / "pip-audit"),
        "--requirement",
        str(LOCK),
        "--no-deps",  # the lock pins everything: no resolver run
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--timeout",
        "15",
    ]
    for vulnerability in sorted(ignored):
        command += ["--ignore-vuln", vulnerability]
    return command


def read_pip_audit(returncode: int, stdout: str, stderr: str, ignored: dict) -> PipAuditOutcome:
    """The outcome from pip-audit's exit status and JSON report (``--format json``)."""
    outcome = PipAuditOutcome()
    try:
        report = json.loads(stdout)
        dependencies = report["dependencies"]
    except (ValueError, KeyError, TypeError):
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        outcome.unreachable = _reason(lines[-1] if lines else f"pip-audit exited {returncode}")
        return outcome
    for dependency in dependencies:
        name, version = dependency.get("name", "?"), dependency.get("version", "?")
        if "skip_reason" in dependency:
            outcome.unaudited[name] = dependency["skip_reason"]
            continue
        outcome.audited += 1
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version yet"
            outcome.found.append((name, version, vulnerability["id"], fixes))
    for vulnerability_id, reason in ignored.items():
        outcome.accepted.append(("", vulnerability_id, reason))
    return outcome


def _reason(line: str) -> str:
    """A one-line cause from an error line (a connection error's text is very long)."""
    line = " ".join(line.split())
    for marker in ("ProxyError", "ConnectionError", "NameResolutionError", "Timeout", "SSLError"):
        if marker in line:
            return f"{marker}: {line[:300]}"
    return line[:300]


SERVICE_PROBE = "https://pypi.org/pypi/pip/json"
PROBE_SECONDS = 10


def service_unreachable() -> str:
    """Why the vulnerability service cannot be asked, or "" when it answers. One request
    first, so that a network that drops packets costs 10 s, not pip-audit's 15 s a package."""
    import requests  # pip-audit's own HTTP library, with the same proxy settings

    try:
        requests.get(SERVICE_PROBE, timeout=PROBE_SECONDS).raise_for_status()
    except requests.RequestException as error:
        return " ".join(f"{type(error).__name__}: {error}".split())[:300]
    return ""


def run_pip_audit() -> PipAuditOutcome:
    ignored = config().get("pip-audit", {}).get("ignore-vulns", {})
    if reason := service_unreachable():
        return PipAuditOutcome(unreachable=reason)
    try:
        done = subprocess.run(
            pip_audit_command(ignored),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return PipAuditOutcome(unreachable=f"no answer within {TIMEOUT_SECONDS} s")
    except OSError as error:
        return PipAuditOutcome(unreachable=f"pip-audit could not start ({error})")
    return read_pip_audit(done.returncode, done.stdout, done.stderr, ignored)


def report_pip_audit(outcome: PipAuditOutcome, require_audit: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print."""
    lines: list[str] = []
    status = 0
    accepted = f"; accepted: {', '.join(i for _, i, _ in outcome.accepted)}" * bool(
        outcome.accepted
    )
    if outcome.unreachable:
        lines.append(
            f"{NOT_AUDITED}: pip-audit could not reach the vulnerability service, so no "
            f"dependency was checked for known vulnerabilities ({outcome.unreachable})."
        )
    elif outcome.unaudited:
        total = outcome.audited + len(outcome.unaudited)
        reasons = sorted(set(outcome.unaudited.values()))
        example = reasons[0] if reasons else ""
        lines.append(
            f"{NOT_AUDITED}: the vulnerability service gave no answer for "
            f"{len(outcome.unaudited)} of the {total} locked packages, which were NOT checked "
            f"for known vulnerabilities (e.g. {example!r})."
        )
    if outcome.found:
        status = 1
        lines.append(f"pip-audit: {len(outcome.found)} known vulnerabilities not accepted:")
        for name, version, vulnerability, fixes in outcome.found:
            lines.append(f"  {name} {version}: {vulnerability} (fixed in: {fixes})")
        lines.append(
            "  Upgrade the package in pyproject.toml and run `make lock`, or accept the finding "
            "with its reason in [tool.security-audit.pip-audit.ignore-vulns] and "
            "docs/security.md."
        )
    elif outcome.audited:
        lines.append(
            f"pip-audit: {outcome.audited} locked packages checked, no known vulnerability"
            f"{accepted}."
        )
    if not outcome.complete:
        if require_audit:
            status = 1
            lines.append("REQUIRE_AUDIT=1: a run that could not audit every package fails.")
        else:
            lines.append(
                "  (Not a failure: set REQUIRE_AUDIT=1 to make it one, on a machine that "
                "reaches the vulnerability service.)"
            )
    return status, lines


# ---------------------------------------------------------------------------------------------
# bandit


def bandit_findings() -> tuple[list[dict], str]:
    """bandit's results over the project (its [tool.bandit] settings), or an error text."""
    command = [
        str(BIN / "bandit"),
        "--configfile",
        str(PYPROJECT),
        "--recursive",
        "--format",
        "json",
        "--quiet",
        ".",
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            cwd=ROOT,
            check=False,
        )
        report = json.loads(done.stdout)
    except (subprocess.TimeoutExpired, OSError, ValueError) as error:
        return [], f"bandit did not run: {error}"
    if report.get("errors"):
        return [], f"bandit could not read: {report['errors'][:3]}"
    return report["results"], ""


def accepted_bandit(result: dict, accepted: dict[str, dict]) -> str:
    """The reason a finding is accepted (``[tool.security-audit.bandit.accepted]``, keyed by
    file, each with its rule ids and a reason), or ""."""
    path = Path(result["filename"]).as_posix().removeprefix("./")
    for pattern, acceptance in accepted.items():
        if _matches(path, pattern) and result["test_id"] in acceptance.get("tests", []):
            return acceptance.get("reason", "")
    return ""


def _matches(path: str, pattern: str) -> bool:
    if pattern.endswith("/"):
        return path.startswith(pattern)
    return path == pattern


def report_bandit(results: list[dict], error: str, accepted: dict) -> tuple[int, list[str]]:
    if error:
        return 1, [f"bandit: {error}"]
    open_findings = [r for r in results if not accepted_bandit(r, accepted)]
    kept = len(results) - len(open_findings)
    lines = []
    used = {
        pattern
        for pattern, acceptance in accepted.items()
        for r in results
        if _matches(Path(r["filename"]).as_posix().removeprefix("./"), pattern)
        and r["test_id"] in acceptance.get("tests", [])
    }
    for pattern in sorted(set(accepted) - used):
        lines.append(
            f"bandit: the acceptance for {pattern} matches nothing any more: remove it from "
            "pyproject.toml and docs/security.md."
        )
    if open_findings:
        lines.append(f"bandit: {len(open_findings)} findings not accepted:")
        for r in open_findings:
            lines.append(
                f"  {r['filename'].removeprefix('./')}:{r['line_number']}: {r['test_id']} "
                f"({r['issue_severity'].lower()}) {r['issue_text']}"
            )
        lines.append(
            "  Fix the code, or accept the finding with its reason: `# nosec BXXX - why` on the "
            "line, or [tool.security-audit.bandit.accepted] in pyproject.toml, and say why in "
            "docs/security.md."
        )
        return 1, lines
    lines.append(f"bandit: no finding open ({kept} accepted with a reason in pyproject.toml).")
    return 0, lines


# ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    which = argv[1:] or ["pip-audit", "bandit"]
    require_audit = os.environ.get("REQUIRE_AUDIT") == "1"
    status = 0
    for name in which:
        if name == "pip-audit":
            code, lines = report_pip_audit(run_pip_audit(), require_audit)
        elif name == "bandit":
            results, error = bandit_findings()
            code, lines = report_bandit(
                results, error, config().get("bandit", {}).get("accepted", {})
            )
        else:
            print(f"Unknown audit {name!r}: use pip-audit or bandit.", file=sys.stderr)
            return 2
        for line in lines:
            print(line, flush=True)
        status |= code
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
