"""Periodic jobs: what runs how often. The `scheduler` command enqueues them.

Each (job, slot) is enqueued once, guarded by a unique row in PeriodicRun, so two
schedulers or a restart never double-enqueue. Apps add their sweeps to PERIODIC_JOBS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicRun


@dataclass(frozen=True)
class PeriodicJob:
    task_path: str
    every_seconds: int
    # A daily job instead: the setting naming its local time "HH:MM" (empty = off). It is
    # enqueued once per local day, at or after that time (so a late start still runs it).
    daily_at_setting: str = ""


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("gigbranch.core.tasks.heartbeat", 60),
    PeriodicJob("gigbranch.core.tasks.calendar_sweep", 3600),
    PeriodicJob("gigbranch.core.tasks.findings_sweep", 3600),
    PeriodicJob("gigbranch.core.tasks.stash_sweep", 900),
    PeriodicJob("gigbranch.appeals.tasks.sla_sweep", 300),
    PeriodicJob("gigbranch.stations.tasks.booking_reminders", 900),
    PeriodicJob("gigbranch.core.tasks.daily_backup", 86400, daily_at_setting="BACKUP_DAILY_AT"),
    PeriodicJob("gigbranch.core.tasks.audit_verify_sweep", 3600),  # ADR 0046
    # ADR 0048: roster imports whose worker died mid-run are queued again.
    PeriodicJob("gigbranch.members.tasks.resume_interrupted_imports", 300),
    # cockpit: the quarterly work report on the first working day after the quarter
    PeriodicJob("gigbranch.cockpit.tasks.quarterly_report_sweep", 3600),
]


def slot_for(now: dt.datetime, every_seconds: int) -> str:
    return str(int(now.timestamp()) // every_seconds)


def parse_daily_at(at: str) -> dt.time:
    """ "HH:MM" local time; a ValueError for anything else (checked at start-up)."""
    hour, sep, minute = at.strip().partition(":")
    if not (sep and hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ValueError(at)
    return dt.time(int(hour), int(minute))


def daily_slot(now: dt.datetime, at: str) -> str | None:
    """The local date once the local time `at` ("HH:MM") has passed today, else None."""
    if not at.strip():
        return None
    local = timezone.localtime(now)
    if local.time() < parse_daily_at(at):
        return None
    return local.date().isoformat()


def enqueue_due(now: dt.datetime) -> list[str]:
    enqueued = []
    for job in PERIODIC_JOBS:
        if job.daily_at_setting:
            daily = daily_slot(now, getattr(settings, job.daily_at_setting))
            if daily is None:
                continue
            slot = daily
        else:
            slot = slot_for(now, job.every_seconds)
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=job.task_path, slot=slot)
                task = import_string(job.task_path)
                transaction.on_commit(task.enqueue)
        except IntegrityError:
            continue
        enqueued.append(job.task_path)
    return enqueued
