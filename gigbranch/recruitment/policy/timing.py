"""The window of each step and the checks of a recorded step (rules.md REC-*). Pure functions, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .deadlines import Consent
from .steps import (
    CONTACTS_MAX,
    CONTACTS_MIN,
    FULL_APPLICATION_MONTHS_BEFORE_END,
    NATIONAL_APPROVAL_SPECIAL_MONTHS,
    PROBATION_MONTHS,
    SPONSORS_REQUIRED,
    STEPS,
    TRAINING_MIN_DAYS,
    TRAINING_MIN_HOURS,
    VOTE_STEPS,
    LocalRules,
    Problem,
    _label,
    add_months,
    add_months_at_least,
    eighteenth_birthday,
    fmt,
)
from .votes import PersonRef, VoteTally, _not_full, vote_outcome_problems

# --- Step context -----------------------------------------------------------------------


@dataclass
class StepInput:
    """What a step record brings with it; only the fields its step needs are read."""

    date: dt.date
    contacts: Sequence[PersonRef] = ()
    sponsors: Sequence[PersonRef] = ()
    review_conclusion: str = ""  # "pass" / "fail"
    training_days: float = 0
    training_hours: float = 0
    notice_start: dt.date | None = None
    notice_end: dt.date | None = None
    notice_working_days: int | None = None  # computed by the caller from the work calendar
    special_reason: str = ""
    tally: VoteTally | None = None
    delay_reason: str = ""  # a late step: why (recorded, and reviewed as a finding)
    consent: Consent | None = None  # step 17 after 3 months: the higher organisation's consent


@dataclass
class CaseFacts:
    """What is already recorded for a person (dates by step number) and about them."""

    birth_date: dt.date | None
    done: dict[int, dt.date] = field(default_factory=dict)
    review_conclusion: str = ""
    training_days: float = 0
    training_hours: float = 0
    probation_end: dt.date | None = None
    special_reason: str = ""
    closed: bool = False
    last_assessment: dt.date | None = None  # latest education assessment (step 6 or later)


def probation_end(vote_date: dt.date, extension_months: int = 0) -> dt.date:
    """REC-PROB: one year from the branch vote (step 15), plus any extension."""
    return add_months_at_least(vote_date, PROBATION_MONTHS + extension_months)


@dataclass(frozen=True)
class Window:
    earliest: dt.date | None
    latest: dt.date | None
    latest_special: dt.date | None = None  # step 17: with a recorded special reason
    notes: tuple[str, ...] = ()


def window(step: int, facts: CaseFacts, rules: LocalRules) -> Window:
    """Earliest and latest date for `step` given what is recorded (REC-ORDER time rules)."""
    d = facts.done
    prior = [d[r] for r in STEPS[step].requires if r in d]
    earliest = max(prior) if prior else None
    latest: dt.date | None = None
    latest_special: dt.date | None = None
    notes: list[str] = []

    def later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
        return b if a is None or (b is not None and b > a) else a

    if step == 1 and facts.birth_date:
        earliest = eighteenth_birthday(facts.birth_date)
        notes.append(f"年满18周岁之日：{fmt(earliest)}（REC-AGE）")
    elif step == 2 and 1 in d:
        latest = add_months(d[1], rules.talk_within_months)
        notes.append(f"收到申请书（{fmt(d[1])}）后{rules.talk_within_months}个月内谈话")
    elif step == 3 and 1 in d and rules.activist_min_months_after_application:
        earliest = later(
            earliest, add_months_at_least(d[1], rules.activist_min_months_after_application)
        )
        notes.append(f"本地规则：递交申请书满{rules.activist_min_months_after_application}个月")
    elif step == 5:
        notes.append("需1至2名正式党员作为培养联系人")
    elif step == 7 and 3 in d:
        earliest = later(
            earliest, add_months_at_least(d[3], rules.activist_to_candidate_min_months)
        )
        notes.append(
            f"确定为入党积极分子（{fmt(d[3])}）满{rules.activist_to_candidate_min_months}个月"
        )
        if rules.public_notice_working_days:
            notes.append(f"本地规则：事先公示不少于{rules.public_notice_working_days}个工作日")
    elif step == 9:
        notes.append("需2名正式党员作为入党介绍人")
    elif step == 11:
        notes.append("集中培训不少于3天或24学时")
    elif step == 12:
        notes.append("须已完成政治审查（结论合格）和集中培训")
        if 10 in d and rules.political_review_valid_months:
            latest = add_months(d[10], rules.political_review_valid_months)
            notes.append(f"本地规则：政治审查结论{rules.political_review_valid_months}个月内有效")
    elif step == 13 and 12 in d and rules.prereview_within_months:
        latest = add_months(d[12], rules.prereview_within_months)
        notes.append(f"本地规则：支委会审查后{rules.prereview_within_months}个月内预审")
    elif step == 15:
        notes.append("表决：实到超过应到半数，赞成票超过应到半数（REC-VOTE）")
        if 13 in d and rules.vote_within_months_of_prereview:
            latest = add_months(d[13], rules.vote_within_months_of_prereview)
            notes.append(f"本地规则：预审后{rules.vote_within_months_of_prereview}个月内讨论")
    elif step == 17 and 15 in d:
        latest = add_months(d[15], rules.approval_within_months)
        latest_special = add_months(d[15], NATIONAL_APPROVAL_SPECIAL_MONTHS)
        notes.append(
            f"支部大会（{fmt(d[15])}）后{rules.approval_within_months}个月内审批，"
            f"特殊情况（须注明原因）不超过{NATIONAL_APPROVAL_SPECIAL_MONTHS}个月"
        )
    elif step == 20 and 17 in d and rules.oath_within_months:
        latest = add_months(d[17], rules.oath_within_months)
        notes.append(f"本地规则：批准后{rules.oath_within_months}个月内宣誓")
    elif step == 22 and facts.probation_end:
        earliest = later(
            earliest, add_months(facts.probation_end, -FULL_APPLICATION_MONTHS_BEFORE_END)
        )
        notes.append(f"预备期至{fmt(facts.probation_end)}届满")
    elif step == 23 and facts.probation_end:
        earliest = later(earliest, facts.probation_end)
        notes.append(f"预备期满（{fmt(facts.probation_end)}）后讨论转正")
    elif step == 24 and 23 in d:
        latest = add_months(d[23], rules.full_approval_within_months)
        notes.append(f"转正讨论（{fmt(d[23])}）后{rules.full_approval_within_months}个月内审批")
    return Window(
        earliest=earliest, latest=latest, latest_special=latest_special, notes=tuple(notes)
    )


def next_step(facts: CaseFacts) -> int | None:
    """The lowest-numbered step whose prerequisites are recorded and which is not."""
    steps = open_steps(facts)
    return steps[0] if steps else None


FOLLOWERS: dict[int, tuple[int, ...]] = {
    n: tuple(m for m, s in STEPS.items() if n in s.requires) for n in STEPS
}


def open_steps(facts: CaseFacts) -> list[int]:
    """Steps whose prerequisites are recorded but which are not (9, 10, 11 run in parallel)."""
    done = facts.done
    if not done:
        return [1]
    candidates = {m for n in done for m in FOLLOWERS.get(n, ())}
    return sorted(
        n for n in candidates if n not in done and all(r in done for r in STEPS[n].requires)
    )


def check_step(
    step: int,
    given: StepInput,
    facts: CaseFacts,
    rules: LocalRules,
    *,
    today: dt.date,
    local_source: str = "本地规则",
) -> list[Problem]:
    """All reasons (REC-ORDER, REC-AGE, REC-VOTE, REC-PROB) to refuse recording `step`.

    A step past its latest date is not refused for that: it needs a reason for the delay
    (step 17 within 6 months: the higher organisation's consent), see `deadlines`.
    """
    from .deadlines import delay_problems, lateness

    if step not in STEPS:
        return [Problem("REC-ORDER", f"REC-ORDER：没有第{step}步。", "step")]
    problems: list[Problem] = []
    day = given.date
    label = _label(step)
    if facts.closed:
        return [Problem("REC-ORDER", "REC-ORDER：该发展党员档案已终止，不能再记录步骤。", "step")]
    if step in facts.done:
        return [
            Problem("REC-ORDER", f"REC-ORDER：{label}已于{fmt(facts.done[step])}记录。", "step")
        ]
    if day > today:
        problems.append(
            Problem("REC-ORDER", f"REC-ORDER：{label}日期{fmt(day)}晚于今天（{fmt(today)}）。")
        )

    # Prerequisites that the issue names specifically come first: step 12 needs the
    # political review with a passing conclusion and the training (REC-ORDER).
    if step == 12:
        if 10 not in facts.done:
            problems.append(
                Problem(
                    "REC-ORDER", "REC-ORDER：尚未进行政治审查（第10步），不能进行支部委员会审查。"
                )
            )
        elif facts.review_conclusion != "pass":
            problems.append(Problem("REC-ORDER", "REC-ORDER：政治审查结论不合格，不能发展入党。"))
        if 11 not in facts.done:
            problems.append(
                Problem(
                    "REC-ORDER",
                    "REC-ORDER：尚未开展集中培训（第11步，不少于3天或24学时），不能进行支部委员会审查。",
                )
            )
        elif not training_sufficient(facts.training_days, facts.training_hours):
            problems.append(
                Problem("REC-ORDER", "REC-ORDER：集中培训不足3天或24学时，不能进行支部委员会审查。")
            )
    missing = [r for r in STEPS[step].requires if r not in facts.done]
    if missing and step != 12:
        names = "、".join(_label(r) for r in missing)
        problems.append(Problem("REC-ORDER", f"REC-ORDER：{label}之前须先完成{names}。", "step"))
    if missing:
        return problems

    for r in STEPS[step].requires:
        if day < facts.done[r]:
            problems.append(
                Problem(
                    "REC-ORDER",
                    f"REC-ORDER：{label}日期{fmt(day)}早于前一步{_label(r)}的日期{fmt(facts.done[r])}。",
                )
            )

    win = window(step, facts, rules)
    if step == 1:
        if facts.birth_date is None:
            problems.append(Problem("REC-AGE", "REC-AGE：缺少出生日期，无法核对年龄。"))
        elif day < eighteenth_birthday(facts.birth_date):
            problems.append(
                Problem(
                    "REC-AGE",
                    f"REC-AGE：申请人出生于{fmt(facts.birth_date)}，递交申请书之日{fmt(day)}未满18周岁"
                    f"（{fmt(eighteenth_birthday(facts.birth_date))}年满18周岁）。",
                )
            )
    else:
        prior_max = (
            max(facts.done[r] for r in STEPS[step].requires) if STEPS[step].requires else None
        )
        if (
            win.earliest is not None
            and day < win.earliest
            and not (prior_max is not None and day < prior_max and win.earliest == prior_max)
        ):
            rule = "REC-PROB" if step in (22, 23) else "REC-ORDER"
            problems.append(Problem(rule, _too_early(step, day, win, facts, rules)))
        if step == 12 and win.latest is not None and day > win.latest:
            problems.append(Problem("REC-ORDER", _review_expired(day, win, facts, rules)))
        late = lateness(step, day, facts, rules, local_source=local_source)
        problems.extend(delay_problems(given, late, facts))

    if step == 5:
        if not CONTACTS_MIN <= len(given.contacts) <= CONTACTS_MAX:
            problems.append(
                Problem(
                    "REC-ORDER",
                    f"REC-ORDER：培养联系人应为1至2名，现为{len(given.contacts)}名。",
                    "contacts",
                )
            )
        bad = _not_full(given.contacts)
        if bad:
            problems.append(
                Problem(
                    "REC-ORDER",
                    f"REC-ORDER：培养联系人须为正式党员，{'、'.join(bad)}不是正式党员。",
                    "contacts",
                )
            )
    if step == 7 and rules.public_notice_working_days:
        problems.extend(_notice_problems(given, rules))
    if step == 9:
        if len(given.sponsors) != SPONSORS_REQUIRED:
            problems.append(
                Problem(
                    "REC-ORDER",
                    f"REC-ORDER：入党介绍人应为2名，现为{len(given.sponsors)}名。",
                    "sponsors",
                )
            )
        bad = _not_full(given.sponsors)
        if bad:
            problems.append(
                Problem(
                    "REC-ORDER",
                    f"REC-ORDER：入党介绍人须为正式党员，预备党员不能作入党介绍人：{'、'.join(bad)}。",
                    "sponsors",
                )
            )
    if step == 10 and given.review_conclusion not in ("pass", "fail"):
        problems.append(
            Problem(
                "REC-ORDER", "REC-ORDER：政治审查须有结论（合格或不合格）。", "review_conclusion"
            )
        )
    if step == 11 and not training_sufficient(given.training_days, given.training_hours):
        problems.append(
            Problem(
                "REC-ORDER",
                f"REC-ORDER：集中培训应不少于{TRAINING_MIN_DAYS}天或{TRAINING_MIN_HOURS}学时，"
                f"现为{given.training_days:g}天、{given.training_hours:g}学时。",
                "training_days",
            )
        )
    if step in VOTE_STEPS:
        if given.tally is None:
            problems.append(Problem("REC-VOTE", "REC-VOTE：须填写表决情况。", "vote"))
        else:
            problems.extend(vote_outcome_problems(given.tally, claims_pass=True))
    return problems


def _too_early(step: int, day: dt.date, win: Window, facts: CaseFacts, rules: LocalRules) -> str:
    d = facts.done
    label = _label(step)
    if step == 3 and 1 in d:
        return (
            f"REC-ORDER（本地规则）：递交入党申请书（{fmt(d[1])}）满"
            f"{rules.activist_min_months_after_application}个月后方可确定为入党积极分子，最早"
            f"{fmt(win.earliest)}；所填日期{fmt(day)}过早。"
        )
    if step == 7 and 3 in d:
        return (
            f"REC-ORDER：确定为入党积极分子（{fmt(d[3])}）满1年后方可确定为发展对象，最早"
            f"{fmt(win.earliest)}；所填日期{fmt(day)}过早。"
        )
    if step in (22, 23) and facts.probation_end:
        return (
            f"REC-PROB：预备期至{fmt(facts.probation_end)}届满，{label}最早{fmt(win.earliest)}；"
            f"所填日期{fmt(day)}过早。"
        )
    return f"REC-ORDER：{label}最早{fmt(win.earliest)}，所填日期{fmt(day)}过早。"


def _review_expired(day: dt.date, win: Window, facts: CaseFacts, rules: LocalRules) -> str:
    return (
        f"REC-ORDER（本地规则）：政治审查结论（{fmt(facts.done[10])}）有效期"
        f"{rules.political_review_valid_months}个月，至{fmt(win.latest)}；所填日期{fmt(day)}"
        "已过期，须重新进行政治审查。"
    )


def _notice_problems(given: StepInput, rules: LocalRules) -> list[Problem]:
    need = rules.public_notice_working_days
    if given.notice_start is None or given.notice_end is None:
        return [
            Problem(
                "REC-ORDER",
                f"REC-ORDER（本地规则）：确定发展对象前须公示不少于{need}个工作日，请填写公示起止日期。",
                "notice_start",
            )
        ]
    if given.notice_end < given.notice_start:
        return [Problem("REC-ORDER", "REC-ORDER：公示结束日期早于开始日期。", "notice_end")]
    out = []
    if given.notice_end >= given.date:
        out.append(
            Problem(
                "REC-ORDER",
                f"REC-ORDER（本地规则）：公示（{fmt(given.notice_start)}至{fmt(given.notice_end)}）须在确定发展对象"
                f"（{fmt(given.date)}）之前结束。",
                "notice_end",
            )
        )
    have = given.notice_working_days or 0
    if have < need:
        out.append(
            Problem(
                "REC-ORDER",
                f"REC-ORDER（本地规则）：公示{fmt(given.notice_start)}至{fmt(given.notice_end)}仅{have}个工作日，"
                f"应不少于{need}个工作日。",
                "notice_end",
            )
        )
    return out


def training_sufficient(days: float, hours: float) -> bool:
    return days >= TRAINING_MIN_DAYS or hours >= TRAINING_MIN_HOURS
