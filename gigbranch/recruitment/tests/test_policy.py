"""Pure rule tests (rules.md REC-*): every time rule at its boundary, no database."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigbranch.recruitment import policy
from gigbranch.recruitment.policy import (
    CaseFacts,
    LocalRules,
    PersonRef,
    StepInput,
    VoteTally,
    add_months,
    check_extension,
    check_step,
    check_vote,
    eighteenth_birthday,
    vote_outcome_problems,
)
from gigbranch.recruitment.policy.deadlines import Consent

D = dt.date
TODAY = D(2026, 11, 29)
RULES = LocalRules()
FULL = PersonRef("张正式", "full", "normal")
FULL2 = PersonRef("李正式", "full", "normal")
PROB = PersonRef("王预备", "probationary", "normal")
GOOD_VOTE = VoteTally(should_attend=9, present=7, written=1, votes_for=6, against=1, abstain=1)


def facts(done, **kw):
    return CaseFacts(birth_date=D(1995, 5, 17), done=dict(done), **kw)


def upto(last, start=D(2023, 1, 10)):
    """Dates for steps 1..last that satisfy every rule, starting at `start`."""
    done = {1: start}
    for n in range(2, last + 1):
        prev = max(done[r] for r in policy.STEPS[n].requires)
        if n == 3:
            prev = add_months(done[1], 6)
        if n == 7:
            prev = policy.add_months_at_least(done[3], 12)
        if n == 22:
            prev = add_months(policy.probation_end(done[15]), -1)
        if n == 23:
            prev = policy.probation_end(done[15])
        done[n] = prev + dt.timedelta(days=1) if n not in (3, 7, 22, 23) else prev
    return done


def messages(problems):
    return [p.message for p in problems]


# --- calendar-month arithmetic ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2026, 1, 15), 1, D(2026, 2, 15)),
        (D(2026, 12, 31), 2, D(2027, 2, 28)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_end_of_month(start, months, expected):
    assert add_months(start, months) == expected


@given(st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)), st.integers(0, 240))
def test_add_months_never_overshoots_the_target_month(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert policy.add_months_at_least(day, months) >= result


# --- step 2: talk within one calendar month -----------------------------------------------


@pytest.mark.parametrize(
    ("applied", "talk", "ok"),
    [
        (D(2026, 1, 31), D(2026, 2, 28), True),
        (D(2026, 1, 31), D(2026, 3, 1), False),
        (D(2024, 1, 31), D(2024, 2, 29), True),
        (D(2024, 1, 31), D(2024, 3, 1), False),
        (D(2026, 3, 15), D(2026, 4, 15), True),
        (D(2026, 3, 15), D(2026, 4, 16), False),
        (D(2026, 3, 15), D(2026, 3, 15), True),
        (D(2026, 3, 15), D(2026, 3, 14), False),
    ],
)
def test_talk_within_one_month_of_application(applied, talk, ok):
    problems = check_step(2, StepInput(date=talk), facts({1: applied}), RULES, today=TODAY)
    assert (problems == []) is ok


def test_late_talk_needs_a_reason_naming_the_rule_and_dates():
    late = D(2026, 3, 1)
    problems = check_step(2, StepInput(date=late), facts({1: D(2026, 1, 31)}), RULES, today=TODAY)
    assert messages(problems) == [
        "该步骤已超过规定时限（《中国共产党发展党员工作细则》第七条：收到入党申请书后1个月内派人谈话；"
        "第2步“党组织派人谈话”最迟2026-02-28，所填日期2026-03-01），请填写延误原因。"
    ]
    assert problems[0].field == "delay_reason"
    with_reason = StepInput(date=late, delay_reason="申请人外出务工，无法联系")
    assert check_step(2, with_reason, facts({1: D(2026, 1, 31)}), RULES, today=TODAY) == []


def test_step_before_predecessor_refused_with_both_dates():
    problems = check_step(
        2, StepInput(date=D(2026, 1, 30)), facts({1: D(2026, 1, 31)}), RULES, today=TODAY
    )
    assert messages(problems) == [
        "REC-ORDER：第2步“党组织派人谈话”日期2026-01-30早于前一步第1步“递交入党申请书”的日期2026-01-31。"
    ]


def test_skipped_step_refused():
    problems = check_step(4, StepInput(date=D(2026, 5, 1)), facts(upto(2)), RULES, today=TODAY)
    assert messages(problems) == [
        "REC-ORDER：第4步“报上级党委备案”之前须先完成第3步“推荐和确定入党积极分子”。"
    ]


def test_future_date_refused():
    problems = check_step(
        2, StepInput(date=D(2026, 11, 30)), facts({1: D(2026, 11, 20)}), RULES, today=TODAY
    )
    assert messages(problems) == [
        "REC-ORDER：第2步“党组织派人谈话”日期2026-11-30晚于今天（2026-11-29）。"
    ]


# --- step 3: local rule, 6 months after application ---------------------------------------


def test_activist_local_rule_six_months_and_switch_off():
    done = {1: D(2025, 8, 31), 2: D(2025, 9, 5)}
    # 31 August + 6 months: 28 February has not completed six months; 1 March has.
    assert check_step(3, StepInput(date=D(2026, 2, 28)), facts(done), RULES, today=TODAY)
    assert check_step(3, StepInput(date=D(2026, 3, 1)), facts(done), RULES, today=TODAY) == []
    relaxed = LocalRules(activist_min_months_after_application=0)
    assert check_step(3, StepInput(date=D(2025, 9, 6)), facts(done), relaxed, today=TODAY) == []


# --- step 7: one year as an activist ------------------------------------------------------


def _step7_input(day):
    return StepInput(
        date=day,
        notice_start=day - dt.timedelta(days=10),
        notice_end=day - dt.timedelta(days=1),
        notice_working_days=5,
    )


def test_candidate_one_day_short_of_a_year_refused_exactly_one_year_accepted():
    done = upto(6)
    done[3] = D(2025, 3, 10)
    done[4], done[5], done[6] = D(2025, 3, 11), D(2025, 3, 12), D(2025, 3, 13)
    short = check_step(7, _step7_input(D(2026, 3, 9)), facts(done), RULES, today=TODAY)
    assert messages(short) == [
        "REC-ORDER：确定为入党积极分子（2025-03-10）满1年后方可确定为发展对象，最早2026-03-10；所填日期2026-03-09过早。"
    ]
    assert check_step(7, _step7_input(D(2026, 3, 10)), facts(done), RULES, today=TODAY) == []


def test_candidate_leap_day_activist_completes_year_on_first_of_march():
    done = upto(6)
    done[3] = D(2024, 2, 29)
    done[4], done[5], done[6] = D(2024, 3, 1), D(2024, 3, 2), D(2024, 3, 3)
    assert check_step(7, _step7_input(D(2025, 2, 28)), facts(done), RULES, today=TODAY)
    assert check_step(7, _step7_input(D(2025, 3, 1)), facts(done), RULES, today=TODAY) == []


@pytest.mark.parametrize(("working_days", "ok"), [(4, False), (5, True)])
def test_public_notice_working_days(working_days, ok):
    done = upto(6)
    day = policy.add_months_at_least(done[3], 12)
    given_ = StepInput(
        date=day,
        notice_start=day - dt.timedelta(days=9),
        notice_end=day - dt.timedelta(days=1),
        notice_working_days=working_days,
    )
    problems = check_step(7, given_, facts(done), RULES, today=TODAY)
    assert (problems == []) is ok
    if not ok:
        assert "应不少于5个工作日" in problems[0].message


def test_public_notice_must_end_before_decision_and_can_be_switched_off():
    done = upto(6)
    day = policy.add_months_at_least(done[3], 12)
    given_ = StepInput(
        date=day, notice_start=day - dt.timedelta(days=7), notice_end=day, notice_working_days=6
    )
    assert [p.field for p in check_step(7, given_, facts(done), RULES, today=TODAY)] == [
        "notice_end"
    ]
    assert (
        check_step(
            7,
            StepInput(date=day),
            facts(done),
            LocalRules(public_notice_working_days=0),
            today=TODAY,
        )
        == []
    )


# --- contacts and sponsors ----------------------------------------------------------------


def test_contacts_one_or_two_full_members():
    done = upto(4)
    day = done[4] + dt.timedelta(days=1)
    assert (
        check_step(5, StepInput(date=day, contacts=[FULL]), facts(done), RULES, today=TODAY) == []
    )
    assert (
        check_step(5, StepInput(date=day, contacts=[FULL, FULL2]), facts(done), RULES, today=TODAY)
        == []
    )
    assert check_step(5, StepInput(date=day, contacts=[]), facts(done), RULES, today=TODAY)
    assert check_step(
        5, StepInput(date=day, contacts=[FULL, FULL2, FULL]), facts(done), RULES, today=TODAY
    )
    bad = check_step(5, StepInput(date=day, contacts=[PROB]), facts(done), RULES, today=TODAY)
    assert messages(bad) == ["REC-ORDER：培养联系人须为正式党员，王预备不是正式党员。"]


def test_probationary_sponsor_refused():
    done = upto(8)
    day = done[8] + dt.timedelta(days=1)
    bad = check_step(9, StepInput(date=day, sponsors=[FULL, PROB]), facts(done), RULES, today=TODAY)
    assert messages(bad) == [
        "REC-ORDER：入党介绍人须为正式党员，预备党员不能作入党介绍人：王预备。"
    ]
    assert [p.field for p in bad] == ["sponsors"]
    one = check_step(9, StepInput(date=day, sponsors=[FULL]), facts(done), RULES, today=TODAY)
    assert messages(one) == ["REC-ORDER：入党介绍人应为2名，现为1名。"]
    assert (
        check_step(9, StepInput(date=day, sponsors=[FULL, FULL2]), facts(done), RULES, today=TODAY)
        == []
    )


# --- political review and training before step 12 ---------------------------------------


@pytest.mark.parametrize(
    ("days", "hours", "ok"), [(3, 0, True), (2.5, 23.5, False), (0, 24, True), (2, 0, False)]
)
def test_training_three_days_or_24_hours(days, hours, ok):
    done = upto(8)
    problems = check_step(
        11,
        StepInput(date=done[8], training_days=days, training_hours=hours),
        facts(done),
        RULES,
        today=TODAY,
    )
    assert (problems == []) is ok


def test_step_12_without_training_refused():
    done = upto(10)
    done.pop(11, None)
    problems = check_step(
        12,
        StepInput(date=done[10] + dt.timedelta(days=2)),
        facts(done, review_conclusion="pass"),
        RULES,
        today=TODAY,
    )
    assert messages(problems) == [
        "REC-ORDER：尚未开展集中培训（第11步，不少于3天或24学时），不能进行支部委员会审查。"
    ]


def test_step_12_without_political_review_or_with_failed_review_refused():
    done = upto(11)
    no_review = dict(done)
    no_review.pop(10)
    problems = check_step(
        12,
        StepInput(date=done[11] + dt.timedelta(days=1)),
        facts(no_review, training_days=3),
        RULES,
        today=TODAY,
    )
    assert messages(problems) == ["REC-ORDER：尚未进行政治审查（第10步），不能进行支部委员会审查。"]
    failed = check_step(
        12,
        StepInput(date=done[11] + dt.timedelta(days=1)),
        facts(done, review_conclusion="fail", training_days=3),
        RULES,
        today=TODAY,
    )
    assert messages(failed) == ["REC-ORDER：政治审查结论不合格，不能发展入党。"]
    ok = check_step(
        12,
        StepInput(date=done[11] + dt.timedelta(days=1)),
        facts(done, review_conclusion="pass", training_hours=24),
        RULES,
        today=TODAY,
    )
    assert ok == []


def test_political_review_valid_one_year_local_rule():
    done = upto(11)
    done[10] = D(2025, 1, 31)
    done[9] = done[11] = D(2025, 1, 31)
    base = facts(done, review_conclusion="pass", training_days=3)
    assert check_step(12, StepInput(date=D(2026, 1, 31)), base, RULES, today=TODAY) == []
    assert check_step(12, StepInput(date=D(2026, 2, 1)), base, RULES, today=TODAY)


# --- step 17: approval within 3 months, 6 with the higher organisation's consent --------

CONSENT = Consent(
    approver="县委组织部副部长 孙同意",
    organization="中共某县委组织部",
    date=D(2026, 4, 10),
    document="县组字〔2026〕12号",
)


@pytest.mark.parametrize(
    ("day", "reason", "consent", "delay", "ok"),
    [
        (D(2026, 4, 15), "", None, "", True),
        (D(2026, 4, 16), "", None, "", False),
        (D(2026, 4, 16), "上级党委换届，集体讨论推迟", None, "", False),
        (D(2026, 4, 16), "上级党委换届，集体讨论推迟", CONSENT, "", True),
        (D(2026, 7, 15), "上级党委换届，集体讨论推迟", CONSENT, "", True),
        (D(2026, 7, 16), "上级党委换届，集体讨论推迟", CONSENT, "", False),
        (D(2026, 7, 16), "", None, "材料遗失后补齐", True),
    ],
)
def test_approval_three_months_or_six_with_consent(day, reason, consent, delay, ok):
    done = upto(16)
    done[15], done[16] = D(2026, 1, 15), D(2026, 1, 16)
    given = StepInput(date=day, special_reason=reason, consent=consent, delay_reason=delay)
    problems = check_step(17, given, facts(done), RULES, today=TODAY)
    assert (problems == []) is ok


def test_approval_after_three_months_asks_for_each_consent_field():
    done = upto(16)
    done[15], done[16] = D(2026, 1, 15), D(2026, 1, 16)
    problems = check_step(17, StepInput(date=D(2026, 4, 16)), facts(done), RULES, today=TODAY)
    assert [p.field for p in problems] == [
        "special_reason",
        "consent_approver",
        "consent_organization",
        "consent_document",
        "consent_date",
    ]
    assert problems[0].message == (
        "第17步“上级党委审批”超过支部大会通过后的审批期限（《中国共产党发展党员工作细则》第四章"
        "“预备党员的接收”；最迟2026-04-15，所填日期2026-04-16），属特殊情况延长审批时间，"
        "请填写特殊情况原因。"
    )
    early_consent = Consent("孙同意", "县委组织部", D(2026, 1, 14), "县组字〔2026〕12号")
    given = StepInput(date=D(2026, 4, 16), special_reason="换届", consent=early_consent)
    assert messages(check_step(17, given, facts(done), RULES, today=TODAY)) == [
        "上级党组织同意延长审批时间的日期2026-01-14应在支部大会通过（2026-01-15）之后、审批"
        "（2026-04-16）之前。"
    ]


def test_full_membership_approval_within_three_months():
    done = upto(23)
    latest = add_months(done[23], 3)
    assert check_step(24, StepInput(date=latest), facts(done), RULES, today=TODAY) == []
    assert check_step(
        24, StepInput(date=latest + dt.timedelta(days=1)), facts(done), RULES, today=TODAY
    )


def test_full_membership_vote_not_before_probation_end():
    done = upto(22)
    end = policy.probation_end(done[15])
    base = facts(done, probation_end=end)
    early = check_step(
        23, StepInput(date=end - dt.timedelta(days=1), tally=GOOD_VOTE), base, RULES, today=TODAY
    )
    assert early and early[0].rule_id == "REC-PROB"
    assert check_step(23, StepInput(date=end, tally=GOOD_VOTE), base, RULES, today=TODAY) == []


# --- REC-PROB: probation and extension ----------------------------------------------------


def test_probation_one_year_from_vote():
    assert policy.probation_end(D(2025, 6, 20)) == D(2026, 6, 20)
    assert policy.probation_end(D(2024, 2, 29)) == D(2025, 3, 1)
    assert policy.probation_end(D(2025, 6, 20), 6) == D(2026, 12, 20)


def _probationary():
    done = upto(20)
    return facts(done, probation_end=policy.probation_end(done[15]))


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_six_to_twelve_months(months, ok):
    f = _probationary()
    vote = f.done[20] + dt.timedelta(days=30)
    problems = check_extension(
        months=months,
        previous_extensions=0,
        vote_date=vote,
        approved_on=vote + dt.timedelta(days=10),
        facts=f,
        today=TODAY,
    )
    assert (problems == []) is ok
    if not ok:
        assert messages(problems) == [f"REC-PROB：延长预备期应为6至12个月，所填为{months}个月。"]


def test_second_extension_refused():
    f = _probationary()
    vote = f.done[20] + dt.timedelta(days=30)
    problems = check_extension(
        months=6, previous_extensions=1, vote_date=vote, approved_on=vote, facts=f, today=TODAY
    )
    assert messages(problems) == ["REC-PROB：预备期只能延长一次，已延长过，不能再次延长。"]


# --- REC-VOTE -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tally", "passed"),
    [
        (VoteTally(9, 5, 0, 5, 0, 0), True),  # 5 of 9 present, 5 for: both more than half of 9
        (VoteTally(9, 4, 3, 7, 0, 0), False),  # no quorum: only 4 of 9 present
        (VoteTally(9, 5, 2, 5, 1, 1), True),
        (
            VoteTally(9, 8, 0, 4, 4, 0),
            False,
        ),  # 4 for is not more than half of those who should attend
        (VoteTally(10, 6, 0, 5, 1, 0), False),  # 5 of 10 is exactly half: not more than half
        (VoteTally(10, 6, 0, 6, 0, 0), True),
        (VoteTally(10, 5, 0, 5, 0, 0), False),  # 5 present of 10: no quorum
    ],
)
def test_quorum_and_majority_of_those_who_should_attend(tally, passed):
    assert tally.passed is passed
    assert (vote_outcome_problems(tally, claims_pass=True) == []) is passed


def test_written_opinions_count_towards_the_majority_not_the_quorum():
    # 9 should attend, 5 present (quorum), 4 for in the room + 1 written opinion for = 5 > 4.5
    assert vote_outcome_problems(VoteTally(9, 5, 1, 5, 0, 0), claims_pass=True) == []
    # without the written opinion only 4 for: refused
    refused = vote_outcome_problems(VoteTally(9, 5, 0, 4, 1, 0), claims_pass=True)
    assert messages(refused) == [
        "REC-VOTE：赞成票4票（含书面意见），未超过应到有表决权的正式党员9人的半数，不能记为通过。"
    ]
    # written opinions do not make a quorum
    no_quorum = vote_outcome_problems(VoteTally(9, 4, 4, 8, 0, 0), claims_pass=True)
    assert messages(no_quorum) == [
        "REC-VOTE：实到有表决权的正式党员4人，未超过应到9人的半数，不能开会表决。"
    ]


def test_vote_numbers_must_add_up():
    too_many = check_vote(VoteTally(9, 8, 2, 6, 0, 0))
    assert messages(too_many) == ["REC-VOTE：实到8人加书面意见2份，超过应到有表决权的正式党员9人。"]
    ballots = check_vote(VoteTally(9, 6, 0, 6, 1, 0))
    assert messages(ballots) == [
        "REC-VOTE：赞成、反对、弃权合计7票，多于实到6人与书面意见0份之和。"
    ]


def test_probationary_member_cannot_vote():
    tally = VoteTally(9, 7, 0, 7, 0, 0, probationary_voters=("王预备",))
    assert messages(vote_outcome_problems(tally, claims_pass=True)) == [
        "REC-VOTE：预备党员没有表决权，王预备不能参加表决。"
    ]


def test_vote_step_needs_a_tally():
    done = upto(14)
    problems = check_step(15, StepInput(date=done[14]), facts(done), RULES, today=TODAY)
    assert messages(problems) == ["REC-VOTE：须填写表决情况。"]


# --- REC-AGE ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "applied", "ok"),
    [
        (D(2008, 5, 17), D(2026, 5, 16), False),
        (D(2008, 5, 17), D(2026, 5, 17), True),
        (D(2008, 2, 29), D(2026, 2, 28), False),
        (D(2008, 2, 29), D(2026, 3, 1), True),
        (D(2004, 2, 29), D(2022, 2, 28), False),
        (D(2004, 2, 29), D(2022, 3, 1), True),
        (D(2008, 12, 31), D(2026, 12, 30), False),
    ],
)
def test_age_18_on_application_date(birth, applied, ok):
    f = CaseFacts(birth_date=birth)
    problems = check_step(1, StepInput(date=applied), f, RULES, today=D(2027, 1, 1))
    assert (problems == []) is ok


def test_age_refusal_message():
    problems = check_step(
        1, StepInput(date=D(2026, 2, 28)), CaseFacts(birth_date=D(2008, 2, 29)), RULES, today=TODAY
    )
    assert messages(problems) == [
        "REC-AGE：申请人出生于2008-02-29，递交申请书之日2026-02-28未满18周岁（2026-03-01年满18周岁）。"
    ]
    assert eighteenth_birthday(D(2008, 2, 29)) == D(2026, 3, 1)


# --- local rule sets cannot relax national rules ------------------------------------------


def test_local_rules_can_tighten_but_not_relax():
    assert policy.validate_local_rules(LocalRules()) == {}
    assert policy.validate_local_rules(LocalRules(activist_to_candidate_min_months=18)) == {}
    errors = policy.validate_local_rules(
        LocalRules(
            talk_within_months=2,
            activist_to_candidate_min_months=11,
            approval_within_months=4,
            full_approval_within_months=6,
        )
    )
    assert sorted(errors) == [
        "activist_to_candidate_min_months",
        "approval_within_months",
        "full_approval_within_months",
        "talk_within_months",
    ]
    assert errors["approval_within_months"].startswith("REC-ORDER：国家规定")


def test_local_prereview_and_vote_windows():
    done = upto(12)
    f = facts(done, review_conclusion="pass", training_days=3)
    latest = add_months(done[12], 1)
    assert check_step(13, StepInput(date=latest), f, RULES, today=TODAY) == []
    assert check_step(13, StepInput(date=latest + dt.timedelta(days=1)), f, RULES, today=TODAY)
    assert (
        check_step(
            13,
            StepInput(date=latest + dt.timedelta(days=40)),
            f,
            LocalRules(prereview_within_months=0),
            today=TODAY,
        )
        == []
    )


def test_window_of_next_step_and_overdue():
    f = facts({1: D(2026, 10, 20)})
    win = policy.window(2, f, RULES)
    assert (win.earliest, win.latest) == (D(2026, 10, 20), D(2026, 11, 20))
    assert policy.next_step(f) == 2
    assert messages(policy.overdue_problems(f, RULES, today=TODAY)) == [
        "REC-ORDER：第2步“党组织派人谈话”最迟应在2026-11-20完成，已逾期9天。"
    ]
    assert policy.open_steps(facts(upto(8))) == [9, 10, 11]


@given(st.sets(st.integers(2, 25)))
def test_open_steps_matches_the_definition(extra):
    done = {n: D(2024, 1, 1) for n in {1, *extra}}
    f = facts(done)
    naive = [
        n
        for n in range(1, 26)
        if n not in done and all(r in done for r in policy.STEPS[n].requires)
    ]
    assert policy.open_steps(f) == naive
