"""Late steps (deadlines.py): pure evaluation at every boundary, in local calendar dates.

A step on its last day is on time; one day later it is late and needs a reason (step 17
between 3 and 6 months: the higher organisation's consent). No database.
"""

import datetime as dt

import pytest

from gigbranch.recruitment import policy
from gigbranch.recruitment.policy import CaseFacts, LocalRules, StepInput, check_step
from gigbranch.recruitment.policy.deadlines import (
    Consent,
    deadline_rule,
    delay_summary,
    lateness,
)

D = dt.date
RULES = LocalRules()
TODAY = D(2027, 12, 31)


def facts(done):
    return CaseFacts(birth_date=D(1995, 5, 17), done=dict(done))


def done_until(last, **dates):
    """Steps 1..last on one early date, with the given steps moved (e.g. s15=...)."""
    done = {n: D(2024, 1, 10) for n in range(1, last + 1)}
    for key, value in dates.items():
        done[int(key[1:])] = value
    return done


# step 2: within 1 month of 2026-01-15 → last day 2026-02-15
TALK = [
    (D(2026, 2, 15), None),  # exactly 1 month
    (D(2026, 2, 16), D(2026, 2, 15)),  # 1 month + 1 day
]
# step 17: vote 2026-01-15 → 3 months 2026-04-15, 6 months 2026-07-15
APPROVAL = [
    (D(2026, 4, 15), None, False),  # exactly 3 months: on time
    (D(2026, 4, 16), D(2026, 4, 15), True),  # 3 months + 1 day: special approval
    (D(2026, 7, 15), D(2026, 4, 15), True),  # exactly 6 months: still special approval
    (D(2026, 7, 16), D(2026, 7, 15), False),  # 6 months + 1 day: late
]
# step 24: full-membership vote 2027-01-15 → within 3 months, last day 2027-04-15
FULL_APPROVAL = [
    (D(2027, 4, 15), None),
    (D(2027, 4, 16), D(2027, 4, 15)),
]


@pytest.mark.parametrize(("day", "deadline"), TALK)
def test_talk_boundary_one_month(day, deadline):
    late = lateness(2, day, facts({1: D(2026, 1, 15)}), RULES)
    assert (late.deadline if late else None) == deadline
    problems = check_step(2, StepInput(date=day), facts({1: D(2026, 1, 15)}), RULES, today=TODAY)
    assert [p.field for p in problems] == ([] if deadline is None else ["delay_reason"])


@pytest.mark.parametrize(("day", "deadline", "special"), APPROVAL)
def test_approval_boundaries_three_and_six_months(day, deadline, special):
    f = facts(done_until(16, s15=D(2026, 1, 15), s16=D(2026, 1, 16)))
    late = lateness(17, day, f, RULES)
    assert (late.deadline if late else None) == deadline
    assert (late.special if late else False) is special


@pytest.mark.parametrize(("day", "deadline"), FULL_APPROVAL)
def test_full_approval_boundary_three_months(day, deadline):
    f = facts(done_until(23, s23=D(2027, 1, 15)))
    late = lateness(24, day, f, RULES)
    assert (late.deadline if late else None) == deadline
    problems = check_step(24, StepInput(date=day), f, RULES, today=TODAY)
    assert [p.field for p in problems] == ([] if deadline is None else ["delay_reason"])
    if deadline:
        reason = StepInput(date=day, delay_reason="上级党委委员会议延期召开")
        assert check_step(24, reason, f, RULES, today=TODAY) == []


def test_month_end_deadline_is_the_last_day_of_february():
    late = lateness(2, D(2026, 3, 1), facts({1: D(2026, 1, 31)}), RULES)
    assert late is not None and late.deadline == D(2026, 2, 28) and late.days_late == 1
    assert lateness(2, D(2026, 2, 28), facts({1: D(2026, 1, 31)}), RULES) is None


def test_six_months_plus_one_day_needs_a_delay_reason_not_consent():
    f = facts(done_until(16, s15=D(2026, 1, 15), s16=D(2026, 1, 16)))
    problems = check_step(17, StepInput(date=D(2026, 7, 16)), f, RULES, today=TODAY)
    assert [p.field for p in problems] == ["delay_reason"]
    assert "最迟2026-07-15，所填日期2026-07-16" in problems[0].message
    consent = Consent("孙同意", "县委组织部", D(2026, 7, 1), "县组字〔2026〕12号")
    with_consent_only = StepInput(date=D(2026, 7, 16), special_reason="换届", consent=consent)
    assert [p.field for p in check_step(17, with_consent_only, f, RULES, today=TODAY)] == [
        "delay_reason"
    ]


@pytest.mark.parametrize(
    ("step", "prior", "field", "months"),
    [
        (13, 12, "prereview_within_months", 1),
        (15, 13, "vote_within_months_of_prereview", 1),
        (20, 17, "oath_within_months", 1),
    ],
)
def test_local_practice_deadlines_cite_the_local_rule_set(step, prior, field, months):
    f = facts(done_until(step - 1, **{f"s{prior}": D(2026, 3, 31)}))
    last = policy.add_months(D(2026, 3, 31), months)
    assert last == D(2026, 4, 30)
    assert lateness(step, last, f, RULES) is None
    late = lateness(step, last + dt.timedelta(days=1), f, RULES, local_source="镇发展党员规则")
    assert late is not None and late.rule.source == "镇发展党员规则"
    # A local rule switched off (0) sets no deadline at all.
    assert lateness(step, D(2027, 1, 1), f, LocalRules(**{field: 0})) is None


def test_too_early_is_still_refused_even_with_a_reason():
    f = facts({1: D(2025, 1, 10), 2: D(2025, 1, 20), 3: D(2025, 3, 1), 4: D(2025, 3, 2)})
    f.done.update({5: D(2025, 3, 3), 6: D(2025, 3, 4)})
    given = StepInput(date=D(2026, 2, 28), delay_reason="不适用")
    problems = check_step(7, given, f, LocalRules(public_notice_working_days=0), today=TODAY)
    assert [p.message for p in problems] == [
        "REC-ORDER：确定为入党积极分子（2025-03-01）满1年后方可确定为发展对象，最早2026-03-01；"
        "所填日期2026-02-28过早。"
    ]


def test_political_review_expiry_stays_a_refusal():
    done = done_until(11, s10=D(2025, 1, 31), s9=D(2025, 1, 31), s11=D(2025, 1, 31))
    f = CaseFacts(birth_date=D(1995, 5, 17), done=done, review_conclusion="pass", training_days=3)
    assert lateness(12, D(2026, 2, 1), f, RULES) is None
    given = StepInput(date=D(2026, 2, 1), delay_reason="理由")
    assert "须重新进行政治审查" in check_step(12, given, f, RULES, today=TODAY)[0].message


def test_steps_without_a_latest_date_are_never_late():
    assert [n for n in policy.STEPS if deadline_rule(n, RULES) is not None] == [
        2,
        13,
        15,
        17,
        20,
        24,
    ]


def test_delay_summary_names_step_deadline_and_reason():
    late = lateness(2, D(2026, 2, 20), facts({1: D(2026, 1, 15)}), RULES)
    assert late is not None
    assert delay_summary(late, "申请人外出务工") == (
        "第2步“党组织派人谈话”于2026-02-20完成，超过规定时限5天（最迟2026-02-15；依据"
        "《中国共产党发展党员工作细则》第七条：收到入党申请书后1个月内派人谈话）。"
        "延误原因：申请人外出务工"
    )
