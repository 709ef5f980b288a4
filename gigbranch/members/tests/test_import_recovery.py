"""Roster imports whose worker died mid-run are queued again, then reported failed
(members/services/recovery.py, ADR 0048). The real kill is tests/fault/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gigbranch.core.models import AuditEvent
from gigbranch.members.models import ImportStatus, Platform, RosterImport
from gigbranch.members.services import recovery

pytestmark = pytest.mark.django_db


@pytest.fixture
def stalled(two_townships):
    platform = Platform.objects.create(name="美团外卖")
    imp = RosterImport.objects.create(
        platform=platform,
        uploaded_by=two_townships["a"]["admin"],
        filename="花名册.xlsx",
        stored_file="x.bin",
        total_rows=6000,
        processed_rows=2000,
        status=ImportStatus.RUNNING,
    )
    return imp


def later(seconds: int = 1) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=recovery.stale_seconds() + seconds)


def queued_runs() -> int:
    return DBTaskResult.objects.filter(
        task_path="gigbranch.members.tasks.run_roster_import"
    ).count()


def test_an_import_still_moving_is_left_alone(stalled):
    assert recovery.resume_interrupted_imports() == {"resumed": 0, "failed": 0}
    stalled.refresh_from_db()
    assert stalled.status == ImportStatus.RUNNING and queued_runs() == 0


def test_a_stalled_import_is_queued_again_once_with_an_audit_event(
    stalled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.resume_interrupted_imports(now=later()) == {"resumed": 1, "failed": 0}
    stalled.refresh_from_db()
    assert stalled.status == ImportStatus.QUEUED
    assert stalled.message == "导入中断（处理任务的进程退出），已自动重新排队续导。"
    assert queued_runs() == 1
    event = AuditEvent.objects.get(action=recovery.RESUMED)
    assert event.object_id == str(stalled.pk)
    assert event.changes == {"processed_rows": 2000, "resumes": 0}
    # Idempotent: a second sweep finds nothing RUNNING.
    assert recovery.resume_interrupted_imports(now=later()) == {"resumed": 0, "failed": 0}
    assert queued_runs() == 1


def test_after_two_resumptions_the_import_is_reported_failed(stalled):
    for _ in range(recovery.MAX_RESUMES):
        assert recovery.resume_interrupted_imports(now=later())["resumed"] == 1
        RosterImport.objects.filter(pk=stalled.pk).update(status=ImportStatus.RUNNING)
    assert recovery.resume_interrupted_imports(now=later()) == {"resumed": 0, "failed": 1}
    stalled.refresh_from_db()
    assert stalled.status == ImportStatus.FAILED
    assert stalled.message.startswith("导入中断：处理任务的进程在导入中退出，已自动续导2次仍未完成")
    assert AuditEvent.objects.filter(action=recovery.INTERRUPTED).count() == 1


def test_the_sweep_is_a_periodic_job():
    from gigbranch.core.schedule import PERIODIC_JOBS

    assert "gigbranch.members.tasks.resume_interrupted_imports" in {
        job.task_path for job in PERIODIC_JOBS
    }
