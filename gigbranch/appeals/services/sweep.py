"""The SLA sweep (APL-1, APL-2, APL-4): warn, escalate, close unrated replies. Run by the
scheduler as the system (core.actors.SCHEDULER); idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from gigbranch.core import actors, audit

from .. import rules
from ..models import Appeal, Escalation
from ..rules import Status
from .common import add_event, locked, transition


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn before a breach, escalate after it, close unrated replies after 7 days.

    Each (appeal, clock, phase, cycle) is recorded once, so a second run changes nothing.
    """
    now = now or timezone.now()
    stats = {"warnings": 0, "escalations": 0, "closed_unrated": 0}
    candidates = Appeal.objects.filter(
        status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.REOPENED]
    ).only(
        "id",
        "status",
        "received_at",
        "accept_due_at",
        "clock_started_at",
        "reply_due_at",
        "reopen_count",
        "accepted_at",
    )
    for appeal in candidates.iterator(chunk_size=500):
        clocks: list[tuple[str, dt.datetime, dt.datetime]] = []
        if appeal.status == Status.SUBMITTED:
            clocks.append(("accept", appeal.received_at, appeal.accept_due_at))
        clocks.append(("reply", appeal.clock_started_at, appeal.reply_due_at))
        for clock, start, due in clocks:
            phase = rules.sla_phase(now, start, due)
            if phase == "ok":
                continue
            if _raise_escalation(appeal=appeal, clock=clock, phase=phase, due=due, now=now):
                stats["warnings" if phase == "warning" else "escalations"] += 1
    for appeal in Appeal.objects.filter(
        status=Status.REPLIED, replied_at__lte=now - rules.UNRATED_AFTER
    ):
        with transaction.atomic():
            current = locked(appeal)
            if current.status != Status.REPLIED or not rules.unrated_expired(
                now, current.replied_at
            ):
                continue
            transition(
                appeal=current,
                action="expire_unrated",
                actor=actors.SCHEDULER,
                now=now,
                fields={"closed_at": now, "unrated": True},
                public_text="超过7日未评价，诉求已自动办结（计为未评价）。",
            )
            stats["closed_unrated"] += 1
    return stats


def _raise_escalation(
    *, appeal: Appeal, clock: str, phase: str, due: dt.datetime, now: dt.datetime
) -> bool:
    try:
        with transaction.atomic():
            Escalation.objects.create(
                appeal=appeal, clock=clock, phase=phase, cycle=appeal.reopen_count, due_at=due
            )
            label = "受理" if clock == "accept" else "答复"
            local_due = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
            if phase == "warning":
                note = f"{label}时限将至（{local_due}），请抓紧办理（APL-1/APL-2）。"
            else:
                note = (
                    f"已超过{label}时限（{local_due}），已督办至部门负责人和县级（APL-1/APL-2）。"
                )
            add_event(
                appeal=appeal,
                action="warn" if phase == "warning" else "escalate",
                actor=actors.SCHEDULER,
                from_status=appeal.status,
                to_status=appeal.status,
                note=note,
                now=now,
                data={"clock": clock, "phase": phase},
            )
            audit.record(
                actor=actors.SCHEDULER,
                action=f"appeal.{phase}",
                obj=appeal,
                changes={"clock": clock, "due": due.isoformat()},
            )
    except IntegrityError:
        return False
    return True
