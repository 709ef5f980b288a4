"""Late steps: record the real date, the reason for the delay and a finding (REC-ORDER).

A step done after its latest date is a fact. Refusing it would leave the branch only one
way to record it — a false, earlier date — so a late step is recorded with its real date
and a reason for the delay, and the delay becomes a finding for the higher committee to
review (docs/adr/0028-late-steps-recorded-with-reason.md). Steps that come too early are
still refused (`policy.check_step`): a minimum period that has not passed cannot be made
good afterwards.

Step 17 has two limits (细则: approval within 3 months of the branch vote, in special
cases up to 6): between them the approval is lawful when the higher organisation agreed
to the longer time, so it records that consent (who, which organisation, when, document
number) and the special reason, and raises no finding; after 6 months it is a late step
like any other.

Pure functions of the recorded dates; no database access.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import policy

XIZE = "《中国共产党发展党员工作细则》"


@dataclass(frozen=True)
class RuleSource:
    """What users see of a time rule: its Chinese name and where it comes from."""

    rule_id: str  # a small reference for staff and the audit trail
    name: str
    source: str

    def cite(self) -> str:
        return f"{self.source}：{self.name}"


def deadline_rule(
    step: int, rules: policy.LocalRules, *, local_source: str = "本地规则"
) -> RuleSource | None:
    """The time rule that sets the latest date of `step`, or None when it has none."""
    if step == 2:
        return RuleSource(
            "REC-ORDER",
            f"收到入党申请书后{rules.talk_within_months}个月内派人谈话",
            XIZE + "第七条",
        )
    if step == 13:
        return RuleSource(
            "REC-ORDER",
            f"支部委员会审查后{rules.prereview_within_months}个月内报上级党委预审",
            local_source,
        )
    if step == 15:
        return RuleSource(
            "REC-ORDER",
            f"上级党委预审后{rules.vote_within_months_of_prereview}个月内提交支部大会讨论",
            local_source,
        )
    if step == policy.APPROVAL_STEP:
        return RuleSource(
            "REC-ORDER",
            f"支部大会通过后{rules.approval_within_months}个月内审批，特殊情况经上级党组织同意"
            f"不超过{policy.NATIONAL_APPROVAL_SPECIAL_MONTHS}个月",
            XIZE + "第四章“预备党员的接收”",
        )
    if step == 20:
        return RuleSource(
            "REC-ORDER", f"批准为预备党员后{rules.oath_within_months}个月内入党宣誓", local_source
        )
    if step == policy.FULL_APPROVAL_STEP:
        return RuleSource(
            "REC-ORDER",
            f"支部大会讨论转正后{rules.full_approval_within_months}个月内审批",
            XIZE + "第五章“预备党员的教育、考察和转正”",
        )
    return None


@dataclass(frozen=True)
class Lateness:
    step: int
    date: dt.date
    deadline: dt.date  # the last day the rule allowed
    rule: RuleSource
    special: bool = False  # step 17 within the special 6 months: consent, not a delay

    @property
    def days_late(self) -> int:
        return (self.date - self.deadline).days


def lateness(
    step: int,
    day: dt.date,
    facts: policy.CaseFacts,
    rules: policy.LocalRules,
    *,
    local_source: str = "本地规则",
) -> Lateness | None:
    """Whether recording `step` on `day` is past its latest date, and which limit.

    Step 12's latest date is the political review's validity (local rule): after it the
    review must be repeated, so that stays a refusal in `check_step`, not a late step.
    """
    rule = deadline_rule(step, rules, local_source=local_source)
    if rule is None or any(r not in facts.done for r in policy.STEPS[step].requires):
        return None
    win = policy.window(step, facts, rules)
    if win.latest is None or day <= win.latest:
        return None
    if step == policy.APPROVAL_STEP and win.latest_special is not None:
        if day <= win.latest_special:
            return Lateness(step, day, win.latest, rule, special=True)
        return Lateness(step, day, win.latest_special, rule)
    return Lateness(step, day, win.latest, rule)


@dataclass(frozen=True)
class Consent:
    """The higher organisation's consent to approve step 17 after 3 months (细则)."""

    approver: str = ""  # who agreed (name and post)
    organization: str = ""  # which organisation
    date: dt.date | None = None
    document: str = ""  # document number, e.g. X组字〔2026〕12号


def delay_problems(
    given: policy.StepInput,
    late: Lateness | None,
    facts: policy.CaseFacts,
) -> list[policy.Problem]:
    """What a late (or specially approved) step must bring with it to be recorded."""
    if late is None:
        return []
    label = f"第{late.step}步“{policy.STEPS[late.step].title}”"
    when = f"最迟{policy.fmt(late.deadline)}，所填日期{policy.fmt(late.date)}"
    if late.special:
        return _consent_problems(given, late, facts, label, when)
    if given.delay_reason.strip():
        return []
    return [
        policy.Problem(
            late.rule.rule_id,
            f"该步骤已超过规定时限（{late.rule.cite()}；{label}{when}），请填写延误原因。",
            "delay_reason",
        )
    ]


def _consent_problems(
    given: policy.StepInput,
    late: Lateness,
    facts: policy.CaseFacts,
    label: str,
    when: str,
) -> list[policy.Problem]:
    out: list[policy.Problem] = []
    consent = given.consent or Consent()
    intro = (
        f"{label}超过支部大会通过后的审批期限（{late.rule.source}；{when}），"
        "属特殊情况延长审批时间，"
    )
    if not given.special_reason.strip():
        out.append(policy.Problem("REC-ORDER", intro + "请填写特殊情况原因。", "special_reason"))
    for field, what in (
        ("approver", "同意延长审批时间的上级党组织负责人"),
        ("organization", "同意延长审批时间的上级党组织"),
        ("document", "同意文件的文号"),
    ):
        if not getattr(consent, field).strip():
            out.append(policy.Problem("REC-ORDER", intro + f"请填写{what}。", f"consent_{field}"))
    vote = facts.done.get(15)
    if consent.date is None:
        out.append(
            policy.Problem("REC-ORDER", intro + "请填写上级党组织同意的日期。", "consent_date")
        )
    elif consent.date > late.date or (vote is not None and consent.date < vote):
        out.append(
            policy.Problem(
                "REC-ORDER",
                f"上级党组织同意延长审批时间的日期{policy.fmt(consent.date)}应在支部大会通过"
                f"（{policy.fmt(vote)}）之后、审批（{policy.fmt(late.date)}）之前。",
                "consent_date",
            )
        )
    return out


def delay_summary(late: Lateness, reason: str) -> str:
    """The finding's text: what happened, against which rule, with the stated reason."""
    return (
        f"第{late.step}步“{policy.STEPS[late.step].title}”于{policy.fmt(late.date)}完成，"
        f"超过规定时限{late.days_late}天（最迟{policy.fmt(late.deadline)}；依据{late.rule.cite()}）。"
        f"延误原因：{reason}"
    )
