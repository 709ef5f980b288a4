"""Points (积分): rules per jurisdiction and one idempotent posting service.

BURDEN-2: points are a personal record only; they are never turned into rankings of
people or organisations and never count in any assessment; app activity, online time and
study duration are refused as merit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.organizations.models import Region

from .. import policy
from ..models import PointEntry, PointEventKind, PointPeriod, PointRule, Worker


def rule_for(worker: Worker, event_kind: str) -> PointRule | None:
    """The active rule of the most specific region containing the worker's region."""
    path = worker.region.path
    candidates = [
        r
        for r in PointRule.objects.filter(event_kind=event_kind, active=True).select_related(
            "region"
        )
        if path.startswith(r.region.path)
    ]
    return max(candidates, key=lambda r: len(r.region.path), default=None)


def _check_rule_values(*, points: int, cap: int | None, period: str) -> None:
    errors: dict[str, str] = {}
    if period not in PointPeriod.values:
        errors["period"] = "未知的周期。"
    if points < 0 or points > 100:
        errors["points"] = "积分应在0至100之间。"
    if cap is not None and cap < 0:
        errors["cap"] = "上限不能为负数。"
    if errors:
        raise ValidationError(errors)


def _check_rule_scope(actor: Any, region: Region) -> None:
    """A user sets rules only with the points.rules capability and only for a region in
    their own jurisdiction. `actor=None` is the system (demo seed, tests of posting)."""
    if actor is None:
        return
    scope = getattr(actor, "scope_region", None)
    if not has_capability(actor, "points.rules") or scope is None:
        raise PermissionDenied("您的角色无权设置积分规则。")
    if not region.path.startswith(scope.path):
        raise PermissionDenied("该区域不在您的管理范围内。")


@transaction.atomic
def set_point_rule(
    *,
    actor: Any,
    region: Region,
    event_kind: str,
    points: int,
    cap: int | None = None,
    period: str = PointPeriod.MONTH,
    active: bool = True,
) -> PointRule:
    """Create (or replace) the rule of a region for one event kind. BURDEN-2: kinds that
    measure app activity are refused."""
    _check_rule_scope(actor, region)
    if policy.is_activity_metric(event_kind):
        raise ValidationError({"event_kind": policy.ACTIVITY_METRIC_MESSAGE})
    if event_kind not in PointEventKind.values:
        raise ValidationError({"event_kind": "未知的积分事项。"})
    _check_rule_values(points=points, cap=cap, period=period)
    rule, _ = PointRule.objects.update_or_create(
        region=region,
        event_kind=event_kind,
        defaults={"points": points, "cap": cap, "period": period, "active": active},
    )
    audit.record(
        actor=actor,
        action="points.rule_set",
        obj=rule,
        changes={
            "region": region.pk,
            "event_kind": event_kind,
            "points": points,
            "cap": cap,
            "period": period,
            "active": active,
        },
    )
    return rule


@transaction.atomic
def update_point_rule(
    *,
    actor: Any,
    rule: PointRule,
    points: int,
    cap: int | None,
    period: str,
    active: bool,
) -> PointRule:
    """Edit a rule's points, cap, period and whether it is active (region and event kind
    stay fixed). The audit event keeps the values before and after."""
    rule = PointRule.objects.select_for_update().select_related("region").get(pk=rule.pk)
    _check_rule_scope(actor, rule.region)
    _check_rule_values(points=points, cap=cap, period=period)
    before = {"points": rule.points, "cap": rule.cap, "period": rule.period, "active": rule.active}
    after = {"points": points, "cap": cap, "period": period, "active": active}
    rule.points, rule.cap, rule.period, rule.active = points, cap, period, active
    rule.save()
    audit.record(
        actor=actor,
        action="points.rule_updated",
        obj=rule,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return rule


def post_points(
    *,
    actor: Any,
    person: Worker,
    event_kind: str,
    source_key: str,
    points: int | None = None,
    occurred_at: dt.datetime | None = None,
) -> PointEntry:
    """Post one event to a person's points ledger. Idempotent per `source_key` (e.g.
    "study:42:worker:7"): posting the same key again returns the first entry unchanged.

    Points come from the jurisdiction's rule (or `points` when given) and are capped per
    person, event kind and period by the rule's cap. Without a rule the event is kept with
    0 points. BURDEN-2: activity metrics (login, online time, study duration …) are refused.
    """
    if policy.is_activity_metric(event_kind):
        raise ValidationError({"event_kind": policy.ACTIVITY_METRIC_MESSAGE})
    if event_kind not in PointEventKind.values:
        raise ValidationError({"event_kind": f"未知的积分事项：{event_kind}。"})
    if not source_key or len(source_key) > 120:
        raise ValidationError({"source_key": "来源标识必填，且不超过120个字符。"})
    if points is not None and points < 0:
        raise ValidationError({"points": "积分不能为负数。"})
    existing = PointEntry.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    when = occurred_at or timezone.now()
    try:
        with transaction.atomic():
            # Lock the person's row so concurrent postings respect the cap.
            Worker.objects.select_for_update().filter(pk=person.pk).first()
            rule = rule_for(person, event_kind)
            requested = points if points is not None else (rule.points if rule else 0)
            awarded, note = requested, ""
            if rule is None and points is None:
                note = "本辖区未设置该事项的积分规则"
            elif rule is not None and rule.cap is not None:
                start, end = policy.period_bounds(rule.period, timezone.localdate(when))
                already = (
                    PointEntry.objects.filter(
                        worker=person,
                        event_kind=event_kind,
                        occurred_at__date__gte=start,
                        occurred_at__date__lt=end,
                    ).aggregate(s=Sum("points"))["s"]
                    or 0
                )
                awarded = policy.capped_points(requested=requested, already=already, cap=rule.cap)
                if awarded < requested:
                    note = f"已达{rule.get_period_display()}上限{rule.cap}分"
            entry = PointEntry.objects.create(
                worker=person,
                event_kind=event_kind,
                source_key=source_key,
                requested_points=requested,
                points=awarded,
                rule=rule,
                note=note,
                occurred_at=when,
            )
            audit.record(
                actor=actor,
                action="points.posted",
                obj=entry,
                changes={
                    "worker": person.pk,
                    "event_kind": event_kind,
                    "source_key": source_key,
                    "points": awarded,
                },
            )
            return entry
    except IntegrityError:
        return PointEntry.objects.get(source_key=source_key)


def balance(person: Worker) -> int:
    return PointEntry.objects.filter(worker=person).aggregate(s=Sum("points"))["s"] or 0
