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
            # Bulk upsert: one read of this checker's findings (plain rows, no model
            # instances), batched inserts and updates, then two set-based UPDATEs.
            compared = [
                "severity",
                "object_label",
                "summary",
                "advice",
                "facts",
                "region_id",
                "organization_id",
                "resolved_at",
            ]
            existing = {
                (row["rule_id"], row["object_type"], row["object_id"]): row
                for row in Finding.objects.filter(rule_id__in=checker.rule_ids).values(
                    "pk", "rule_id", "object_type", "object_id", *compared
                )
            }
            seen: set[tuple[str, str, str]] = set()
            to_create: list[Finding] = []
            changed: list[Finding] = []
            reopened: list[Finding] = []
            for cand in checker.func():
                key = (cand.rule_id, cand.obj._meta.label_lower, str(cand.obj.pk))
                if key in seen:
                    continue
                seen.add(key)
                values = {
                    "severity": cand.severity,
                    "object_label": str(cand.obj)[:200],
                    "summary": cand.summary[:300],
                    "advice": cand.advice[:300],
                    "facts": cand.facts,
                    "region_id": cand.region_id,
                    "organization_id": cand.organization_id,
                    "resolved_at": None,
                }
                row = existing.get(key)
                if row is None:
                    to_create.append(
                        Finding(
                            rule_id=key[0],
                            object_type=key[1],
                            object_id=key[2],
                            first_seen_at=now,
                            last_seen_at=now,
                            **values,
                        )
                    )
                    stats["opened"] += 1
                elif row["resolved_at"] is not None:
                    # A problem that came back is new again.
                    reopened.append(Finding(pk=row["pk"], first_seen_at=now, **values))
                    stats["opened"] += 1
                else:
                    stats["kept"] += 1
                    if any(row[name] != value for name, value in values.items()):
                        changed.append(Finding(pk=row["pk"], **values))
            Finding.objects.bulk_create(to_create, batch_size=500)
            if reopened:
                Finding.objects.bulk_update(reopened, [*compared, "first_seen_at"], batch_size=500)
            if changed:
                Finding.objects.bulk_update(changed, compared, batch_size=500)
            stale = [
                row["pk"]
                for key, row in existing.items()
                if row["resolved_at"] is None and key not in seen
            ]
            for start in range(0, len(stale), 500):
                Finding.objects.filter(pk__in=stale[start : start + 500]).update(resolved_at=now)
            stats["resolved"] += len(stale)
            # Everything still open for these rules was seen in this run.
            Finding.objects.filter(rule_id__in=checker.rule_ids, resolved_at__isnull=True).update(
                last_seen_at=now
            )
    return stats


def verify_audit_chain(*, today: dt.date | None = None) -> list[Any]:
    """Verify the audit chain of the last AUDIT_VERIFY_DAYS local days and store each
    day's result (AuditDayCheck, shown on the audit page; ADR 0046). A day that turns
    broken is written to the audit log and the error log once, not at every run."""
    import logging

    from django.conf import settings

    from . import auditchain
    from .models import AuditDayCheck

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=max(settings.AUDIT_VERIFY_DAYS, 1) - 1)
    results = {r.day: r for r in auditchain.verify_database(since, today)}
    # A day checked before with rows that now has none at all (rows and head removed).
    for check in AuditDayCheck.objects.filter(day__gte=since, day__lte=today, rows__gt=0):
        if check.day not in results:
            gone = auditchain.DayResult(check.day)
            gone.breaks.append(
                auditchain.Break(
                    check.day, None, None, f"当日记录全部缺失（此前验证时有{check.rows}条）"
                )
            )
            results[check.day] = gone
    now = timezone.now()
    out = []
    for day in sorted(results):
        result = results[day]
        first = result.breaks[0] if result.breaks else None
        with transaction.atomic():
            previous = AuditDayCheck.objects.select_for_update().filter(day=day).first()
            was_ok = previous is None or previous.ok
            check, _ = AuditDayCheck.objects.update_or_create(
                day=day,
                defaults={
                    "checked_at": now,
                    "ok": result.ok,
                    # a day whose rows are all gone keeps the count it had
                    "rows": result.rows or (previous.rows if previous else 0),
                    "event_id": first.event_id if first else None,
                    "problem": str(first.problem)[:300] if first else "",
                    "broken_since": None
                    if result.ok
                    else (previous.broken_since if previous and previous.broken_since else now),
                },
            )
            if first is not None and was_ok:
                logging.getLogger("gigbranch.audit").error("audit chain broken: %s", first)
                audit.record(
                    actor=None,
                    action="audit.chain_broken",
                    object_type="core.auditdaycheck",
                    object_id=str(check.pk),
                    changes={
                        "day": day.isoformat(),
                        "event_id": first.event_id,
                        "seq": first.seq,
                        "problem": first.problem,
                    },
                )
        out.append(check)
    return out
