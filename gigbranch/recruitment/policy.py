"""The 25-step recruitment procedure as data plus pure functions (rules.md REC-*).

No database access here: services and views pass in the dates already recorded, the
people involved and the effective local rule set, and get back either the window of the
next step or a list of `Problem`s, each citing its rule ID with the dates involved in
Chinese. National rules (细则 2014) are constants; local practice lives in `LocalRules`,
whose values may tighten but never relax the national ones (`validate_local_rules`).

Conventions fixed here (recorded in docs/adr/0015-recruitment-procedure.md):
- "within N months" uses calendar-month arithmetic with end-of-month clamping:
  one month after 31 January is the last day of February (`add_months`).
- "at least N months/years" (minimum periods: aged 18, activist for a year, probation)
  completes on 1 March when the start day does not exist in the target month (29 February
  in a non-leap year, 31 August + 6 months): `add_months_at_least`. A person born on
  29 February turns 18 on 1 March; this is the strict reading and matches the members
  app's probation end.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .deadlines import Consent

# --- Stages and steps -------------------------------------------------------------------

STAGES: dict[int, str] = {
    1: "申请入党",
    2: "入党积极分子的确定和培养教育",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}
STAGE_SHORT: dict[int, str] = {
    1: "入党申请人",
    2: "入党积极分子",
    3: "发展对象",
    4: "接收预备党员",
    5: "预备党员",
}


@dataclass(frozen=True)
class Step:
    number: int
    stage: int
    title: str
    actor: str
    requires: tuple[int, ...]  # steps that must be recorded first (REC-ORDER)
    time_rule: str = ""  # human description of the time rule, Chinese


STEPS: dict[int, Step] = {
    s.number: s
    for s in [
        Step(1, 1, "递交入党申请书", "申请人", (), "年满18周岁（REC-AGE）"),
        Step(2, 1, "党组织派人谈话", "党支部", (1,), "收到入党申请书后1个月内"),
        Step(
            3, 2, "推荐和确定入党积极分子", "党支部委员会", (2,), "本地规则：递交申请书满一定月数"
        ),
        Step(4, 2, "报上级党委备案", "党支部", (3,)),
        Step(5, 2, "指定培养联系人", "党支部", (4,), "1至2名正式党员"),
        Step(6, 2, "培养教育考察", "党支部", (5,), "每半年考察一次"),
        Step(
            7,
            3,
            "确定发展对象",
            "党支部委员会",
            (6,),
            "确定为入党积极分子满1年；本地规则：事先公示",
        ),
        Step(8, 3, "报上级党委备案", "党支部", (7,)),
        Step(9, 3, "确定入党介绍人", "党支部", (8,), "2名正式党员"),
        Step(10, 3, "进行政治审查", "党支部/党委", (8,), "形成结论性材料"),
        Step(11, 3, "开展集中培训", "基层党委或县级组织部门", (8,), "不少于3天或24学时"),
        Step(12, 4, "支部委员会审查", "党支部委员会", (9, 10, 11), "政治审查和集中培训须已完成"),
        Step(13, 4, "上级党委预审", "上级党委", (12,), "本地规则：支委会审查后一定期限内"),
        Step(14, 4, "填写入党志愿书", "发展对象及入党介绍人", (13,)),
        Step(
            15, 4, "支部大会讨论", "党支部", (14,), "表决符合REC-VOTE；本地规则：预审后一定期限内"
        ),
        Step(16, 4, "上级党委派人谈话", "上级党委", (15,)),
        Step(
            17, 4, "上级党委审批", "上级党委", (16,), "支部大会讨论后3个月内，特殊情况不超过6个月"
        ),
        Step(18, 4, "再上一级党委组织部门备案", "上级党委", (17,)),
        Step(19, 5, "编入党支部和党小组", "党支部", (18,)),
        Step(20, 5, "入党宣誓", "党委或党支部", (19,), "本地规则：批准后一定期限内"),
        Step(21, 5, "继续教育考察", "党支部", (20,)),
        Step(22, 5, "提出转正申请", "预备党员", (21,), "预备期满前1个月内或期满时"),
        Step(23, 5, "支部大会讨论", "党支部", (22,), "预备期满后；表决符合REC-VOTE"),
        Step(24, 5, "上级党委审批", "上级党委", (23,), "支部大会讨论后3个月内"),
        Step(25, 5, "材料归档", "党委", (24,)),
    ]
}
LAST_STEP = 25
VOTE_STEPS = (15, 23)
APPROVAL_STEP = 17
FULL_APPROVAL_STEP = 24

# National figures (细则 2014); local rule sets may tighten, never relax them.
NATIONAL_TALK_WITHIN_MONTHS = 1
NATIONAL_ACTIVIST_TO_CANDIDATE_MONTHS = 12
NATIONAL_APPROVAL_WITHIN_MONTHS = 3
NATIONAL_APPROVAL_SPECIAL_MONTHS = 6
NATIONAL_FULL_APPROVAL_WITHIN_MONTHS = 3
PROBATION_MONTHS = 12
EXTENSION_MIN_MONTHS = 6
EXTENSION_MAX_MONTHS = 12
MIN_AGE = 18
CONTACTS_MIN, CONTACTS_MAX = 1, 2
SPONSORS_REQUIRED = 2
TRAINING_MIN_DAYS = 3
TRAINING_MIN_HOURS = 24
ASSESSMENT_EVERY_MONTHS = 6
FULL_APPLICATION_MONTHS_BEFORE_END = 1


@dataclass(frozen=True)
class LocalRules:
    """A jurisdiction's rule set on top of the national rules (rules.md: local practice).

    0 switches a purely local rule off. The `*_within_months` / `*_min_months` fields that
    mirror a national rule may only be stricter than the national figure.
    """

    talk_within_months: int = NATIONAL_TALK_WITHIN_MONTHS
    activist_min_months_after_application: int = 6
    activist_to_candidate_min_months: int = NATIONAL_ACTIVIST_TO_CANDIDATE_MONTHS
    public_notice_working_days: int = 5
    prereview_within_months: int = 1
    vote_within_months_of_prereview: int = 1
    approval_within_months: int = NATIONAL_APPROVAL_WITHIN_MONTHS
    political_review_valid_months: int = 12
    oath_within_months: int = 1
    full_approval_within_months: int = NATIONAL_FULL_APPROVAL_WITHIN_MONTHS

    @classmethod
    def from_mapping(cls, values: Mapping[str, int]) -> LocalRules:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in values.items() if k in names})

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


LOCAL_RULE_LABELS: dict[str, str] = {
    "talk_within_months": "收到申请书后谈话期限（月，国家规定不超过1）",
    "activist_min_months_after_application": "递交申请书至确定积极分子至少（月，0为不限）",
    "activist_to_candidate_min_months": "积极分子至发展对象至少（月，国家规定不少于12）",
    "public_notice_working_days": "确定发展对象前公示至少（工作日，0为不公示）",
    "prereview_within_months": "支委会审查后上级预审期限（月，0为不限）",
    "vote_within_months_of_prereview": "预审后支部大会讨论期限（月，0为不限）",
    "approval_within_months": "支部大会后党委审批期限（月，国家规定不超过3）",
    "political_review_valid_months": "政治审查结论有效期（月，0为不限）",
    "oath_within_months": "批准后入党宣誓期限（月，0为不限）",
    "full_approval_within_months": "转正讨论后党委审批期限（月，国家规定不超过3）",
}


def validate_local_rules(rules: LocalRules) -> dict[str, str]:
    """Field → Chinese error for values that would relax a national rule or make no sense."""
    errors: dict[str, str] = {}
    for f in fields(rules):
        value = getattr(rules, f.name)
        if value < 0 or value > 60:
            errors[f.name] = "取值应在0至60之间。"
    if not 1 <= rules.talk_within_months <= NATIONAL_TALK_WITHIN_MONTHS:
        errors["talk_within_months"] = (
            f"REC-ORDER：国家规定收到入党申请书后{NATIONAL_TALK_WITHIN_MONTHS}个月内谈话，"
            "本地规则不能放宽。"
        )
    if rules.activist_to_candidate_min_months < NATIONAL_ACTIVIST_TO_CANDIDATE_MONTHS:
        errors["activist_to_candidate_min_months"] = (
            "REC-ORDER：国家规定确定为入党积极分子满1年后方可确定为发展对象，本地规则不能放宽。"
        )
    if not 1 <= rules.approval_within_months <= NATIONAL_APPROVAL_WITHIN_MONTHS:
        errors["approval_within_months"] = (
            f"REC-ORDER：国家规定支部大会通过后{NATIONAL_APPROVAL_WITHIN_MONTHS}个月内审批，"
            "本地规则不能放宽。"
        )
    if not 1 <= rules.full_approval_within_months <= NATIONAL_FULL_APPROVAL_WITHIN_MONTHS:
        errors["full_approval_within_months"] = (
            f"REC-ORDER：国家规定转正讨论后{NATIONAL_FULL_APPROVAL_WITHIN_MONTHS}个月内审批，"
            "本地规则不能放宽。"
        )
    return errors


# --- Date arithmetic --------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar-month arithmetic; a day beyond the target month's end becomes its last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def add_months_at_least(day: dt.date, months: int) -> dt.date:
    """The first day on which at least `months` full calendar months have passed.

    Used for minimum periods ("at least one year", "aged 18"): when the target month has no
    such day (31 → February, 29 February → a non-leap year) the period completes on the
    next day, 1 March, never on the clamped last day of February. Maximum periods
    ("within one month") use the clamped `add_months`, so both readings are the strict one.
    """
    result = add_months(day, months)
    return result + dt.timedelta(days=1) if result.day < day.day else result


def eighteenth_birthday(birth: dt.date) -> dt.date:
    """The day a person reaches 18 (REC-AGE); 29 February births reach it on 1 March."""
    return add_months_at_least(birth, MIN_AGE * 12)


def age_on(birth: dt.date, day: dt.date) -> int:
    years = day.year - birth.year
    try:
        birthday = birth.replace(year=day.year)
    except ValueError:
        birthday = dt.date(day.year, 3, 1)
    return years if day >= birthday else years - 1


def fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


# --- Problems ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    rule_id: str
    message: str  # Chinese, names the rule ID and the dates involved
    field: str = "date"

    def __str__(self) -> str:
        return self.message


def _label(step: int) -> str:
    return f"第{step}步“{STEPS[step].title}”"


# --- Voting (REC-VOTE) ------------------------------------------------------------------


@dataclass(frozen=True)
class VoteTally:
    should_attend: int  # voting (full) members who should attend
    present: int  # voting members present
    written: int  # written opinions from absent voting members
    votes_for: int
    against: int
    abstain: int
    probationary_voters: tuple[str, ...] = ()  # names of probationary members among voters

    @property
    def ballots(self) -> int:
        return self.votes_for + self.against + self.abstain

    @property
    def quorum(self) -> bool:
        return self.present * 2 > self.should_attend

    @property
    def passed(self) -> bool:
        return self.quorum and self.votes_for * 2 > self.should_attend


def check_vote(tally: VoteTally) -> list[Problem]:
    """REC-VOTE: consistency of the numbers, quorum, majority of those who should attend."""
    out: list[Problem] = []
    if tally.probationary_voters:
        names = "、".join(tally.probationary_voters)
        out.append(
            Problem("REC-VOTE", f"REC-VOTE：预备党员没有表决权，{names}不能参加表决。", "voters")
        )
    values = (
        tally.should_attend,
        tally.present,
        tally.written,
        tally.votes_for,
        tally.against,
        tally.abstain,
    )
    if any(v < 0 for v in values):
        return [*out, Problem("REC-VOTE", "REC-VOTE：表决人数不能为负数。", "vote")]
    if tally.should_attend < 1:
        out.append(
            Problem("REC-VOTE", "REC-VOTE：应到有表决权的正式党员人数至少为1。", "should_attend")
        )
    if tally.present + tally.written > tally.should_attend:
        out.append(
            Problem(
                "REC-VOTE",
                f"REC-VOTE：实到{tally.present}人加书面意见{tally.written}份，超过应到有表决权的"
                f"正式党员{tally.should_attend}人。",
                "present",
            )
        )
    if tally.ballots > tally.present + tally.written:
        out.append(
            Problem(
                "REC-VOTE",
                f"REC-VOTE：赞成、反对、弃权合计{tally.ballots}票，多于实到{tally.present}人与书面意见"
                f"{tally.written}份之和。",
                "votes_for",
            )
        )
    return out


def vote_outcome_problems(tally: VoteTally, *, claims_pass: bool) -> list[Problem]:
    """Refuse to record a pass that the numbers do not support (REC-VOTE)."""
    problems = check_vote(tally)
    if problems or not claims_pass:
        return problems
    if not tally.quorum:
        return [
            Problem(
                "REC-VOTE",
                f"REC-VOTE：实到有表决权的正式党员{tally.present}人，未超过应到{tally.should_attend}人"
                "的半数，不能开会表决。",
                "present",
            )
        ]
    if not tally.passed:
        return [
            Problem(
                "REC-VOTE",
                f"REC-VOTE：赞成票{tally.votes_for}票（含书面意见），未超过应到有表决权的正式党员"
                f"{tally.should_attend}人的半数，不能记为通过。",
                "votes_for",
            )
        ]
    return []


# --- People on a step (contacts, sponsors) -----------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    name: str
    kind: str  # "full" or "probationary"
    status: str  # "normal" or other


def _not_full(people: Iterable[PersonRef]) -> list[str]:
    return [p.name for p in people if p.kind != "full" or p.status != "normal"]


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


# --- Probation (REC-PROB) ---------------------------------------------------------------


def check_extension(
    *,
    months: int,
    previous_extensions: int,
    vote_date: dt.date,
    approved_on: dt.date,
    facts: CaseFacts,
    today: dt.date,
) -> list[Problem]:
    out: list[Problem] = []
    if APPROVAL_STEP not in facts.done or facts.closed:
        return [Problem("REC-PROB", "REC-PROB：尚未被批准为预备党员，不能延长预备期。", "step")]
    if FULL_APPROVAL_STEP in facts.done:
        return [Problem("REC-PROB", "REC-PROB：已批准转为正式党员，不能延长预备期。", "step")]
    if previous_extensions >= 1:
        out.append(
            Problem("REC-PROB", "REC-PROB：预备期只能延长一次，已延长过，不能再次延长。", "months")
        )
    if not EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS:
        out.append(
            Problem(
                "REC-PROB", f"REC-PROB：延长预备期应为6至12个月，所填为{months}个月。", "months"
            )
        )
    out.extend(_decision_dates(vote_date, approved_on, facts, today))
    return out


def check_cancellation(
    *, vote_date: dt.date, approved_on: dt.date, facts: CaseFacts, today: dt.date
) -> list[Problem]:
    if APPROVAL_STEP not in facts.done or facts.closed:
        return [
            Problem("REC-PROB", "REC-PROB：尚未被批准为预备党员，不能取消预备党员资格。", "step")
        ]
    if FULL_APPROVAL_STEP in facts.done:
        return [Problem("REC-PROB", "REC-PROB：已批准转为正式党员，不能取消预备党员资格。", "step")]
    return _decision_dates(vote_date, approved_on, facts, today)


def _decision_dates(
    vote_date: dt.date, approved_on: dt.date, facts: CaseFacts, today: dt.date
) -> list[Problem]:
    out = []
    approved = facts.done[APPROVAL_STEP]
    if vote_date < approved:
        out.append(
            Problem(
                "REC-ORDER",
                f"REC-ORDER：支部大会表决日期{fmt(vote_date)}早于批准为预备党员的日期{fmt(approved)}。",
                "vote_date",
            )
        )
    if approved_on < vote_date:
        out.append(
            Problem(
                "REC-ORDER",
                f"REC-ORDER：上级党委批准日期{fmt(approved_on)}早于支部大会表决日期{fmt(vote_date)}。",
                "approved_on",
            )
        )
    if max(vote_date, approved_on) > today:
        out.append(
            Problem("REC-ORDER", f"REC-ORDER：日期不能晚于今天（{fmt(today)}）。", "approved_on")
        )
    return out


# --- Timeline helpers -------------------------------------------------------------------


def stage_of(step: int | None) -> int:
    return STEPS[step].stage if step else 5


def overdue_problems(facts: CaseFacts, rules: LocalRules, *, today: dt.date) -> list[Problem]:
    """Open steps whose latest date has passed (timeline "problems", findings)."""
    out: list[Problem] = []
    if facts.closed:
        return out
    for step in open_steps(facts):
        win = window(step, facts, rules)
        latest = (
            win.latest_special if step == APPROVAL_STEP and facts.special_reason else win.latest
        )
        if latest is not None and today > latest:
            out.append(
                Problem(
                    "REC-ORDER",
                    f"REC-ORDER：{_label(step)}最迟应在{fmt(latest)}完成，已逾期{(today - latest).days}天。",
                    "step",
                )
            )
    last = max(filter(None, [facts.done.get(6), facts.last_assessment]), default=None)
    if (
        last is not None
        and 7 not in facts.done
        and today > add_months(last, ASSESSMENT_EVERY_MONTHS)
    ):
        out.append(
            Problem(
                "REC-ORDER",
                f"REC-ORDER：入党积极分子每半年考察一次，最近一次考察为{fmt(last)}，"
                f"应在{fmt(add_months(last, ASSESSMENT_EVERY_MONTHS))}前再次考察。",
                "step",
            )
        )
    return out
