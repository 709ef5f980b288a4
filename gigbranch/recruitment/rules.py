"""Rule-check findings for recruitment (REC-ORDER time rules), auto-discovered.

The talk with an applicant is due within one month of the application: a reminder
(预警) in the last `REMINDER_DAYS` days, a finding (问题) once overdue. The same checker
covers every other step with a latest date (approval within 3 months, local rules) and
the six-monthly assessment of activists. One finding per case: the most urgent problem.

A step recorded after its latest date (`StepDelay`, docs/adr/0028) is a finding of its own
about that record, citing the rule's Chinese name and source, until the higher committee
reviews it (`delays.review_delay`); then it closes and stays in the resolved list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from gigbranch.core.findings import Candidate, Severity, checker

from . import policy
from .policy import deadlines

REMINDER_DAYS = 7


def case_alerts(
    facts: policy.CaseFacts, rules: policy.LocalRules, *, today: dt.date
) -> list[tuple[str, str, dt.date | None]]:
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
            alerts.append(
                (
                    Severity.WARNING,
                    f"REC-ORDER：第{step}步“{policy.STEPS[step].title}”须在{latest.isoformat()}前完成，"
                    f"还剩{(latest - today).days}天。",
                    latest,
                )
            )
    return alerts


SCAN_FIELDS = (
    "pk",
    "worker__name",
    "worker__birth_date",
    "worker__region_id",
    "organization_id",
    "organization__name",
    "status",
    "review_conclusion",
    "training_days",
    "training_hours",
    "probation_end",
    "special_reason",
    "last_assessment",
)
SCAN_BATCH = 2000


def scan(qs: Any, *, today: dt.date) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """(row, alerts) for every case in `qs`, reading plain values (no model instances):
    one query for the cases, one per batch for their step dates, one for the regions."""
    from gigbranch.organizations.models import Region

    from .models import CLOSED_STATUSES, StepRecord
    from .rulesets import effective_rules

    rows = list(qs.order_by("pk").values(*SCAN_FIELDS))
    regions = Region.objects.in_bulk({r["worker__region_id"] for r in rows})
    rules_by_region = {rid: effective_rules(region)[0] for rid, region in regions.items()}
    closed = {str(s) for s in CLOSED_STATUSES}
    for start in range(0, len(rows), SCAN_BATCH):
        batch = rows[start : start + SCAN_BATCH]
        done: dict[int, dict[int, dt.date]] = {r["pk"]: {} for r in batch}
        for case_id, step, day in StepRecord.objects.filter(case_id__in=list(done)).values_list(
            "case_id", "step", "date"
        ):
            done[case_id][step] = day
        for r in batch:
            facts = policy.CaseFacts(
                birth_date=r["worker__birth_date"],
                done=done[r["pk"]],
                review_conclusion=r["review_conclusion"],
                training_days=float(r["training_days"]),
                training_hours=float(r["training_hours"]),
                probation_end=r["probation_end"],
                special_reason=r["special_reason"],
                closed=r["status"] in closed,
                last_assessment=r["last_assessment"],
            )
            yield r, case_alerts(facts, rules_by_region[r["worker__region_id"]], today=today)


LATE_ADVICE = (
    "请上级党委审查延误原因，督促党支部今后按时限办理；审查后在该发展党员档案中"
    "点击“审查逾期步骤”，本条即消除并留档备查。"
)


def delay_candidate(delay: Any) -> Candidate:
    """The finding for one unreviewed late step: names the person, the branch, the rule."""
    case = delay.case
    late = deadlines.Lateness(
        step=delay.step,
        date=delay.record.date,
        deadline=delay.deadline,
        rule=deadlines.RuleSource(delay.rule_id, delay.rule_name, delay.rule_source),
    )
    return Candidate(
        rule_id=delay.rule_id,
        severity=Severity.VIOLATION,
        obj=delay,
        summary=(
            f"{case.worker.name}（{case.organization.name}）："
            + deadlines.delay_summary(late, delay.reason)
        ),
        advice=LATE_ADVICE,
        facts={
            "case": case.pk,
            "step": delay.step,
            "deadline": delay.deadline.isoformat(),
            "date": delay.record.date.isoformat(),
            "rule_name": delay.rule_name,
            "rule_source": delay.rule_source,
        },
        region_id=case.worker.region_id,
        organization_id=case.organization_id,
    )


def overdue_rule_facts() -> dict[str, str]:
    return {"rule_name": "发展党员各步骤的时限", "rule_source": deadlines.XIZE}


@checker("REC-ORDER", title="发展党员步骤逾期与提醒")
def overdue_steps() -> Iterator[Candidate]:
    from .models import Case, StepDelay, today

    late = StepDelay.objects.unreviewed().select_related(
        "record", "case__worker", "case__organization"
    )
    for delay in late.order_by("pk"):
        yield delay_candidate(delay)

    day = today()
    found = [
        (row, alerts)
        for row, alerts in scan(Case.objects.open().exclude(status="archived"), today=day)
        if alerts
    ]
    cases = Case.objects.in_bulk([row["pk"] for row, _ in found])
    for row, alerts in found:
        severity, message, _due = alerts[0]
        advice = (
            "请尽快完成并在系统中记录该步骤；确属特殊情况的，按规定报上级党委并注明原因。"
            if severity == Severity.VIOLATION
            else "请按期安排并记录该步骤。"
        )
        yield Candidate(
            rule_id="REC-ORDER",
            severity=severity,
            obj=cases[row["pk"]],
            summary=f"{row['worker__name']}：{message}",
            advice=advice,
            facts={"case": row["pk"], "alerts": [a[1] for a in alerts], **overdue_rule_facts()},
            region_id=row["worker__region_id"],
            organization_id=row["organization_id"],
        )
