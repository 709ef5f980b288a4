"""Writes owned by core: calendar overrides and system notices (each audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import CalendarDay, CalendarYear, SystemNotice, WorkerHeartbeat


@transaction.atomic
def set_calendar_day(*, actor: Any, date: dt.date, is_working_day: bool, name: str = "") -> CalendarDay:
    day, created = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "name": name}
    )
    audit.record(
        actor=actor, action="calendar.day_set", obj=day,
        changes={"date": date.isoformat(), "is_working_day": is_working_day, "name": name},
    )
    return day


@transaction.atomic
def delete_calendar_day(*, actor: Any, day: CalendarDay) -> None:
    audit.record(actor=actor, action="calendar.day_deleted", obj=day,
                 changes={"date": day.date.isoformat()})
    day.delete()


@transaction.atomic
def mark_year_loaded(*, actor: Any, year: int, note: str) -> CalendarYear:
    if year < 2000 or year > 2100:
        raise ValidationError({"year": "年份不在有效范围内。"})
    entry, _ = CalendarYear.objects.get_or_create(year=year, defaults={"note": note})
    audit.record(actor=actor, action="calendar.year_loaded", obj=entry, changes={"note": note})
    return entry


def raise_notice(*, key: str, message: str, level: str = "warning") -> SystemNotice:
    """Idempotent: the same key raises one open notice however often it is called."""
    notice, created = SystemNotice.objects.get_or_create(
        key=key, defaults={"message": message, "level": level}
    )
    if not created and (notice.resolved_at or notice.message != message):
        notice.message = message
        notice.resolved_at = None
        notice.save(update_fields=["message", "resolved_at"])
    return notice


def resolve_notice(*, key: str) -> None:
    SystemNotice.objects.filter(key=key, resolved_at__isnull=True).update(resolved_at=timezone.now())


def beat(*, name: str = "default") -> WorkerHeartbeat:
    hb, _ = WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return hb
