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
def set_calendar_day(
    *, actor: Any, date: dt.date, is_working_day: bool, name: str = ""
) -> CalendarDay:
    day, _ = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "name": name}
    )
    audit.record(
        actor=actor,
        action="calendar.day_set",
        obj=day,
        changes={"date": date.isoformat(), "is_working_day": is_working_day, "name": name},
    )
    return day


@transaction.atomic
def delete_calendar_day(*, actor: Any, day: CalendarDay) -> None:
    audit.record(
        actor=actor, action="calendar.day_deleted", obj=day, changes={"date": day.date.isoformat()}
    )
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
    SystemNotice.objects.filter(key=key, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )


def beat(*, name: str = "default") -> WorkerHeartbeat:
    hb, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now()}
    )
    return hb


def recompute_findings(*, rule_ids: list[str] | None = None) -> dict[str, int]:
    """Run the registered checkers; upsert findings, close those no longer found. Idempotent."""
    from .findings import load_checkers
    from .models import Finding

    now = timezone.now()
    stats = {"opened": 0, "kept": 0, "resolved": 0}
    for checker in load_checkers().values():
        if rule_ids and not set(checker.rule_ids) & set(rule_ids):
            continue
        with transaction.atomic():
            seen: set[tuple[str, str, str]] = set()
            for cand in checker.func():
                key = (cand.rule_id, cand.obj._meta.label_lower, str(cand.obj.pk))
                seen.add(key)
                values = {
                    "severity": cand.severity,
                    "object_label": str(cand.obj)[:200],
                    "summary": cand.summary[:300],
                    "advice": cand.advice[:300],
                    "facts": cand.facts,
                    "region_id": cand.region_id,
                    "organization_id": cand.organization_id,
                    "last_seen_at": now,
                    "resolved_at": None,
                }
                finding = Finding.objects.filter(
                    rule_id=key[0], object_type=key[1], object_id=key[2]
                ).first()
                if finding is None:
                    Finding.objects.create(
                        rule_id=key[0],
                        object_type=key[1],
                        object_id=key[2],
                        first_seen_at=now,
                        **values,
                    )
                    stats["opened"] += 1
                else:
                    if finding.resolved_at is not None:
                        values["first_seen_at"] = now  # a problem that came back is new again
                        stats["opened"] += 1
                    else:
                        stats["kept"] += 1
                    for name, value in values.items():
                        setattr(finding, name, value)
                    finding.save()
            stale = Finding.objects.open().filter(rule_id__in=checker.rule_ids)
            for finding in stale:
                if (finding.rule_id, finding.object_type, finding.object_id) not in seen:
                    finding.resolved_at = now
                    finding.save(update_fields=["resolved_at"])
                    stats["resolved"] += 1
    return stats
