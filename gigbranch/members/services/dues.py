"""Dues (党费): yearly assessment, incomes for DUES-2, payments, arrears, ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.core import audit
from gigbranch.organizations.models import Organization

from .. import policy
from ..models import (
    DuesAssessment,
    DuesPayment,
    DuesRule,
    IncomeRecord,
    MemberKind,
    PartyMember,
    PaymentChannel,
)


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "金额格式不正确。"}) from None
    if not amount.is_finite():
        raise ValidationError({field: "金额格式不正确。"})
    return amount


@transaction.atomic
def record_income(
    *, actor: Any, member: PartyMember, month: dt.date, net_income: Any
) -> IncomeRecord:
    amount = policy.to_fen(_money(net_income, "net_income"))
    if amount < 0:
        raise ValidationError({"net_income": "月纯收入不能为负数。"})
    rec, _ = IncomeRecord.objects.update_or_create(
        member=member, month=policy.month_start(month), defaults={"net_income": amount}
    )
    audit.record(
        actor=actor,
        action="dues.income_recorded",
        obj=member,
        changes={"month": rec.month, "net_income": amount},
    )
    return rec


@transaction.atomic
def assess_dues(
    *,
    actor: Any,
    member: PartyMember,
    year: int,
    rule: str,
    base: Any = None,
    amount: Any = None,
    decision: str = "",
    set_on: dt.date | None = None,
) -> DuesAssessment:
    """Fix the monthly dues of `year` (DUES-5: set at the start of the year).

    gig_income without a base: the base is the previous quarter's average monthly net
    income (DUES-2), taken from the member's income records as of `set_on`.
    """
    set_on = set_on or timezone.localdate()
    if rule not in DuesRule.values:
        raise ValidationError({"rule": "未知的党费计算依据。"})
    if rule in (DuesRule.REDUCED, DuesRule.EXEMPT) and not decision.strip():
        raise ValidationError({"decision": "少交或免交须注明支部决定及上级批准文号（DUES-4）。"})
    base_value = _money(base, "base") if base not in (None, "") else None
    if rule == DuesRule.GIG_INCOME and base_value is None:
        incomes = {r.month: r.net_income for r in member.incomes.all()}
        base_value = policy.gig_income_base(incomes, as_of=set_on)
    monthly = policy.monthly_dues(
        rule, base=base_value, amount=_money(amount, "amount") if amount not in (None, "") else None
    )
    if DuesAssessment.objects.filter(member=member, year=year).exists():
        raise ValidationError({"year": f"{year}年度党费已核定；年度中途不调整（DUES-5）。"})
    assessment = DuesAssessment.objects.create(
        member=member,
        year=year,
        rule=rule,
        base=policy.to_fen(base_value) if base_value is not None else None,
        monthly_amount=monthly,
        decision=decision.strip(),
        set_on=set_on,
    )
    audit.record(
        actor=actor,
        action="dues.assessed",
        obj=member,
        changes={"year": year, "rule": rule, "monthly_amount": monthly},
    )
    return assessment


@transaction.atomic
def record_payment(
    *,
    actor: Any,
    member: PartyMember,
    month: dt.date,
    amount: Any,
    channel: str,
    paid_on: dt.date,
    collector: Organization | None = None,
    voluntary: bool = False,
) -> DuesPayment:
    value = policy.to_fen(_money(amount, "amount"))
    errors: dict[str, str] = {}
    if value <= 0:
        errors["amount"] = "金额应大于0。"
    if channel not in PaymentChannel.values:
        errors["channel"] = "请选择缴纳方式。"
    month = policy.month_start(month)
    if paid_on > timezone.localdate():
        errors["paid_on"] = "缴纳日期不能晚于今天。"
    # DUES-5 allows late payment for at most 6 months; an older month is still recorded
    # (the money is accepted) and flagged in the audit trail as late_over_6.
    if (
        member.kind == MemberKind.PROBATIONARY
        and member.joined_on
        and month < policy.month_start(member.joined_on)
    ):
        errors["month"] = "预备党员自支部大会通过之日起交纳党费（DUES-5），该月份早于表决日期。"
    if errors:
        raise ValidationError(errors)
    payment = DuesPayment.objects.create(
        member=member,
        month=month,
        amount=value,
        channel=channel,
        paid_on=paid_on,
        collector=collector or member.organization or member.inflow_organization,
        voluntary=voluntary,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    late = policy.months_elapsed(month, paid_on) > policy.LATE_LIMIT_MONTHS
    audit.record(
        actor=actor,
        action="dues.paid",
        obj=member,
        changes={"month": month, "amount": value, "channel": channel, "late_over_6": late},
    )
    return payment


def due_by_month(member: PartyMember, *, until: dt.date) -> dict[dt.date, Decimal]:
    """Amount due per month from the start of each assessed year (or the vote date,
    DUES-5) up to `until`'s month."""
    return due_months(
        member.dues_assessments.filter(year__lte=until.year),
        vote_date=member.joined_on,
        until=until,
    )


def due_months(
    assessments: Iterable[DuesAssessment], *, vote_date: dt.date | None, until: dt.date
) -> dict[dt.date, Decimal]:
    """Amount due per month for the given assessments, up to `until`'s month (DUES-5:
    probationary members pay from the month of the vote). No database access."""
    out: dict[dt.date, Decimal] = {}
    for a in assessments:
        if a.year > until.year:
            continue
        start = policy.dues_start_month(year=a.year, vote_date=vote_date)
        end = min(dt.date(a.year, 12, 1), policy.month_start(until))
        for m in policy.months_between(start, end) if start <= end else []:
            out[m] = a.monthly_amount
    return out


def paid_by_month(member: PartyMember) -> dict[dt.date, Decimal]:
    return paid_months(member.dues_payments.values_list("month", "amount"))


def paid_months(payments: Iterable[tuple[dt.date, Decimal]]) -> dict[dt.date, Decimal]:
    """Total paid per month from (month, amount) pairs, summed as Decimal in Python: exact
    to the fen on every database (SQLite's SUM over decimals returns a float-derived value
    such as 136.8000000000000). No database access."""
    out: dict[dt.date, Decimal] = {}
    for month, amount in payments:
        out[month] = out.get(month, Decimal(0)) + amount
    return out


def member_arrears(member: PartyMember, *, until: dt.date) -> list[tuple[dt.date, Decimal]]:
    return policy.arrears(due=due_by_month(member, until=until), paid=paid_by_month(member))


def consecutive_unpaid(member: PartyMember, *, until: dt.date) -> int:
    due = {m: v for m, v in due_by_month(member, until=until).items() if v > 0}
    return policy.consecutive_unpaid_months(due_months=due, paid_months=paid_by_month(member))
