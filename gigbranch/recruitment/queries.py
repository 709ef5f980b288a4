"""Reads for recruitment: the per-person timeline and the per-scope overview."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from . import policy
from .models import (
    Attachment,
    Case,
    CaseStatus,
    SpecialApproval,
    StepDelay,
    StepRecord,
    YearTarget,
    today,
)
from .rules import case_alerts, scan
from .services import effective_rules, facts_for

FUNNEL_STEPS = [
    (1, "入党申请人"),
    (3, "入党积极分子"),
    (7, "发展对象"),
    (17, "预备党员"),
    (24, "正式党员"),
]


@dataclass
class StepRow:
    number: int
    title: str
    actor: str
    time_rule: str
    state: str  # done / next / waiting
    record: StepRecord | None = None
    attachments: list[Attachment] = field(default_factory=list)
    window: policy.Window | None = None
    summary: str = ""
    delay: StepDelay | None = None  # recorded after its latest date (REC-ORDER)
    special: SpecialApproval | None = None  # step 17 with the higher organisation's consent


@dataclass
class StageRow:
    number: int
    title: str
    steps: list[StepRow]

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.state == "done")

    @property
    def state(self) -> str:
        if self.done_count == len(self.steps):
            return "done"
        return "current" if any(s.state in ("done", "next") for s in self.steps) else "waiting"


def _summary(record: StepRecord, people: dict[int, str]) -> str:
    d = record.data or {}
    parts = []
    if "contacts" in d:
        parts.append("培养联系人：" + "、".join(people.get(i, str(i)) for i in d["contacts"]))
    if "sponsors" in d:
        parts.append("入党介绍人：" + "、".join(people.get(i, str(i)) for i in d["sponsors"]))
    if "conclusion" in d:
        parts.append("政治审查结论：" + ("合格" if d["conclusion"] == "pass" else "不合格"))
    if "days" in d:
        parts.append(f"集中培训：{d['days']:g}天、{d['hours']:g}学时")
    if "notice_start" in d:
        parts.append(
            f"公示：{d['notice_start']}至{d['notice_end']}（{d['notice_working_days']}个工作日）"
        )
    if "special_reason" in d:
        parts.append("特殊情况：" + d["special_reason"])
    if "probation" in d and d["probation"][1]:
        parts.append(f"预备期：{d['probation'][0]}至{d['probation'][1]}")
    return "；".join(parts)


def timeline(case: Case, *, day: dt.date | None = None) -> dict[str, Any]:
    day = day or today()
    records = {r.step: r for r in case.steps.select_related("recorded_by")}
    facts = facts_for(case, records.values())
    rules, ruleset = effective_rules(case.worker.region)
    open_ = set(policy.open_steps(facts)) if not case.is_closed else set()
    atts: dict[int | None, list[Attachment]] = {}
    for a in case.attachments.all():
        atts.setdefault(a.step, []).append(a)
    delays = {
        d.step: d
        for d in StepDelay.objects.filter(case=case).select_related("record", "reviewed_by")
    }
    specials = {
        a.record.step: a
        for a in SpecialApproval.objects.filter(record__case=case).select_related("record")
    }
    people = {
        p.member_id: p.member.worker.name for p in case.people.select_related("member__worker")
    }
    stages = []
    for number, title in policy.STAGES.items():
        rows = []
        for step in (s for s in policy.STEPS.values() if s.stage == number):
            rec = records.get(step.number)
            state = "done" if rec else "next" if step.number in open_ else "waiting"
            rows.append(
                StepRow(
                    number=step.number,
                    title=step.title,
                    actor=step.actor,
                    time_rule=step.time_rule,
                    state=state,
                    record=rec,
                    attachments=atts.get(step.number, []),
                    window=policy.window(step.number, facts, rules) if state == "next" else None,
                    summary=_summary(rec, people) if rec else "",
                    delay=delays.get(step.number) if rec else None,
                    special=specials.get(step.number) if rec else None,
                )
            )
        stages.append(StageRow(number=number, title=title, steps=rows))
    alerts = case_alerts(facts, rules, today=day)
    return {
        "stages": stages,
        "open_steps": sorted(open_),
        "alerts": alerts,
        "rules": rules,
        "ruleset": ruleset,
        "general_attachments": atts.get(None, []),
        "votes": list(case.votes.all()),
        "decisions": list(case.probation_decisions.all()),
        "assessments": list(case.assessments.all()),
        "events": list(case.events.all()),
        "delays": list(delays.values()),
    }


def _scope_target(user: Any, year: int) -> int | None:
    region = user.scope_region or (
        user.scope_organization.region if user.scope_organization_id else None
    )
    if region is None:
        return None
    exact = YearTarget.objects.filter(region=region, year=year).first()
    if exact:
        return exact.target
    total = YearTarget.objects.filter(region__path__startswith=region.path, year=year).aggregate(
        t=Sum("target")
    )["t"]
    return total


def overview(user: Any, *, day: dt.date | None = None) -> dict[str, Any]:
    day = day or today()
    visible = Case.objects.visible_to(user)
    active = visible.filter(status__in=[CaseStatus.IN_PROGRESS, CaseStatus.PROBATIONARY])
    per_stage = dict(
        active.order_by().values_list("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    per_step: dict[int, int] = {
        int(step): n
        for step, n in active.exclude(next_step=None)
        .order_by()
        .values_list("next_step")
        .annotate(n=Count("id"))
        .values_list("next_step", "n")
        if step is not None
    }
    funnel_counts = dict(
        StepRecord.objects.filter(case__in=visible, step__in=[s for s, _ in FUNNEL_STEPS])
        .order_by()
        .values_list("step")
        .annotate(n=Count("id"))
        .values_list("step", "n")
    )
    new_this_year = visible.filter(approval_date__year=day.year).count()
    overdue: list[dict[str, Any]] = []
    reminders: list[dict[str, Any]] = []
    for row, alerts in scan(active, today=day):
        for severity, message, due in alerts:
            item = {
                "pk": row["pk"],
                "name": row["worker__name"],
                "org": row["organization__name"],
                "message": message,
                "due": due,
            }
            (overdue if severity == "violation" else reminders).append(item)
    target = _scope_target(user, day.year)
    return {
        "per_stage": [(n, policy.STAGE_SHORT[n], per_stage.get(n, 0)) for n in policy.STAGES],
        "per_step": [(s, policy.STEPS[s].title, per_step[s]) for s in sorted(per_step)],
        "funnel": [
            {"name": label, "value": funnel_counts.get(step, 0)} for step, label in FUNNEL_STEPS
        ],
        "new_this_year": new_this_year,
        "target": target,
        "year": day.year,
        "target_rate": round(new_this_year * 100 / target) if target else None,
        "target_bar": min(100, round(new_this_year * 10 / target) * 10) if target else 0,
        "overdue": overdue,
        "reminders": reminders,
        "total": visible.count(),
        "closed": visible.filter(status__in=[CaseStatus.CANCELLED, CaseStatus.STOPPED]).count(),
        "full": visible.filter(Q(status=CaseStatus.FULL) | Q(status=CaseStatus.ARCHIVED)).count(),
    }
