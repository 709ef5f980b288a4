"""DUES-1 … DUES-6: the table at every boundary, DUES-2 from the previous quarter, arrears."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gigbranch.members import policy, services
from gigbranch.members.models import DuesAssessment

D = Decimal


@pytest.mark.parametrize(
    ("rule", "base", "rate", "monthly"),
    [
        ("wages", "0", "0.005", "0.00"),
        ("wages", "2999.99", "0.005", "15.00"),
        ("wages", "3000", "0.005", "15.00"),
        ("wages", "3000.01", "0.01", "30.00"),
        ("wages", "5000", "0.01", "50.00"),
        ("wages", "5000.01", "0.015", "75.00"),
        ("wages", "10000", "0.015", "150.00"),
        ("wages", "10000.01", "0.02", "200.00"),
        ("gig_income", "3000", "0.005", "15.00"),
        ("gig_income", "3000.01", "0.01", "30.00"),
        ("gig_income", "5000", "0.01", "50.00"),
        ("gig_income", "5000.01", "0.015", "75.00"),
        ("gig_income", "10000", "0.015", "150.00"),
        ("gig_income", "10000.01", "0.02", "200.00"),
        ("retiree", "5000", "0.005", "25.00"),
        ("retiree", "5000.01", "0.01", "50.00"),
        ("retiree", "3000", "0.005", "15.00"),
    ],
)
def test_dues_table(rule, base, rate, monthly):
    b = D(base)
    assert (policy.retiree_rate(b) if rule == "retiree" else policy.wage_rate(b)) == D(rate)
    assert policy.monthly_dues(rule, base=b) == D(monthly)


def test_rounding_is_half_up_to_the_fen():
    # 1001 × 0.5% = 5.005 → 5.01 (banker's rounding would give 5.00)
    assert policy.monthly_dues("wages", base=D("1001")) == D("5.01")
    assert policy.monthly_dues("wages", base=D("3333.33")) == D("33.33")  # 33.3333
    assert policy.monthly_dues("wages", base=D("6333.67")) == D("95.01")  # 95.00505
    assert policy.to_fen(D("0.005")) == D("0.01")


@pytest.mark.parametrize(
    ("rule", "amount", "expected"),
    [
        ("fixed_low", None, "0.20"),
        ("farmer", None, "0.20"),
        ("farmer", "1", "1.00"),
        ("farmer", "0.5", "0.50"),
        ("reduced", "3", "3.00"),
        ("exempt", None, "0.00"),
    ],
)
def test_fixed_amounts(rule, amount, expected):
    assert policy.monthly_dues(rule, amount=D(amount) if amount else None) == D(expected)


@pytest.mark.parametrize(
    ("rule", "amount"), [("farmer", "1.01"), ("farmer", "0.19"), ("reduced", None)]
)
def test_fixed_amounts_out_of_range(rule, amount):
    with pytest.raises(ValidationError):
        policy.monthly_dues(rule, amount=D(amount) if amount else None)


def test_missing_base_refused():
    with pytest.raises(ValidationError):
        policy.monthly_dues("wages")


@given(st.decimals(min_value=0, max_value=1_000_000, places=2))
def test_rate_applies_to_whole_base_and_is_monotonic(base):
    amount = policy.monthly_dues("wages", base=base)
    assert amount == (base * policy.wage_rate(base)).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert amount >= policy.monthly_dues("wages", base=max(base - D("0.01"), D(0))) or base in (
        D("3000.01"),
        D("5000.01"),
        D("10000.01"),
    )


@pytest.mark.parametrize(
    ("as_of", "months"),
    [
        (dt.date(2026, 1, 1), [dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)]),
        (dt.date(2026, 3, 31), [dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)]),
        (dt.date(2026, 4, 1), [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]),
        (dt.date(2026, 12, 31), [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)]),
    ],
)
def test_previous_quarter(as_of, months):
    assert policy.previous_quarter(as_of) == months


def test_dues2_base_from_previous_quarter_incomes():
    incomes = {
        dt.date(2025, 9, 1): D("9999"),
        dt.date(2025, 10, 1): D("4800"),
        dt.date(2025, 11, 1): D("5300"),
        dt.date(2025, 12, 1): D("4900.01"),
        dt.date(2026, 1, 1): D("20000"),
    }
    base = policy.gig_income_base(incomes, as_of=dt.date(2026, 1, 5))
    assert base == D("5000.00")  # (4800 + 5300 + 4900.01) / 3 = 5000.003…
    assert policy.monthly_dues("gig_income", base=base) == D("50.00")
    incomes[dt.date(2025, 12, 1)] = D("4900.04")  # average 5000.0133 → 5000.01 → 1.5%
    base = policy.gig_income_base(incomes, as_of=dt.date(2026, 1, 5))
    assert base == D("5000.01")
    assert policy.monthly_dues("gig_income", base=base) == D("75.00")


def test_dues2_needs_all_three_months():
    with pytest.raises(ValidationError) as exc:
        policy.gig_income_base({dt.date(2025, 10, 1): D(1)}, as_of=dt.date(2026, 2, 1))
    assert "2025年11月" in str(exc.value) and "DUES-2" in str(exc.value)


def test_consecutive_unpaid_months():
    due = [dt.date(2026, m, 1) for m in range(1, 11)]
    assert policy.consecutive_unpaid_months(due_months=due, paid_months=[dt.date(2026, 4, 1)]) == 6
    assert policy.consecutive_unpaid_months(due_months=due, paid_months=[dt.date(2026, 5, 1)]) == 5
    assert policy.consecutive_unpaid_months(due_months=due, paid_months=[dt.date(2026, 10, 1)]) == 0
    assert policy.consecutive_unpaid_months(due_months=due, paid_months=[]) == 10


def test_dues_start_month_for_probationary():
    assert policy.dues_start_month(year=2026, vote_date=dt.date(2026, 5, 20)) == dt.date(2026, 5, 1)
    assert policy.dues_start_month(year=2026, vote_date=dt.date(2020, 5, 20)) == dt.date(2026, 1, 1)


@pytest.mark.django_db
def test_assess_gig_income_from_income_records_and_payments(branch_setup):
    member = branch_setup["member"]
    for month, amount in ((10, "4800"), (11, "5300"), (12, "4900.04")):
        services.record_income(
            actor=None, member=member, month=dt.date(2025, month, 1), net_income=amount
        )
    a = services.assess_dues(
        actor=None, member=member, year=2026, rule="gig_income", set_on=dt.date(2026, 1, 3)
    )
    assert (a.base, a.monthly_amount) == (D("5000.01"), D("75.00"))
    with pytest.raises(ValidationError):  # fixed for the year (DUES-5)
        services.assess_dues(actor=None, member=member, year=2026, rule="wages", base="1000")
    assert DuesAssessment.objects.count() == 1
    services.record_payment(
        actor=None,
        member=member,
        month=dt.date(2026, 1, 1),
        amount="75",
        channel="wechat",
        paid_on=dt.date(2026, 1, 10),
    )
    services.record_payment(
        actor=None,
        member=member,
        month=dt.date(2026, 2, 1),
        amount="70",
        channel="cash",
        paid_on=dt.date(2026, 2, 10),
    )
    arrears = services.member_arrears(member, until=dt.date(2026, 3, 15))
    assert arrears == [(dt.date(2026, 2, 1), D("5.00")), (dt.date(2026, 3, 1), D("75.00"))]
    assert services.consecutive_unpaid(member, until=dt.date(2026, 8, 1)) == 6


@pytest.mark.django_db
def test_reduced_needs_decision_and_payment_validation(branch_setup):
    member = branch_setup["member"]
    with pytest.raises(ValidationError):
        services.assess_dues(actor=None, member=member, year=2026, rule="reduced", amount="1")
    with pytest.raises(ValidationError) as exc:
        services.record_payment(
            actor=None,
            member=member,
            month=dt.date(2026, 1, 1),
            amount="-1",
            channel="bitcoin",
            paid_on=dt.date(2026, 1, 1),
        )
    assert set(exc.value.message_dict) == {"amount", "channel"}
    assert member.dues_payments.count() == 0
