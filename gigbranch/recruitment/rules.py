"""Rule-check findings for recruitment (REC-ORDER time rules), auto-discovered.

The talk with an applicant is due within one month of the application: a reminder
(预警) in the last `REMINDER_DAYS` days, a finding (问题) once overdue. The same checker
covers every other step with a latest date (approval within 3 months, local rules) and
the six-monthly assessment of activists. One finding per case: the most urgent problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from gigbranch.core.findings import Candidate, Severity, checker

from . import policy

REMINDER_DAYS = 7


def case_alerts(facts: policy.CaseFacts, rules: policy.LocalRules, *,
                today: dt.date) -> list[tuple[str, str, dt.date | None]]:
    """(severity, message, due) for one case, most urgent first. Pure."""
    alerts: list[tuple[str, str, dt.date | None]] = []
    for problem in policy.overdue_problems(facts, rules, today=today):
        alerts.append((Severity.VIOLATION, problem.message, None))
    if facts.closed:
        return alerts
    for step in policy.open_steps(facts):
        win = policy.window(step, facts, rules)
        latest = win.latest
        if step == policy.APPROVAL_STEP and facts.special_reason:
            latest = win.latest_special
        if latest is not None and today <= latest and (latest - today).days <= REMINDER_DAYS:
            alerts.append((
                Severity.WARNING,
                f"REC-ORDER：第{step}步“{policy.STEPS[step].title}”须在{latest.isoformat()}前完成，"
                f"还剩{(latest - today).days}天。",
                latest,
            ))
    return alerts


@checker("REC-ORDER", title="发展党员步骤逾期与提醒")
def overdue_steps() -> Iterator[Candidate]:
    from django.db.models import Prefetch

    from .models import Case, StepRecord, today
    from .services import effective_rules, facts_for

    day = today()
    cache: dict[int, policy.LocalRules] = {}
    cases = (
        Case.objects.open()
        .exclude(status="archived")
        .select_related("worker__region", "organization")
        .prefetch_related(Prefetch("steps", queryset=StepRecord.objects.only("case_id", "step", "date")))
    )
    for case in cases.iterator(chunk_size=500):
        region = case.worker.region
        if region.pk not in cache:
            cache[region.pk] = effective_rules(region)[0]
        alerts = case_alerts(facts_for(case, case.steps.all()), cache[region.pk], today=day)
        if not alerts:
            continue
        severity, message, _due = alerts[0]
        advice = (
            "请尽快完成并在系统中记录该步骤；确属特殊情况的，按规定报上级党委并注明原因。"
            if severity == Severity.VIOLATION else "请按期安排并记录该步骤。"
        )
        yield Candidate(
            rule_id="REC-ORDER", severity=severity, obj=case,
            summary=f"{case.worker.name}：{message}", advice=advice,
            facts={"case": case.pk, "next_step": case.next_step, "alerts": [a[1] for a in alerts]},
            region_id=region.pk, organization_id=case.organization_id,
        )
