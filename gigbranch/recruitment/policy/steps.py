"""The 25 steps and their stages, national constants, local rules, date arithmetic and `Problem` (rules.md REC-*). Pure functions, no database."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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
