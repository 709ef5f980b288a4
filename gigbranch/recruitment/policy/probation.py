"""Probation (REC-PROB) and timeline helpers. Pure functions, no database."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass
from .steps import (
    APPROVAL_STEP,
    ASSESSMENT_EVERY_MONTHS,
    EXTENSION_MAX_MONTHS,
    EXTENSION_MIN_MONTHS,
    FULL_APPROVAL_STEP,
    STEPS,
    LocalRules,
    Problem,
    _label,
    add_months,
    fmt,
)
from .timing import CaseFacts, open_steps, window

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
