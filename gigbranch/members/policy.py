"""Pure rules for members, dues, transfers and points (no database).

Rule IDs refer to shared/domain/rules.md: DUES-1 … DUES-6, MOB-1 … MOB-4, BURDEN-2.
Money is Decimal, rounded to the fen (0.01 yuan) half up (DUES-6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (DUES-6)."""
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


# --- DUES-1 / DUES-2 / DUES-3 rates ------------------------------------------------------

WAGE_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIREE_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("5000"), Decimal("0.005")),
    (None, Decimal("0.01")),
)
FIXED_LOW_AMOUNT = Decimal("0.20")  # DUES-4: students, unemployed, minimum-living allowance
FARMER_MIN, FARMER_MAX = Decimal("0.20"), Decimal("1.00")  # DUES-4, province sets the value


def _rate(base: Decimal, brackets: tuple[tuple[Decimal | None, Decimal], ...]) -> Decimal:
    for upper, rate in brackets:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("unreachable")


def wage_rate(base: Decimal) -> Decimal:
    """DUES-1/DUES-2: ≤3000 → 0.5%; ≤5000 → 1%; ≤10000 → 1.5%; above → 2% (whole base)."""
    return _rate(base, WAGE_BRACKETS)


def retiree_rate(base: Decimal) -> Decimal:
    """DUES-3: ≤5000 → 0.5%; above → 1% of the basic pension."""
    return _rate(base, RETIREE_BRACKETS)


def monthly_dues(
    rule: str, *, base: Decimal | None = None, amount: Decimal | None = None
) -> Decimal:
    """The monthly dues for a rule (values of members.models.DuesRule).

    wages, gig_income: rate × base (DUES-1, DUES-2); retiree: DUES-3; fixed_low: 0.20;
    farmer: the given amount, 0.20–1.00; reduced: the given amount (branch decision);
    exempt: 0.00 (DUES-4).
    """
    if rule in ("wages", "gig_income", "retiree"):
        if base is None:
            raise ValidationError({"base": "请填写计算基数（DUES-1至DUES-3）。"})
        base = Decimal(base)
        if base < 0:
            raise ValidationError({"base": "计算基数不能为负数。"})
        rate = retiree_rate(base) if rule == "retiree" else wage_rate(base)
        return to_fen(base * rate)
    if rule == "fixed_low":
        return FIXED_LOW_AMOUNT
    if rule == "farmer":
        value = to_fen(Decimal(amount if amount is not None else FARMER_MIN))
        if not FARMER_MIN <= value <= FARMER_MAX:
            raise ValidationError({"amount": "农民党员每月交纳0.2元至1元（DUES-4）。"})
        return value
    if rule == "reduced":
        if amount is None or Decimal(amount) < 0:
            raise ValidationError({"amount": "少交须填写经支部决定的月交纳额（DUES-4）。"})
        return to_fen(Decimal(amount))
    if rule == "exempt":
        return Decimal("0.00")
    raise ValidationError({"rule": "未知的党费计算依据。"})


