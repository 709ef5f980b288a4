"""Opening hours (overnight, 24 hours, holiday closures) and known distances."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigbranch.stations import rules
from gigbranch.stations.rules import Period, Schedule, haversine_km, is_open

T = dt.time
D = dt.datetime
MON = dt.date(2026, 3, 2)  # a Monday


def every_day(opens: dt.time, closes: dt.time) -> tuple[Period, ...]:
    return tuple(Period(d, opens, closes) for d in range(7))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (D(2026, 3, 2, 7, 59, 59), False),
        (D(2026, 3, 2, 8, 0), True),
        (D(2026, 3, 2, 19, 59, 59), True),
        (D(2026, 3, 2, 20, 0), False),  # closing time is exclusive
    ],
)
def test_day_hours_boundaries(at, expected):
    assert is_open(Schedule(periods=every_day(T(8), T(20))), at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (D(2026, 3, 2, 21, 59), False),
        (D(2026, 3, 2, 22, 0), True),
        (D(2026, 3, 2, 23, 59), True),
        (D(2026, 3, 3, 0, 0), True),  # after midnight: still Monday's period
        (D(2026, 3, 3, 5, 59), True),
        (D(2026, 3, 3, 6, 0), False),
    ],
)
def test_overnight_period_runs_into_next_day(at, expected):
    # Only Monday night 22:00 – Tuesday 06:00.
    assert is_open(Schedule(periods=(Period(0, T(22), T(6)),)), at) is expected


def test_overnight_tail_on_sunday_wraps_to_monday():
    schedule = Schedule(periods=(Period(6, T(20), T(2)),))
    assert is_open(schedule, D(2026, 3, 9, 1, 30)) is True  # Monday 01:30
    assert is_open(schedule, D(2026, 3, 9, 2, 0)) is False


def test_24_hours_open_at_any_time():
    schedule = Schedule(always_open=True)
    for hour in range(24):
        assert is_open(schedule, D(2026, 3, 2, hour, 30)) is True
    assert rules.status_text(schedule, D(2026, 3, 2, 3, 0)) == "24小时营业"


def test_equal_open_and_close_is_a_24_hour_period():
    schedule = Schedule(periods=(Period(0, T(8), T(8)),))
    assert is_open(schedule, D(2026, 3, 3, 7, 59)) is True
    assert is_open(schedule, D(2026, 3, 3, 8, 0)) is False


def test_holiday_closure_only_when_station_closes_on_holidays():
    national_day = dt.date(2026, 10, 1)
    periods = every_day(T(8), T(20))
    at = D(2026, 10, 1, 10, 0)
    assert is_open(Schedule(periods=periods, holidays=frozenset({national_day})), at) is True
    closing = Schedule(periods=periods, closed_on_holidays=True, holidays=frozenset({national_day}))
    assert is_open(closing, at) is False
    assert is_open(closing, D(2026, 9, 30, 10, 0)) is True


def test_holiday_closure_of_24h_station_covers_the_whole_day():
    holiday = dt.date(2026, 10, 1)
    schedule = Schedule(always_open=True, closed_on_holidays=True, holidays=frozenset({holiday}))
    assert is_open(schedule, D(2026, 9, 30, 23, 59)) is True
    assert is_open(schedule, D(2026, 10, 1, 0, 0)) is False
    assert is_open(schedule, D(2026, 10, 1, 23, 59)) is False
    assert is_open(schedule, D(2026, 10, 2, 0, 0)) is True
    assert rules.open_until(schedule, D(2026, 9, 30, 12, 0)) == D(2026, 10, 1, 0, 0)


def test_closure_cancels_periods_opening_that_day_but_not_last_nights_tail():
    periods = every_day(T(22), T(6))
    schedule = Schedule(periods=periods, closures=((dt.date(2026, 3, 3), dt.date(2026, 3, 3)),))
    assert is_open(schedule, D(2026, 3, 3, 5, 0)) is True  # Monday night's tail
    assert is_open(schedule, D(2026, 3, 3, 23, 0)) is False  # Tuesday night cancelled
    assert is_open(schedule, D(2026, 3, 4, 3, 0)) is False
    assert is_open(schedule, D(2026, 3, 4, 22, 0)) is True


def test_status_text_and_next_opening():
    schedule = Schedule(periods=every_day(T(8), T(20)))
    assert rules.status_text(schedule, D(2026, 3, 2, 10, 0)) == "营业中（至20:00）"
    assert rules.status_text(schedule, D(2026, 3, 2, 21, 0)) == "已休息（明天08:00开门）"
    assert rules.status_text(schedule, D(2026, 3, 2, 6, 0)) == "已休息（08:00开门）"
    assert rules.status_text(Schedule(), D(2026, 3, 2, 6, 0)) == "暂停开放"


def test_aware_times_are_read_on_the_local_wall_clock():
    # Monday 2 Mar 2026 13:00 UTC = 21:00 Beijing: an 08:00–20:00 station has closed.
    schedule = Schedule(periods=every_day(T(8), T(20)))
    late = D(2026, 3, 2, 13, 0, tzinfo=dt.UTC)
    assert is_open(schedule, late) is False
    assert rules.status_text(schedule, late) == "已休息（明天08:00开门）"
    assert rules.next_opening(schedule, late) == D(2026, 3, 3, 8, 0)
    # Sunday 1 Mar 23:30 UTC = Monday 07:30 Beijing: opens at 08:00 today.
    assert (
        rules.status_text(schedule, D(2026, 3, 1, 23, 30, tzinfo=dt.UTC)) == "已休息（08:00开门）"
    )
    # 02:00 UTC = 10:00 Beijing.
    assert rules.open_until(schedule, D(2026, 3, 2, 2, 0, tzinfo=dt.UTC)) == D(2026, 3, 2, 20, 0)


@pytest.mark.parametrize(
    ("text", "always", "count", "first"),
    [
        ("24小时", True, 0, None),
        ("08:00-20:00", False, 7, Period(0, T(8), T(20))),
        ("周一至周五 08:00-20:00；周六 09:00-12:00", False, 6, Period(0, T(8), T(20))),
        ("22:00～06:00", False, 7, Period(0, T(22), T(6))),
        ("周六、日 10:00-16:00", False, 2, Period(5, T(10), T(16))),
    ],
)
def test_parse_hours(text, always, count, first):
    always_open, periods = rules.parse_hours(text)
    assert always_open is always
    assert len(periods) == count
    if first:
        assert periods[0] == first


@pytest.mark.parametrize("text", ["", "早上八点", "周八 08:00-09:00", "08:00"])
def test_parse_hours_rejects(text):
    with pytest.raises(ValueError):
        rules.parse_hours(text)


def test_hours_label():
    _a, periods = rules.parse_hours("周一至周五 08:00-20:00；周六 22:00-06:00")
    assert rules.hours_label(False, periods) == "周一至周五 08:00–20:00；周六 22:00–次日06:00"
    assert rules.hours_label(True, ()) == "24小时开放"


# Known pairs (great-circle on the mean-radius sphere).
@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((39.9042, 116.4074), (31.2304, 121.4737), 1067.3),  # Beijing – Shanghai
        # Rosetta Code's haversine pair (BNA–LAX: 2887.2599506 km at R = 6372.8 km)
        ((36.12, -86.67), (33.94, -118.40), 2887.2599506071106 * 6371.0088 / 6372.8),
        ((0.0, 0.0), (0.0, 1.0), 111.195),  # one degree on the equator
        ((0.0, 0.0), (1.0, 0.0), 111.195),  # one degree of latitude
        ((0.0, 179.5), (0.0, -179.5), 111.195),  # across the antimeridian
        ((90.0, 0.0), (-90.0, 0.0), 20015.1),  # pole to pole
    ],
)
def test_known_distances(a, b, km):
    assert haversine_km(*a, *b) == pytest.approx(km, abs=0.6 if km > 1000 else 0.05)


def test_rosetta_pair_exact():
    assert haversine_km(36.12, -86.67, 33.94, -118.40) == pytest.approx(
        2887.2599506071106 * 6371.0088 / 6372.8, rel=1e-12
    )


def test_distance_is_zero_and_symmetric():
    assert haversine_km(29.87, 120.35, 29.87, 120.35) == 0.0
    assert haversine_km(29.87, 120.35, 30.0, 121.0) == haversine_km(30.0, 121.0, 29.87, 120.35)


lat_s = st.floats(min_value=-89.0, max_value=89.0, allow_nan=False)
lng_s = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)


@given(lat_s, lng_s, lat_s, lng_s, st.floats(min_value=0.01, max_value=5000.0))
def test_bounding_box_contains_every_point_within_radius(lat, lng, plat, plng, radius):
    if haversine_km(lat, lng, plat, plng) > radius:
        return
    box = rules.bounding_box(lat, lng, radius)
    eps = 1e-9
    assert box.min_lat - eps <= plat <= box.max_lat + eps
    if box.lng_ranges:
        assert any(lo - eps <= plng <= hi + eps for lo, hi in box.lng_ranges)
