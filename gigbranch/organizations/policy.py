"""ORG rules as pure functions (rules.md ORG-1 … ORG-8). No database access here.

Each function takes plain facts and a `Thresholds` (the jurisdiction's rule-set, defaults
from rules.md) and returns a `Verdict` or None. The checkers in `rules.py` read the data,
call these and turn verdicts into findings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gigbranch.core.findings import Severity


@dataclass(frozen=True)
class Thresholds:
    """rules.md values; a jurisdiction may override each one (OrgRuleSet)."""

    branch_min_full_members: int = 3  # ORG-1
    joint_branch_max_units: int = 5  # ORG-2
    branch_max_members: int = 50  # ORG-3
    committee_min_full_members: int = 7  # ORG-4
    committee_min_size: int = 3  # ORG-4
    committee_normal_max_size: int = 5  # ORG-4
    committee_max_size: int = 7  # ORG-4
    branch_term_years: int = 3  # ORG-5
    committee_term_years: int = 5  # ORG-5
    term_warning_days: int = 90  # ORG-5
    general_branch_min_members: int = 50  # ORG-6
    basic_committee_min_members: int = 100  # ORG-6
    mobile_gathering_min_members: int = 8  # ORG-7 (local practice)

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.__dataclass_fields__)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Verdict:
    rule_id: str
    severity: str
    summary: str
    advice: str
    facts: dict[str, Any] = field(default_factory=dict)


def org1_should_build(
    *, full_members: int, coverage_mode: str, th: Thresholds = DEFAULT_THRESHOLDS
) -> Verdict | None:
    """ORG-1: a workplace with 3 or more full members should have its own branch (应建未建)."""
    if full_members < th.branch_min_full_members or coverage_mode == "own_branch":
        return None
    how = {"joint_branch": "目前由联合党支部覆盖", "instructor": "目前仅由党建工作指导员覆盖"}.get(
        coverage_mode, "目前未覆盖"
    )
    return Verdict(
        "ORG-1",
        Severity.VIOLATION,
        f"应建未建：有正式党员{full_members}名（达到{th.branch_min_full_members}名），{how}，尚未单独建立党支部。",
        "按照ORG-1，正式党员3人以上的单位应当单独成立党支部：请属地或行业党委指导该单位组建党支部，并在系统中登记。",
        {
            "full_members": full_members,
            "threshold": th.branch_min_full_members,
            "coverage_mode": coverage_mode,
        },
    )


def org2_joint_units(*, units: int, th: Thresholds = DEFAULT_THRESHOLDS) -> Verdict | None:
    """ORG-2: a joint branch normally covers at most 5 units."""
    if units <= th.joint_branch_max_units:
        return None
    return Verdict(
        "ORG-2",
        Severity.WARNING,
        f"联合党支部覆盖{units}个单位，超过一般不超过{th.joint_branch_max_units}个的要求。",
        "按照ORG-2，请调整联合党支部的覆盖范围，或将部分单位划入其他联合党支部、单独建立党支部。",
        {"units": units, "threshold": th.joint_branch_max_units},
    )


def org3_branch_size(*, members: int, th: Thresholds = DEFAULT_THRESHOLDS) -> Verdict | None:
    """ORG-3: a branch normally has at most 50 members."""
    if members <= th.branch_max_members:
        return None
    return Verdict(
        "ORG-3",
        Severity.WARNING,
        f"党支部有党员{members}名，超过一般不超过{th.branch_max_members}名的要求。",
        "按照ORG-3，请研究将该党支部分设，或经上级党组织批准成立党总支。",
        {"members": members, "threshold": th.branch_max_members},
    )


def org4_committee(
    *, full_members: int, committee_size: int, th: Thresholds = DEFAULT_THRESHOLDS
) -> Verdict | None:
    """ORG-4: 7+ full members → a branch committee of 3–5 (normally not more than 7).

    `committee_size` counts the secretary and the other committee members.
    """
    facts = {"full_members": full_members, "committee_size": committee_size}
    if full_members < th.committee_min_full_members:
        return None
    if committee_size < th.committee_min_size:
        return Verdict(
            "ORG-4",
            Severity.VIOLATION,
            f"党支部有正式党员{full_members}名（达到{th.committee_min_full_members}名），"
            f"支部委员会仅{committee_size}人，应设{th.committee_min_size}至{th.committee_normal_max_size}人。",
            "按照ORG-4，请召开党员大会选举产生支部委员会（书记、组织委员、宣传委员、纪检委员等），并报上级党组织批准。",
            facts,
        )
    if committee_size > th.committee_max_size:
        return Verdict(
            "ORG-4",
            Severity.VIOLATION,
            f"支部委员会有{committee_size}人，超过最多{th.committee_max_size}人的要求。",
            "按照ORG-4，请在换届时按3至5人（一般不超过7人）的要求调整支部委员会人数。",
            facts,
        )
    if committee_size > th.committee_normal_max_size:
        return Verdict(
            "ORG-4",
            Severity.INFO,
            f"支部委员会有{committee_size}人，一般为{th.committee_min_size}至{th.committee_normal_max_size}人。",
            "按照ORG-4，换届时可研究精简支部委员会人数。",
            facts,
        )
    return None


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def term_end(*, term_start: dt.date, term_years: int) -> dt.date:
    """The last day of a term: the anniversary `term_years` later (ORG-5)."""
    return add_years(term_start, term_years)


COMMITTEE_TERM_KINDS = {
    "industry_committee",
    "township_committee",
    "street_committee",
    "committee",
}
BRANCH_TERM_KINDS = {"general_branch", "branch", "joint_branch", "mobile_branch"}


def default_term_years(kind: str, th: Thresholds = DEFAULT_THRESHOLDS) -> int | None:
    if kind in COMMITTEE_TERM_KINDS:
        return th.committee_term_years
    if kind in BRANCH_TERM_KINDS:
        return th.branch_term_years
    return None


def org5_term(
    *,
    kind: str,
    term_start: dt.date | None,
    term_years: int | None,
    today: dt.date,
    th: Thresholds = DEFAULT_THRESHOLDS,
) -> Verdict | None:
    """ORG-5: branches 3 years, committees 5; warn 90 days ahead, flag an expired term.

    The term runs to its end day inclusive: end − 90 … end is a warning, end + 1 expired.
    """
    years = term_years or default_term_years(kind, th)
    if years is None:
        return None
    if term_start is None:
        return Verdict(
            "ORG-5",
            Severity.INFO,
            "未登记本届任期开始日期，无法提醒换届。",
            "请登记本届班子的选举日期和任期年限，系统将在任期届满前提醒。",
            {"kind": kind},
        )
    end = term_end(term_start=term_start, term_years=years)
    facts = {
        "term_start": term_start.isoformat(),
        "term_years": years,
        "term_end": end.isoformat(),
        "today": today.isoformat(),
    }
    if today > end:
        overdue = (today - end).days
        return Verdict(
            "ORG-5",
            Severity.VIOLATION,
            f"任期已于{end:%Y年%m月%d日}届满，已超期{overdue}天未换届。",
            "按照ORG-5，请及时按期换届；确需延期的，须报上级党组织批准，延期一般不超过1年。",
            facts | {"days_overdue": overdue},
        )
    left = (end - today).days
    if left <= th.term_warning_days:
        return Verdict(
            "ORG-5",
            Severity.WARNING,
            f"任期将于{end:%Y年%m月%d日}届满（还有{left}天）。",
            "按照ORG-5，请提前做好换届选举准备，并向上级党组织报告。",
            facts | {"days_left": left},
        )
    return None


def org6_general_branch(*, members: int, th: Thresholds = DEFAULT_THRESHOLDS) -> Verdict | None:
    """ORG-6: a general branch is for about 50–100 members; 100+ suggests a basic committee."""
    if members >= th.basic_committee_min_members:
        return Verdict(
            "ORG-6",
            Severity.INFO,
            f"党总支所属党员{members}名，达到{th.basic_committee_min_members}名。",
            "按照ORG-6，党员100人以上的，可经上级党组织批准成立基层党委。",
            {"members": members, "threshold": th.basic_committee_min_members},
        )
    if members < th.general_branch_min_members:
        return Verdict(
            "ORG-6",
            Severity.INFO,
            f"党总支所属党员{members}名，不足一般设立党总支的{th.general_branch_min_members}名。",
            "按照ORG-6，党员人数较少的，可研究改设党支部。",
            {"members": members, "threshold": th.general_branch_min_members},
        )
    return None


def org7_mobile_gathering(
    *, mobile_members: int, has_mobile_branch: bool, th: Thresholds = DEFAULT_THRESHOLDS
) -> Verdict | None:
    """ORG-7: where many mobile members gather, a mobile members' branch can be set up."""
    if has_mobile_branch or mobile_members < th.mobile_gathering_min_members:
        return None
    return Verdict(
        "ORG-7",
        Severity.INFO,
        f"有{mobile_members}名组织关系不在本县的流动党员在此聚集，尚无流动党员党支部。",
        "按照ORG-7，经流出地和流入地党组织商定，可成立流动党员党支部，或督促党员转接组织关系（MOB-1）。",
        {"mobile_members": mobile_members, "threshold": th.mobile_gathering_min_members},
    )


def org8_secretary(*, has_secretary: bool) -> Verdict | None:
    """ORG-8: every branch has a secretary; a vacancy is a finding."""
    if has_secretary:
        return None
    return Verdict(
        "ORG-8",
        Severity.VIOLATION,
        "党支部书记空缺。",
        "按照ORG-8，请尽快选举产生或由上级党组织指定党支部书记，并在系统中登记。",
        {},
    )
