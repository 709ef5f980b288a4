"""tools/supply_chain.py (ADR 0048): reports parsed, allow-list honoured, an unanswered
advisory service is a failure (exit 2), never a pass. No network: the tools' outputs are
given as data."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "supply_chain", Path(__file__).resolve().parent.parent / "tools" / "supply_chain.py"
)
sc = importlib.util.module_from_spec(_spec)
sys.modules["supply_chain"] = sc  # dataclasses look their module up
_spec.loader.exec_module(sc)

TODAY = dt.date(2026, 12, 7)

PIP_REPORT = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.1",
            "vulns": [
                {
                    "id": "PYSEC-2025-1",
                    "aliases": ["CVE-2025-1111", "GHSA-aaaa-bbbb-cccc"],
                    "fix_versions": ["5.2.2"],
                    "description": "SQL injection in X.\nMore.",
                },
            ],
        },
        {"name": "openpyxl", "version": "3.1.5", "vulns": []},
    ]
}
NPM_REPORT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "leaflet": {
            "name": "leaflet",
            "severity": "moderate",
            "range": "<1.9.5",
            "via": [
                {
                    "source": 1099,
                    "name": "leaflet",
                    "title": "XSS in popups",
                    "url": "https://github.com/advisories/GHSA-zzzz-yyyy-xxxx",
                },
            ],
        },
        "bootstrap": {"name": "bootstrap", "severity": "low", "range": "*", "via": ["leaflet"]},
    },
}


def test_pip_audit_report_gives_each_vulnerability_with_its_aliases():
    [finding] = sc.pip_audit_findings(PIP_REPORT)
    assert finding == sc.Finding(
        "pypi",
        "django",
        "5.2.1",
        ("PYSEC-2025-1", "CVE-2025-1111", "GHSA-aaaa-bbbb-cccc"),
        "SQL injection in X.",
    )


def test_a_package_pip_audit_could_not_look_up_is_unreachable_not_clean():
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.1", "vulns": []},
            {
                "name": "nh3",
                "skip_reason": "Dependency not found on PyPI and could not be audited: nh3 (0.3.2)",
            },
        ]
    }
    with pytest.raises(sc.Unreachable, match="could not check 1 of 2 packages"):
        sc.pip_audit_findings(report)


def test_npm_report_gives_advisories_not_the_packages_they_come_through():
    [finding] = sc.npm_audit_findings(NPM_REPORT)
    assert finding == sc.Finding(
        "npm", "leaflet", "<1.9.5", ("GHSA-zzzz-yyyy-xxxx",), "XSS in popups"
    )


def test_npm_error_answer_is_unreachable():
    report = {
        "message": "405 Method Not Allowed - POST https://registry/-/npm/v1/security/advisories/bulk",
        "error": {"summary": "", "detail": ""},
    }
    with pytest.raises(sc.Unreachable, match="405 Method Not Allowed"):
        sc.npm_audit_findings(report)
    with pytest.raises(sc.Unreachable):
        sc.npm_audit_findings({})


ALLOW = """
[[accepted]]
id = "GHSA-aaaa-bbbb-cccc"
ecosystem = "pypi"
package = "Django"
reason = "Affects only the Oracle backend, which gigbranch does not use."
review_by = 2027-01-31
"""


def test_allow_list_matches_an_alias_of_the_same_package_and_ecosystem_only():
    accepted, problems = sc.load_allowlist(ALLOW, today=TODAY)
    assert problems == []
    [finding] = sc.pip_audit_findings(PIP_REPORT)
    assert sc.is_accepted(finding, accepted)
    other = sc.Finding("pypi", "openpyxl", "3.1.5", ("GHSA-aaaa-bbbb-cccc",), "")
    npm = sc.Finding("npm", "django", "1", ("GHSA-aaaa-bbbb-cccc",), "")
    assert not sc.is_accepted(other, accepted) and not sc.is_accepted(npm, accepted)


def test_allow_list_entry_past_its_review_date_or_without_reason_is_a_problem():
    _, problems = sc.load_allowlist(ALLOW, today=dt.date(2027, 2, 1))
    assert problems == [
        "allow-list entry GHSA-aaaa-bbbb-cccc (Django): review date 2027-01-31 has passed; "
        "review the reason and set a new date, or remove the entry"
    ]
    entries, problems = sc.load_allowlist(
        ALLOW.replace(
            'reason = "Affects only the Oracle backend, which gigbranch does not use."',
            'reason = ""',
        ),
        today=TODAY,
    )
    assert entries == [] and problems == ["allow-list entry 1: missing reason"]


def test_the_shipped_allow_list_is_valid():
    _, problems = sc.load_allowlist(sc.ALLOWLIST.read_text(), today=TODAY)
    assert problems == []


@pytest.mark.parametrize(
    ("pip", "npm", "expected"),
    [
        (PIP_REPORT, {"vulnerabilities": {}}, 1),
        (
            {"dependencies": [{"name": "x", "version": "1", "vulns": []}]},
            {"vulnerabilities": {}},
            0,
        ),
        ({"dependencies": [{"name": "x", "skip_reason": "not found"}]}, {"vulnerabilities": {}}, 2),
        ({"dependencies": []}, {"message": "405", "error": {}}, 2),
    ],
)
def test_exit_status(monkeypatch, capsys, pip, npm, expected):
    monkeypatch.setitem(sc.CHECKS, "python", ("py", lambda: pip, sc.pip_audit_findings))
    monkeypatch.setitem(sc.CHECKS, "npm", ("npm", lambda: npm, sc.npm_audit_findings))
    assert sc.main([]) == expected
    out = capsys.readouterr().out
    if expected == 2:
        assert "UNREACHABLE" in out and "unknown, not absent" in out
