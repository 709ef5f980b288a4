"""Fault test (ADR 0048): the task worker is killed (SIGKILL, with the processes it forked)
in the middle of a roster import.

What must hold: every batch on disk is whole (the workers written equal the progress
count, a multiple of the batch size); the sweep (members/services/recovery.py) queues the
stalled import again; a restarted worker finishes it; at the end every row is there once
(no row lost, none duplicated) and the counts of the finished import add up.

Runs a real `manage.py db_worker` on the test database, so PostgreSQL only (SQLite's test
database is in memory). Selected with `-m fault` and FAULT_TESTS=1 (`make fault`).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from gigbranch.members import roster
from gigbranch.members.models import ImportStatus, Platform, RosterImport, Worker
from gigbranch.members.services import recovery
from gigbranch.members.services import roster as roster_services
from gigbranch.members.tests.rosterfile import xlsx
from tests.factories import make_id_number

pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(not os.environ.get("FAULT_TESTS"), reason="fault tests: FAULT_TESTS=1"),
    pytest.mark.django_db(transaction=True),
]

ROWS = 6 * roster.CHUNK  # six batches
BUDGET_SECONDS = 75


def _worker_env(tmp_path: Path) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "GIGBRANCH_PROFILE": "test",
        "MEDIA_ROOT": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        str(Path(django_settings.BASE_DIR) / "manage.py"),
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
    ]
    return subprocess.Popen(  # its own process group: the kill takes its forks too
        command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _wait_for(condition, deadline: float, what: str, log: Path):  # type: ignore[no-untyped-def]
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def test_import_killed_mid_run_is_resumed_whole_and_finishes_once(
    two_townships, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process shares the test database")
    deadline = time.monotonic() + BUDGET_SECONDS
    settings.MEDIA_ROOT = tmp_path
    a = two_townships["a"]
    admin = a["admin"]
    platform = Platform.objects.create(name="故障演练外卖平台")
    platform.workplaces.add(a["workplace"])
    rows = [
        [
            f"骑手{i}",
            make_id_number(30_000 + i),  # clear of the factories' numbers
            f"139{i:08d}",
            f"FT{i:06d}",
            a["workplace"].name,
            "外卖骑手",
            "2024-03-01",
            "群众",
        ]
        for i in range(1, ROWS + 1)
    ]
    imp = roster_services.start_import(
        actor=admin, platform=platform, filename="故障演练.xlsx", data=xlsx(rows)
    )
    imp = roster_services.set_mapping(
        actor=admin, roster_import=imp, mapping=imp.mapping, mark_missing_left=False
    )
    imp = roster_services.dry_run(actor=admin, roster_import=imp)
    assert (imp.valid_rows, imp.error_rows) == (ROWS, 0), imp.errors[:3]
    before = Worker.objects.count()
    imp = roster_services.start_run(actor=admin, roster_import=imp)
    assert imp.status == ImportStatus.QUEUED

    env, log = _worker_env(tmp_path), tmp_path / "worker.log"
    worker = _start_worker(env, log)
    try:
        # Kill once at least one batch is committed and the import is still going.
        _wait_for(
            lambda: RosterImport.objects.filter(
                pk=imp.pk, status=ImportStatus.RUNNING, processed_rows__gte=roster.CHUNK
            ).exists(),
            deadline,
            "the first committed batch",
            log,
        )
        _kill(worker)
    finally:
        _kill(worker)

    imp.refresh_from_db()
    written = Worker.objects.count() - before
    assert imp.status == ImportStatus.RUNNING, "killed before it finished"
    assert 0 < imp.processed_rows < ROWS
    # Nothing half-written: whole batches only, and exactly the batches counted as done.
    assert written == imp.processed_rows
    assert written % roster.CHUNK == 0

    # The sweep leaves a moving import alone, and queues a stalled one again.
    assert recovery.resume_interrupted_imports() == {"resumed": 0, "failed": 0}
    later = timezone.now() + dt.timedelta(seconds=recovery.stale_seconds() + 1)
    assert recovery.resume_interrupted_imports(now=later) == {"resumed": 1, "failed": 0}
    imp.refresh_from_db()
    assert imp.status == ImportStatus.QUEUED

    worker = _start_worker(env, log)
    try:
        _wait_for(
            lambda: RosterImport.objects.filter(
                pk=imp.pk, status__in=[ImportStatus.DONE, ImportStatus.FAILED]
            ).exists(),
            deadline,
            "the resumed import to finish",
            log,
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill(worker)

    imp.refresh_from_db()
    assert imp.status == ImportStatus.DONE, imp.message
    imported = Worker.objects.filter(platform_worker_id__startswith="FT")
    assert Worker.objects.count() - before == ROWS
    assert imported.count() == ROWS
    assert imported.values("id_number_hash").distinct().count() == ROWS
    # The second run found the committed batches unchanged and wrote only the rest.
    assert (imp.created_count, imp.unchanged_count, imp.updated_count) == (
        ROWS - written,
        written,
        0,
    )
    assert time.monotonic() < deadline
