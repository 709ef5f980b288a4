"""ORG rules at their boundaries (rules.md ORG-1 … ORG-8), as pure functions."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigbranch.organizations import policy
from gigbranch.organizations.policy import Thresholds


@pytest.mark.parametrize(
    ("full", "mode", "expected"),
    [
        (2, "none", None),
        (3, "none", "violation"),
        (2, "instructor", None),
        (3, "instructor", "violation"),
        (3, "joint_branch", "violation"),
        (3, "own_branch", None),
        (40, "own_branch", None),
    ],
)
def test_org1_three_full_members_should_build_own_branch(full, mode, expected):
    verdict = policy.org1_should_build(full_members=full, coverage_mode=mode)
    assert (verdict.severity if verdict else None) == expected
    if verdict:
        assert verdict.rule_id == "ORG-1"
        assert "应建未建" in verdict.summary and f"{full}名" in verdict.summary
        assert "ORG-1" in verdict.advice


def test_org1_threshold_is_configurable():
    th = Thresholds(branch_min_full_members=5)
    assert policy.org1_should_build(full_members=4, coverage_mode="none", th=th) is None
    assert policy.org1_should_build(full_members=5, coverage_mode="none", th=th) is not None


@pytest.mark.parametrize(("units", "flagged"), [(1, False), (5, False), (6, True)])
def test_org2_joint_branch_units(units, flagged):
    verdict = policy.org2_joint_units(units=units)
    assert (verdict is not None) == flagged
    if verdict:
        assert verdict.rule_id == "ORG-2" and verdict.facts == {"units": 6, "threshold": 5}


@pytest.mark.parametrize(("members", "flagged"), [(50, False), (51, True)])
def test_org3_branch_size(members, flagged):
    verdict = policy.org3_branch_size(members=members)
    assert (verdict is not None) == flagged
    if verdict:
        assert verdict.summary == "党支部有党员51名，超过一般不超过50名的要求。"


@pytest.mark.parametrize(
    ("full", "size", "expected"),
    [
        (6, 1, None),
        (6, 0, None),  # fewer than 7: a secretary is enough (ORG-8 checks the secretary)
        (7, 1, "violation"),
        (7, 2, "violation"),
        (7, 3, None),
        (7, 5, None),
        (7, 6, "info"),
        (7, 7, "info"),
        (7, 8, "violation"),
    ],
)
def test_org4_committee_boundaries(full, size, expected):
    verdict = policy.org4_committee(full_members=full, committee_size=size)
    assert (verdict.severity if verdict else None) == expected


START = dt.date(2023, 7, 1)
END = dt.date(2026, 7, 1)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (END - dt.timedelta(days=91), None),
        (END - dt.timedelta(days=90), "warning"),
        (END, "warning"),
        (END + dt.timedelta(days=1), "violation"),
    ],
)
def test_org5_term_boundaries(today, expected):
    verdict = policy.org5_term(kind="branch", term_start=START, term_years=3, today=today)
    assert (verdict.severity if verdict else None) == expected
    if expected == "violation":
        assert verdict.summary == "任期已于2026年07月01日届满，已超期1天未换届。"
    if today == END:
        assert verdict.facts["days_left"] == 0


def test_org5_default_term_years_by_kind():
    today = dt.date(2028, 6, 1)
    # committees have 5-year terms: 2023-07-01 + 5 = 2028-07-01, 30 days left → warning
    assert (
        policy.org5_term(
            kind="township_committee", term_start=START, term_years=None, today=today
        ).severity
        == "warning"
    )
    # branches 3 years → expired
    assert (
        policy.org5_term(kind="branch", term_start=START, term_years=None, today=today).severity
        == "violation"
    )
    # party groups and alliances have no term
    assert (
        policy.org5_term(kind="party_group", term_start=START, term_years=None, today=today) is None
    )
    assert (
        policy.org5_term(kind="branch", term_start=None, term_years=3, today=today).severity
        == "info"
    )


def test_org5_leap_day_start():
    assert policy.term_end(term_start=dt.date(2024, 2, 29), term_years=3) == dt.date(2027, 2, 28)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    st.integers(1, 6),
    st.integers(-400, 400),
)
def test_org5_warning_window_is_exactly_90_days(start, years, offset):
    end = policy.term_end(term_start=start, term_years=years)
    today = end + dt.timedelta(days=offset)
    verdict = policy.org5_term(kind="branch", term_start=start, term_years=years, today=today)
    if offset > 0:
        assert verdict.severity == "violation"
    elif offset >= -90:
        assert verdict.severity == "warning"
    else:
        assert verdict is None


@pytest.mark.parametrize(
    ("members", "expected"), [(49, True), (50, False), (99, False), (100, True)]
)
def test_org6_general_branch(members, expected):
    assert (policy.org6_general_branch(members=members) is not None) == expected


def test_org7_mobile_gathering():
    assert policy.org7_mobile_gathering(mobile_members=7, has_mobile_branch=False) is None
    assert (
        policy.org7_mobile_gathering(mobile_members=8, has_mobile_branch=False).rule_id == "ORG-7"
    )
    assert policy.org7_mobile_gathering(mobile_members=30, has_mobile_branch=True) is None


def test_org8_secretary():
    assert policy.org8_secretary(has_secretary=True) is None
    verdict = policy.org8_secretary(has_secretary=False)
    assert verdict.rule_id == "ORG-8" and verdict.summary == "党支部书记空缺。"
