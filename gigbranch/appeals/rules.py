"""Appeal rules as pure functions (rules.md APL-1 … APL-5). No database access here.

- APL-1 accept (受理) within 2 working hours; emergencies within 30 minutes, any hour.
- APL-2 reply: emergency 2 hours (any hour), urgent 1 working day, general 5 working days,
  complex 15 working days; extendable once with a reason (by the same period again).
- APL-3 working time from the national calendar incl. make-up working days (WorkCalendar).
- APL-4 rates: response = accepted within SLA / received; resolution = rated resolved /
  rated; satisfaction = (满意 + 基本满意) / rated. Unrated 7 days after the reply → closed unrated.
- APL-5 one appeal per idempotency key (enforced by a unique constraint, see services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from gigbranch.core.workcalendar import WorkCalendar


class Priority:
    EMERGENCY = "emergency"
    URGENT = "urgent"
    GENERAL = "general"
    COMPLEX = "complex"

    CHOICES = [
        (EMERGENCY, "紧急"),
        (URGENT, "急办"),
        (GENERAL, "一般"),
        (COMPLEX, "复杂"),
    ]


class Status:
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    REPLIED = "replied"
    REOPENED = "reopened"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    CHOICES = [
        (SUBMITTED, "待受理"),
        (ACCEPTED, "办理中"),
        (RETURNED, "已退回待改派"),
        (REPLIED, "已答复待评价"),
        (REOPENED, "重新办理"),
        (CLOSED, "已办结"),
        (WITHDRAWN, "已撤回"),
    ]
    OPEN = frozenset({SUBMITTED, ACCEPTED, RETURNED, REOPENED})
    HANDLING = frozenset({ACCEPTED, REOPENED})


# Every allowed move: (from, action) → to. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.SUBMITTED, "accept"): Status.ACCEPTED,
    (Status.SUBMITTED, "return"): Status.RETURNED,
    (Status.SUBMITTED, "withdraw"): Status.WITHDRAWN,
    (Status.ACCEPTED, "return"): Status.RETURNED,
    (Status.ACCEPTED, "extend"): Status.ACCEPTED,
    (Status.ACCEPTED, "reply"): Status.REPLIED,
    (Status.RETURNED, "reroute"): Status.SUBMITTED,
    (Status.REPLIED, "rate_resolved"): Status.CLOSED,
    (Status.REPLIED, "rate_unresolved"): Status.REOPENED,
    (Status.REPLIED, "expire_unrated"): Status.CLOSED,
    (Status.REOPENED, "extend"): Status.REOPENED,
    (Status.REOPENED, "reply"): Status.REPLIED,
}
ACTIONS = sorted({action for _, action in TRANSITIONS})
STATUSES = [s for s, _ in Status.CHOICES]

ACTION_LABELS = {
    "submit": "提交诉求",
    "accept": "受理",
    "return": "退回",
    "withdraw": "撤回",
    "extend": "申请延期",
    "reply": "答复",
    "reroute": "改派",
    "rate_resolved": "评价（已解决）",
    "rate_unresolved": "评价（未解决，重新办理）",
    "expire_unrated": "超过7日未评价，自动办结",
    "warn": "时限预警",
    "escalate": "超时督办",
}


class TransitionRefused(Exception):
    """A move not in TRANSITIONS, or a once-only move used twice."""


def next_status(current: str, action: str) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        label = dict(Status.CHOICES).get(current, current)
        raise TransitionRefused(
            f"当前状态“{label}”不能执行“{ACTION_LABELS.get(action, action)}”。"
        ) from None


HANDLER_ACTIONS = ("accept", "reply", "extend", "return")  # what the 办理 card offers


def handler_actions(status: str, *, extension_used: bool, return_used: bool) -> list[str]:
    """The moves left to the handling department in `status` (TRANSITIONS; extending the
    reply time and returning are allowed once each, APL-2). Empty after the reply."""
    used = {"extend": extension_used, "return": return_used}
    return [a for a in HANDLER_ACTIONS if (status, a) in TRANSITIONS and not used.get(a, False)]


# --- SLA (APL-1, APL-2) -------------------------------------------------------------------

ACCEPT_WORKING_HOURS = 2
EMERGENCY_ACCEPT = dt.timedelta(minutes=30)
EMERGENCY_REPLY = dt.timedelta(hours=2)
REPLY_WORKING_DAYS = {Priority.URGENT: 1, Priority.GENERAL: 5, Priority.COMPLEX: 15}
UNRATED_AFTER = dt.timedelta(days=7)
WARN_FRACTION = 0.2  # warn when less than 20 % of the allowed time is left


def accept_due(cal: WorkCalendar, received: dt.datetime, priority: str) -> dt.datetime:
    """APL-1: 2 working hours; emergencies 30 minutes, any hour."""
    if priority == Priority.EMERGENCY:
        return cal.local(received) + EMERGENCY_ACCEPT
    return cal.add_working_hours(received, ACCEPT_WORKING_HOURS)


def reply_due(cal: WorkCalendar, start: dt.datetime, priority: str) -> dt.datetime:
    """APL-2: the reply deadline counted from `start` (receipt, re-routing or reopening).

    Working days count from the next working moment (WorkCalendar.add_working_days)."""
    if priority == Priority.EMERGENCY:
        return cal.local(start) + EMERGENCY_REPLY
    return cal.add_working_days(start, REPLY_WORKING_DAYS[priority])


def extended_due(cal: WorkCalendar, due: dt.datetime, priority: str) -> dt.datetime:
    """APL-2: one extension adds the same period again, counted from the current due time
    (which comes back from the database in UTC: the calendar works on local time)."""
    if priority == Priority.EMERGENCY:
        return cal.local(due) + EMERGENCY_REPLY
    return cal.add_working_days(due, REPLY_WORKING_DAYS[priority])


def sla_phase(now: dt.datetime, start: dt.datetime, due: dt.datetime) -> str:
    """'ok', 'warning' (under WARN_FRACTION of the time left) or 'breached' (now > due)."""
    if now > due:
        return "breached"
    total = (due - start).total_seconds()
    left = (due - now).total_seconds()
    if total <= 0 or left <= total * WARN_FRACTION:
        return "warning"
    return "ok"


def unrated_expired(now: dt.datetime, replied_at: dt.datetime | None) -> bool:
    """APL-4: no rating within 7 days of the reply counts as unrated."""
    return replied_at is not None and now - replied_at >= UNRATED_AFTER


# --- KPIs (APL-4) -------------------------------------------------------------------------

SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically"
DISSATISFIED = "dissatisfied"
SATISFACTION_CHOICES = [
    (SATISFIED, "满意"),
    (BASICALLY_SATISFIED, "基本满意"),
    (DISSATISFIED, "不满意"),
]


@dataclass(frozen=True)
class KpiRow:
    """The facts about one appeal that the KPI formulas need."""

    received_at: dt.datetime
    accept_due_at: dt.datetime
    accepted_at: dt.datetime | None
    reply_due_at: dt.datetime
    replied_at: dt.datetime | None
    status: str
    resolved: bool | None  # None = not rated
    satisfaction: str = ""


def responded_in_sla(row: KpiRow) -> bool:
    return row.accepted_at is not None and row.accepted_at <= row.accept_due_at


def is_rated(row: KpiRow) -> bool:
    return row.resolved is not None


def is_resolved(row: KpiRow) -> bool:
    return row.resolved is True


def is_satisfied(row: KpiRow) -> bool:
    return row.resolved is not None and row.satisfaction in (SATISFIED, BASICALLY_SATISFIED)


def is_overdue(row: KpiRow, now: dt.datetime) -> bool:
    """Replied late, or still waiting for a reply after the due time."""
    if row.status == Status.WITHDRAWN:
        return False
    if row.replied_at is not None:
        return row.replied_at > row.reply_due_at
    return now > row.reply_due_at


METRICS = {
    "received": lambda r, now: True,
    "responded": lambda r, now: responded_in_sla(r),
    "rated": lambda r, now: is_rated(r),
    "resolved": lambda r, now: is_resolved(r),
    "satisfied": lambda r, now: is_satisfied(r),
    "overdue": is_overdue,
}
METRIC_LABELS = {
    "received": "受理总量",
    "responded": "按时响应",
    "rated": "已评价",
    "resolved": "已解决",
    "satisfied": "满意（含基本满意）",
    "overdue": "超期",
}


def rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, 4)


@dataclass(frozen=True)
class Kpi:
    received: int
    responded: int
    rated: int
    resolved: int
    satisfied: int
    overdue: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    avg_handling_hours: float | None


@dataclass(frozen=True)
class KpiCounts:
    """What the APL-4 rates are computed from; counts add up across groups and months.
    `replied` and `handling_hours` (summed over the replied appeals) give the average."""

    received: int = 0
    responded: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0
    overdue: int = 0
    replied: int = 0
    handling_hours: float = 0.0

    def __add__(self, other: KpiCounts) -> KpiCounts:
        return KpiCounts(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))


def count_kpi(rows: Iterable[KpiRow], now: dt.datetime) -> KpiCounts:
    rows = list(rows)
    counts = {name: sum(1 for r in rows if pred(r, now)) for name, pred in METRICS.items()}
    durations = [
        (r.replied_at - r.received_at).total_seconds() / 3600 for r in rows if r.replied_at
    ]
    return KpiCounts(**counts, replied=len(durations), handling_hours=sum(durations))


def kpi_from_counts(c: KpiCounts) -> Kpi:
    """APL-4: response rate over all received, resolution and satisfaction over the rated."""
    return Kpi(
        received=c.received,
        responded=c.responded,
        rated=c.rated,
        resolved=c.resolved,
        satisfied=c.satisfied,
        overdue=c.overdue,
        response_rate=rate(c.responded, c.received),
        resolution_rate=rate(c.resolved, c.rated),
        satisfaction_rate=rate(c.satisfied, c.rated),
        avg_handling_hours=round(c.handling_hours / c.replied, 1) if c.replied else None,
    )


def compute_kpi(rows: Iterable[KpiRow], now: dt.datetime) -> Kpi:
    """APL-4 formulas over a set of appeals (all received in the period)."""
    return kpi_from_counts(count_kpi(rows, now))


# --- Routing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteRule:
    category: str
    region_path: str  # "" = any region
    department_id: int


def route(rules: Iterable[RouteRule], *, category: str, region_path: str) -> int | None:
    """Category × region → department; the most specific region wins (longest path).

    None means "jurisdiction unclear": the township takes it (first contact is responsible).
    """
    best: RouteRule | None = None
    for r in rules:
        if r.category != category or not region_path.startswith(r.region_path):
            continue
        if best is None or len(r.region_path) > len(best.region_path):
            best = r
    return best.department_id if best else None
