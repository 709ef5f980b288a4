"""The URL walk of bench/pages.py on the tiny demo data: every URL pattern is walked (or
excluded with a reason), and no page answers with an error, for any demo role."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import _pagewalk as pw


@pytest.fixture
def tiny_demo(db, settings, tmp_path):
    from gigbranch import demo

    settings.MEDIA_ROOT = tmp_path
    # A day whose recruitment plan puts a public notice (REC-ORDER, 5 working days) across
    # the National Day holiday: the demo must still seed.
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        demo.seed(scale="tiny")
    pw.complete_data()


def test_every_pattern_is_walked_or_excluded_and_no_page_fails(tiny_demo):
    rows, unfilled, skipped = pw.walk([role for role, _ in pw.ROLES], repeats=0)

    pages, _ = pw.patterns()
    walked = {row.route for row in rows}
    missing = [p.route for p in pages if p.route not in walked]
    assert missing == [], f"patterns no role could walk: {missing}"
    assert unfilled == [], f"patterns without an object to fill them: {sorted(set(unfilled))}"
    assert all(reason for _, reason in skipped)
    errors = [(row.status, row.role, row.url) for row in rows if row.kind == "ERROR"]
    assert errors == []
    # Every role sees pages of its own, and each staff area has a page someone can open.
    shown = {row.role for row in rows if row.kind == "page"}
    assert shown == {role for role, _ in pw.ROLES}
    opened = {row.route.split("/")[0] for row in rows if row.kind == "page"}
    assert {"org", "people", "recruitment", "appeals", "stations", "cockpit", "m"} <= opened


def test_a_pattern_without_a_fill_is_listed_not_dropped(county_admin, monkeypatch):
    county_admin.username = "county"
    county_admin.save()
    monkeypatch.delitem(pw.FILL, "organizations:workplace")

    rows, unfilled, _ = pw.walk(
        ["county"], repeats=0, only=lambda p: p.name == "organizations:workplace"
    )

    assert rows == []
    assert unfilled == [
        ("org/workplaces/<int:pk>/", "county", "FILL 中没有该模式的参数来源"),
    ]


def test_errors_are_classified():
    assert pw.classify(500, in_scope=True) == "ERROR"
    assert pw.classify(404, in_scope=True) == "ERROR"
    assert pw.classify(404, in_scope=False) == "out-of-scope"
    assert pw.classify(403, in_scope=True) == "denied"
    assert pw.classify(405, in_scope=True) == "post-only"
    assert pw.classify(200, in_scope=False) == "page"


def test_server_process_imports_every_view_before_its_first_request(tmp_path):
    """Cold start: the URLconf (views, API schemas) is imported when config.wsgi loads,
    not inside the first request (6 s of a 6.4 s first request at county scale)."""
    import os
    import subprocess

    code = "import sys, config.wsgi; print('gigbranch.api.urls' in sys.modules)"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
