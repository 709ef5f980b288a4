"""Periodic jobs: what runs how often. The `scheduler` command enqueues them.

Each (job, slot) is enqueued once, guarded by a unique row in PeriodicRun, so two
schedulers or a restart never double-enqueue. Apps add their sweeps to PERIODIC_JOBS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from .models import PeriodicRun


@dataclass(frozen=True)
class PeriodicJob:
    task_path: str
    every_seconds: int


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("gigbranch.core.tasks.heartbeat", 60),
    PeriodicJob("gigbranch.core.tasks.calendar_sweep", 3600),
    PeriodicJob("gigbranch.core.tasks.findings_sweep", 3600),
    PeriodicJob("gigbranch.core.tasks.stash_sweep", 900),
    PeriodicJob("gigbranch.appeals.tasks.sla_sweep", 300),
    PeriodicJob("gigbranch.stations.tasks.booking_reminders", 900),
]


def slot_for(now: dt.datetime, every_seconds: int) -> str:
    return str(int(now.timestamp()) // every_seconds)


def enqueue_due(now: dt.datetime) -> list[str]:
    enqueued = []
    for job in PERIODIC_JOBS:
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
