"""Supply-chain check (ADR 0048): known vulnerabilities in the pinned Python packages
(pip-audit over constraints.txt) and in the served npm packages (npm audit --omit=dev).

    python tools/supply_chain.py [--only python|npm]

Exit status:
  0  no known vulnerability outside the allow-list;
  1  a known vulnerability not accepted, or an allow-list entry that is malformed or past
     its review date;
  2  an advisory service could not be reached or did not answer for every package: nothing
     is known either way, so the check fails rather than passes.

Accepted vulnerabilities are listed in tools/advisory_allowlist.toml (id, ecosystem,
package, reason, review_by).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / "tools" / "advisory_allowlist.toml"
OK, VULNERABLE, UNREACHABLE = 0, 1, 2


class Unreachable(Exception):
    """The advisory service gave no complete answer."""


@dataclass(frozen=True)
class Finding:
    ecosystem: str
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory id first, then its aliases
    summary: str

    def line(self) -> str:
        return (
            f"{self.ecosystem} {self.package} {self.version}: {', '.join(self.ids)} {self.summary}"
        )


@dataclass(frozen=True)
class Accepted:
    id: str
    ecosystem: str
    package: str
    reason: str
    review_by: dt.date


def load_allowlist(text: str, *, today: dt.date) -> tuple[list[Accepted], list[str]]:
    """Entries and problems (missing fields, empty reason, review date passed)."""
    data = tomllib.loads(text)
    entries: list[Accepted] = []
    problems: list[str] = []
    for n, raw in enumerate(data.get("accepted", []), start=1):
        missing = [
            k for k in ("id", "ecosystem", "package", "reason", "review_by") if not raw.get(k)
        ]
        if missing:
            problems.append(f"allow-list entry {n}: missing {', '.join(missing)}")
            continue
        review_by = raw["review_by"]
        if not isinstance(review_by, dt.date):
            problems.append(f"allow-list entry {n} ({raw['id']}): review_by is not a date")
            continue
        if raw["ecosystem"] not in ("pypi", "npm"):
            problems.append(f"allow-list entry {n} ({raw['id']}): ecosystem must be pypi or npm")
            continue
        if review_by < today:
            problems.append(
                f"allow-list entry {raw['id']} ({raw['package']}): review date {review_by} "
                "has passed; review the reason and set a new date, or remove the entry"
            )
        entries.append(
            Accepted(raw["id"], raw["ecosystem"], raw["package"].lower(), raw["reason"], review_by)
        )
    return entries, problems


def is_accepted(finding: Finding, accepted: Iterable[Accepted]) -> bool:
    return any(
        a.ecosystem == finding.ecosystem
        and a.package == finding.package.lower()
        and a.id in finding.ids
        for a in accepted
    )


def pip_audit_findings(report: dict) -> list[Finding]:
    """Findings from `pip-audit -f json`; any package it could not look up is Unreachable
    (pip-audit reports an unanswered lookup as a skipped package, not as an error)."""
    skipped = [d for d in report.get("dependencies", []) if d.get("skip_reason")]
    if skipped:
        first = skipped[0]["skip_reason"]
        raise Unreachable(
            f"pip-audit could not check {len(skipped)} of {len(report['dependencies'])} "
            f"packages (first: {first})"
        )
    findings = []
    for dep in report.get("dependencies", []):
        for vuln in dep.get("vulns", []):
            ids = (vuln["id"], *vuln.get("aliases", []))
            summary = (vuln.get("description") or "").splitlines()[0:1]
            findings.append(
                Finding("pypi", dep["name"], dep.get("version", ""), ids, "".join(summary)[:120])
            )
    return findings


def npm_audit_findings(report: dict) -> list[Finding]:
    """Findings from `npm audit --json` (npm 7+ report format)."""
    if "error" in report:
        error = report["error"] if isinstance(report["error"], dict) else {}
        words = [report.get("message"), error.get("code"), error.get("summary")]
        raise Unreachable("npm audit: " + (" ".join(w for w in words if w) or "error"))
    if "vulnerabilities" not in report:
        raise Unreachable("npm audit gave no vulnerability report")
    findings = []
    for name, vuln in report["vulnerabilities"].items():
        for via in vuln.get("via", []):
            if not isinstance(via, dict):  # a dependency through which it comes
                continue
            url = via.get("url") or ""
            advisory = url.rstrip("/").rsplit("/", 1)[-1] if url else str(via.get("source", ""))
            findings.append(
                Finding("npm", name, vuln.get("range", ""), (advisory,), via.get("title", ""))
            )
    return findings


def run_pip_audit() -> dict:
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--requirement",
        str(ROOT / "constraints.txt"),
        "--no-deps",
        "--disable-pip",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "20",
        "--vulnerability-service",
        os.environ.get("PIP_AUDIT_SERVICE", "pypi"),
    ]
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        command, capture_output=True, text=True, timeout=300, check=False
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unreachable(f"pip-audit failed (exit {done.returncode}): {tail}") from None


def run_npm_audit() -> dict:
    npm = shutil.which("npm")
    if npm is None:
        raise Unreachable("npm is not installed")
    command = [npm, "audit", "--omit=dev", "--json", "--audit=true"]
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        command, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unreachable(f"npm audit failed (exit {done.returncode}): {tail}") from None


CHECKS = {
    "python": ("Python packages (constraints.txt, pip-audit)", run_pip_audit, pip_audit_findings),
    "npm": ("npm packages served (npm audit --omit=dev)", run_npm_audit, npm_audit_findings),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CHECKS))
    args = parser.parse_args(argv)
    accepted, problems = load_allowlist(ALLOWLIST.read_text(), today=dt.date.today())
    status = OK
    for problem in problems:
        print(f"FAIL {problem}")
        status = VULNERABLE
    for key, (label, run, parse) in CHECKS.items():
        if args.only and key != args.only:
            continue
        try:
            findings = parse(run())
        except (Unreachable, subprocess.TimeoutExpired) as exc:
            print(f"UNREACHABLE {label}: {exc}")
            print("  The advisory service did not answer: vulnerabilities are unknown, not absent.")
            status = max(status, UNREACHABLE)
            continue
        open_findings = [f for f in findings if not is_accepted(f, accepted)]
        for finding in open_findings:
            print(f"VULNERABLE {finding.line()}")
        print(
            f"{'FAIL' if open_findings else 'ok'} {label}: {len(findings)} known, "
            f"{len(findings) - len(open_findings)} accepted in {ALLOWLIST.relative_to(ROOT)}"
        )
        if open_findings:
            status = max(status, VULNERABLE)
    return status


if __name__ == "__main__":
    sys.exit(main())
