"""Roster imports whose task worker died mid-run (ADR 0048, fault test a).

`run_import` commits a roster in batches, each batch whole (its workers, their change
history and the progress count in one transaction), and bumps `updated_at` with every
batch. A worker killed between batches leaves the import RUNNING with no further
progress; the task backend never runs that task again. This sweep finds such imports
(no progress for MEMBERS_IMPORT_STALE_SECONDS) and queues them again: the import is
idempotent, so the new run finds the committed batches unchanged and writes the rest.
After MAX_RESUMES automatic resumptions the import is reported failed instead, with the
batches already written kept whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gigbranch.core import audit, jobs
from gigbranch.core.models import AuditEvent

from ..models import ImportStatus, RosterImport

MAX_RESUMES = 2
RESUMED = "roster.resumed"
INTERRUPTED = "roster.interrupted"


def stale_seconds() -> int:
    return int(getattr(settings, "MEMBERS_IMPORT_STALE_SECONDS", 900))


def resume_interrupted_imports(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Queue again (or report failed) every import RUNNING without progress for longer
    than `stale_seconds()`. Idempotent: a resumed import is QUEUED, not RUNNING."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=stale_seconds())
    done = {"resumed": 0, "failed": 0}
    stuck = RosterImport.objects.filter(status=ImportStatus.RUNNING, updated_at__lt=cutoff)
    for pk in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            imp = (
                RosterImport.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=ImportStatus.RUNNING, updated_at__lt=cutoff)
                .first()
            )
            if imp is None:  # moved on meanwhile, or another sweep has it
                continue
            resumes = AuditEvent.objects.filter(
                action=RESUMED, object_type=imp._meta.label_lower, object_id=str(imp.pk)
            ).count()
            changes: dict[str, Any] = {"processed_rows": imp.processed_rows, "resumes": resumes}
            if resumes >= MAX_RESUMES:
                imp.status = ImportStatus.FAILED
                imp.message = (
                    f"导入中断：处理任务的进程在导入中退出，已自动续导{resumes}次仍未完成。"
                    "已写入的批次完整保留，请检查后重新导入。"
                )
                imp.save(update_fields=["status", "message", "updated_at"])
                audit.record(actor=None, action=INTERRUPTED, obj=imp, changes=changes)
                done["failed"] += 1
                continue
            imp.status = ImportStatus.QUEUED
            imp.message = "导入中断（处理任务的进程退出），已自动重新排队续导。"
            imp.save(update_fields=["status", "message", "updated_at"])
            audit.record(actor=None, action=RESUMED, obj=imp, changes=changes)
            jobs.enqueue_on_commit("gigbranch.members.tasks.run_roster_import", imp.pk)
            done["resumed"] += 1
    return done