# --- months and quarters -----------------------------------------------------------------


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Month starts from `first`'s month to `last`'s month, inclusive."""
    out, m, end = [], month_start(first), month_start(last)
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def previous_quarter(as_of: dt.date) -> list[dt.date]:
    """The three month starts of the calendar quarter before the one containing `as_of`."""
    quarter_first = dt.date(as_of.year, (as_of.month - 1) // 3 * 3 + 1, 1)
    return [add_months(quarter_first, k) for k in (-3, -2, -1)]


def gig_income_base(incomes: Mapping[dt.date, Decimal], *, as_of: dt.date) -> Decimal:
    """DUES-2: base = average monthly net income of the previous quarter, to the fen.

    `incomes` maps month starts to net income. All three months must be declared (a month
    with no income is declared as 0).
    """
    months = previous_quarter(as_of)
    missing = [m for m in months if m not in incomes]
    if missing:
        labels = "、".join(f"{m.year}年{m.month}月" for m in missing)
        raise ValidationError({"base": f"缺少上一季度{labels}的月纯收入，无法按DUES-2核定。"})
    return to_fen(sum((Decimal(incomes[m]) for m in months), Decimal(0)) / 3)


def dues_start_month(*, year: int, vote_date: dt.date | None) -> dt.date:
    """DUES-5: probationary members pay from the month of the vote."""
    first = dt.date(year, 1, 1)
    if vote_date and vote_date > first:
        return month_start(vote_date)
    return first


def arrears(
    *, due: Mapping[dt.date, Decimal], paid: Mapping[dt.date, Decimal]
) -> list[tuple[dt.date, Decimal]]:
    """Months where the payments fall short of the amount due, with the shortfall."""
    out = []
    for month in sorted(due):
        short = to_fen(due[month] - paid.get(month, Decimal(0)))
        if short > 0:
            out.append((month, short))
    return out


def consecutive_unpaid_months(
    *, due_months: Iterable[dt.date], paid_months: Iterable[dt.date]
) -> int:
    """DUES-6: the length of the run of months, ending with the latest month due, in which
    nothing was paid. Months with nothing due (exempt) are not counted."""
    paid = set(paid_months)
    run = 0
    for month in sorted(set(due_months), reverse=True):
        if month in paid:
            break
        run += 1
    return run


DUES6_MONTHS = 6
LATE_LIMIT_MONTHS = 6  # DUES-5: late by at most 6 months


# --- MOB ---------------------------------------------------------------------------------

MOB1_MONTHS = 6
MOB4_SUSPEND_MONTHS = 6
MOB4_LEFT_YEARS = 2


def months_elapsed(since: dt.date, today: dt.date) -> int:
    """Whole months from `since` to `today` (a month counts once its day is reached)."""
    months = (today.year - since.year) * 12 + today.month - since.month
    if today.day < since.day:
        months -= 1
    return max(months, 0)


def mob1_due(*, away_since: dt.date | None, today: dt.date, transfer_open_or_done: bool) -> bool:
    """MOB-1: away 6 months or more at a fairly fixed place without a transfer."""
    if away_since is None or transfer_open_or_done:
        return False
    return months_elapsed(away_since, today) >= MOB1_MONTHS


def mob4_stage(*, lost_contact_since: dt.date | None, today: dt.date) -> str:
    """MOB-4: "" (nothing), "suspend" (≥6 months: consider suspending), "left" (≥2 years)."""
    if not lost_contact_since:
        return ""
    months = months_elapsed(lost_contact_since, today)
    if months >= MOB4_LEFT_YEARS * 12:
        return "left"
    if months >= MOB4_SUSPEND_MONTHS:
        return "suspend"
    return ""


# --- status transitions ------------------------------------------------------------------

# Member status changes: only by a recorded branch decision (MOB-4, DUES-6).
MEMBER_STATUS_MOVES: dict[str, set[str]] = {
    "normal": {"lost_contact", "suspended", "left"},
    "lost_contact": {"normal", "suspended", "left"},
    "suspended": {"normal", "left"},
    "left": set(),
}

# Transfers (MOB-3): request → sending committee approves (letter) → receiving side
# accepts → completed. Either side may return it with a reason; the requester may cancel.
TRANSFER_MOVES: dict[str, set[str]] = {
    "requested": {"approved", "rejected", "cancelled"},
    "approved": {"accepted", "rejected", "cancelled"},
    "accepted": {"completed"},
    "completed": set(),
    "rejected": set(),
    "cancelled": set(),
}
TRANSFER_STALL_DAYS = 30  # MOB-3: a step not taken in this many days is a finding


def check_move(table: Mapping[str, set[str]], current: str, target: str, *, what: str) -> None:
    if target not in table.get(current, set()):
        raise ValidationError(f"{what}不能从“{current}”变更为“{target}”。")


# --- points (BURDEN-2) -------------------------------------------------------------------

# Activity metrics are never merit (BURDEN-2): app use, online time, study duration,
# likes, shares, check-ins.
FORBIDDEN_POINT_KINDS = frozenset(
    {
        "login",
        "app_open",
        "online_time",
        "study_duration",
        "like",
        "share",
        "check_in",
        "sign_in",
        "view",
    }
)


ACTIVITY_METRIC_MESSAGE = (
    "依据BURDEN-2，登录、在线时长、学习时长、点赞、转发等应用活跃度不计入积分。"
)


def is_activity_metric(event_kind: str) -> bool:
    """BURDEN-2: True for event kinds that measure app activity (login, online time, study
    duration, likes, shares …), which may never earn points. Plural spellings count too."""
    kind = event_kind.strip().lower().replace("-", "_").replace(" ", "_")
    return kind in FORBIDDEN_POINT_KINDS or kind.removesuffix("s") in FORBIDDEN_POINT_KINDS


def period_bounds(period: str, at: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of the month, quarter or year containing `at`."""
    if period == "month":
        start = month_start(at)
        return start, add_months(start, 1)
    if period == "quarter":
        start = dt.date(at.year, (at.month - 1) // 3 * 3 + 1, 1)
        return start, add_months(start, 3)
    if period == "year":
        return dt.date(at.year, 1, 1), dt.date(at.year + 1, 1, 1)
    raise ValueError(period)


def capped_points(*, requested: int, already: int, cap: int | None) -> int:
    """Points to award under a per-period cap."""
    if cap is None:
        return requested
    return max(0, min(requested, cap - already))
