"""Working days and hours on the national calendar (rules.md APL-3)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gigbranch.core import services, sweeps
from gigbranch.core.models import SystemNotice
from gigbranch.core.workcalendar import WorkCalendar, default_calendar, parse_periods

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def test_spring_festival_week_2026_has_no_working_days():
    assert CAL.working_days_in(dt.date(2026, 2, 15), dt.date(2026, 2, 23)) == []


def test_make_up_saturday_2026_02_28_is_a_working_day():
    assert dt.date(2026, 2, 28).weekday() == 5
    assert CAL.is_working_day(dt.date(2026, 2, 28)) is True


def test_ordinary_weekend_is_not_a_working_day():
    assert CAL.is_working_day(dt.date(2026, 3, 7)) is False


def test_four_working_hours_across_national_day_2026():
    start = dt.datetime(2026, 9, 30, 16, 0, tzinfo=SH)  # Wednesday
    assert CAL.add_working_hours(start, 4) == dt.datetime(2026, 10, 8, 11, 0, tzinfo=SH)


def test_working_hours_skip_the_lunch_break():
    start = dt.datetime(2026, 3, 2, 11, 0, tzinfo=SH)  # Monday
    assert CAL.add_working_hours(start, 2) == dt.datetime(2026, 3, 2, 14, 30, tzinfo=SH)


def test_start_outside_working_time_counts_from_next_period():
    start = dt.datetime(2026, 3, 6, 20, 0, tzinfo=SH)  # Friday evening
    assert CAL.add_working_hours(start, 1) == dt.datetime(2026, 3, 9, 10, 0, tzinfo=SH)


def test_exact_end_of_period_stays_on_that_day():
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    assert CAL.add_working_hours(start, 3) == dt.datetime(2026, 3, 2, 12, 0, tzinfo=SH)


def test_add_working_days_over_make_up_day():
    # 2026-10-09 is Friday; 10-10 is a make-up Saturday, so one working day later is 10-10.
    start = dt.datetime(2026, 10, 9, 10, 0, tzinfo=SH)
    assert CAL.add_working_days(start, 1) == dt.datetime(2026, 10, 10, 10, 0, tzinfo=SH)


def test_unknown_year_falls_back_to_monday_to_friday():
    cal = WorkCalendar()
    assert cal.is_working_day(dt.date(2027, 1, 4)) is True  # Monday
    assert cal.is_working_day(dt.date(2027, 1, 2)) is False  # Saturday


def test_overrides_win_over_the_package():
    cal = WorkCalendar(overrides={dt.date(2027, 1, 1): False, dt.date(2027, 1, 2): True})
    assert cal.is_working_day(dt.date(2027, 1, 1)) is False
    assert cal.is_working_day(dt.date(2027, 1, 2)) is True


def test_configurable_periods():
    periods = parse_periods(["08:30-12:00", "14:00-17:30"])
    cal = WorkCalendar(periods=periods)
    start = dt.datetime(2026, 3, 2, 11, 0, tzinfo=SH)
    assert cal.add_working_hours(start, 2) == dt.datetime(2026, 3, 2, 15, 0, tzinfo=SH)


def test_bad_period_is_refused():
    with pytest.raises(ValueError):
        parse_periods(["12:00-09:00"])


@pytest.mark.django_db
def test_admin_override_is_used_by_default_calendar(county_admin):
    services.set_calendar_day(
        actor=county_admin, date=dt.date(2027, 1, 1), is_working_day=False, name="元旦"
    )
    assert default_calendar().is_working_day(dt.date(2027, 1, 1)) is False


@pytest.mark.django_db
class TestMissingCalendarSweep:
    def test_warns_in_november_when_next_year_is_missing_and_is_idempotent(self):
        with time_machine.travel(dt.datetime(2026, 11, 29, 10, tzinfo=SH)):
            assert sweeps.check_calendar() == 2027
            assert sweeps.check_calendar() == 2027
        notices = SystemNotice.objects.filter(
            key=sweeps.CALENDAR_NOTICE_KEY, resolved_at__isnull=True
        )
        assert notices.count() == 1
        assert "2027年" in notices.get().message

    def test_notice_resolves_once_the_year_is_loaded(self, county_admin):
        with time_machine.travel(dt.datetime(2026, 11, 29, 10, tzinfo=SH)):
            sweeps.check_calendar()
            services.mark_year_loaded(actor=county_admin, year=2027, note="国办发明电〔2026〕")
            assert sweeps.check_calendar() is None
        assert not SystemNotice.objects.filter(resolved_at__isnull=True).exists()

    def test_no_warning_before_october(self):
        with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=SH)):
            assert sweeps.check_calendar() is None


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 1)),
    a=st.integers(min_value=0, max_value=60),
    b=st.integers(min_value=0, max_value=60),
)
def test_adding_working_hours_is_additive_and_lands_in_working_time(start, a, b):
    start = start.replace(tzinfo=SH, second=0, microsecond=0)
    one_go = CAL.add_working_hours(start, a + b)
    two_steps = CAL.add_working_hours(CAL.add_working_hours(start, a), b)
    assert one_go == two_steps
    if a + b > 0:
        assert CAL.is_working_day(one_go.date())
        assert any(p_start < one_go.time() <= p_end for p_start, p_end in CAL.periods)


# --- The calendar works on the configured zone's wall clock (ADR 0027) -------------------

UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def sh(*args):
    return dt.datetime(*args, tzinfo=SH)


def test_utc_input_is_counted_on_beijing_working_hours():
    # 08:00 UTC = 16:00 Beijing on Thursday 24 Sep 2026: two working hours end at 18:00
    # Beijing, not at 11:00 UTC (19:00 Beijing) as the UTC clock would have it.
    due = CAL.add_working_hours(utc(2026, 9, 24, 8, 0), 2)
    assert due == sh(2026, 9, 24, 18, 0)
    assert due.utcoffset() == dt.timedelta(hours=8)  # returned in the local zone


def test_utc_input_just_before_midnight_utc_is_the_next_morning_in_beijing():
    # Sunday 1 Mar 2026 23:30 UTC = Monday 2 Mar 07:30 Beijing: before office hours.
    assert CAL.add_working_hours(utc(2026, 3, 1, 23, 30), 2) == sh(2026, 3, 2, 11, 0)
    assert CAL.next_working_moment(utc(2026, 3, 1, 23, 30)) == sh(2026, 3, 2, 9, 0)
    assert CAL.add_working_days(utc(2026, 3, 1, 23, 30), 1) == sh(2026, 3, 3, 9, 0)


def test_utc_input_on_a_utc_working_day_that_is_a_beijing_saturday():
    # Friday 6 Mar 2026 16:30 UTC = Saturday 7 Mar 00:30 Beijing: the weekend.
    assert CAL.add_working_hours(utc(2026, 3, 6, 16, 30), 1) == sh(2026, 3, 9, 10, 0)


def test_utc_input_across_national_day_2026():
    # Wed 30 Sep 09:00 UTC = 17:00 Beijing: 1 h that day, 1–7 Oct off, 3 h on Thu 8 Oct.
    assert CAL.add_working_hours(utc(2026, 9, 30, 9, 0), 4) == sh(2026, 10, 8, 12, 0)
    # 30 Sep 23:30 UTC = 1 Oct 07:30 Beijing: the holiday has begun.
    assert CAL.next_working_moment(utc(2026, 9, 30, 23, 30)) == sh(2026, 10, 8, 9, 0)
    assert CAL.add_working_days(utc(2026, 9, 30, 2, 0), 1) == sh(2026, 10, 8, 10, 0)


def test_utc_input_across_spring_festival_2026_with_make_up_days():
    # Fri 13 Feb 09:30 UTC = 17:30 Beijing: 0.5 h on Friday, 1.5 h on the make-up working
    # Saturday 14 Feb.
    assert CAL.add_working_hours(utc(2026, 2, 13, 9, 30), 2) == sh(2026, 2, 14, 10, 30)
    # Sat 14 Feb 10:00 UTC = 18:00 Beijing, end of the make-up day: the holiday runs
    # 15–23 Feb, so the next working moment is Tue 24 Feb 09:00.
    assert CAL.next_working_moment(utc(2026, 2, 14, 10, 0)) == sh(2026, 2, 24, 9, 0)
    # Fri 27 Feb 02:00 UTC = 10:00 Beijing: one working day later is the make-up Saturday
    # 28 Feb, two is Monday 2 Mar (Sunday 1 Mar is a rest day).
    assert CAL.add_working_days(utc(2026, 2, 27, 2, 0), 1) == sh(2026, 2, 28, 10, 0)
    assert CAL.add_working_days(utc(2026, 2, 27, 2, 0), 2) == sh(2026, 3, 2, 10, 0)


def test_add_working_days_keeps_the_local_time_of_day_for_utc_input():
    # 02:00 UTC = 10:00 Beijing Monday 2 Mar; the UTC clock would have moved it to 09:00
    # UTC (17:00 Beijing).
    assert CAL.add_working_days(utc(2026, 3, 2, 2, 0), 5) == sh(2026, 3, 9, 10, 0)


def test_other_zones_are_converted_too():
    tokyo = ZoneInfo("Asia/Tokyo")  # 17:00 Tokyo = 16:00 Beijing
    assert CAL.add_working_hours(dt.datetime(2026, 9, 24, 17, 0, tzinfo=tokyo), 2) == sh(
        2026, 9, 24, 18, 0
    )


def test_configured_zone_is_used(settings):
    settings.TIME_ZONE = "Asia/Urumqi"  # UTC+6: 08:00 UTC is 14:00 there
    assert WorkCalendar().add_working_hours(utc(2026, 9, 24, 8, 0), 2) == dt.datetime(
        2026, 9, 24, 16, 0, tzinfo=ZoneInfo("Asia/Urumqi")
    )


def test_naive_input_is_local_wall_clock_time():
    assert CAL.add_working_hours(dt.datetime(2026, 9, 24, 16, 0), 2) == dt.datetime(
        2026, 9, 24, 18, 0
    )
    # Thursday 24 Sep 19:00: the clock starts Mon 28 Sep 09:00 (Mid-Autumn 25–27 Sep).
    assert CAL.add_working_days(dt.datetime(2026, 9, 24, 19, 0), 1) == dt.datetime(
        2026, 9, 29, 9, 0
    )


# --- Working days from outside working hours (documented in add_working_days) -----------

# Monday 2 Mar 2026 … Friday 6 Mar are ordinary working days.
AFTER_HOURS = [
    ("working day 10:00", sh(2026, 3, 2, 10, 0), 1, sh(2026, 3, 3, 10, 0)),
    ("working day 18:00, end of the day", sh(2026, 3, 2, 18, 0), 1, sh(2026, 3, 4, 9, 0)),
    ("working day 18:30", sh(2026, 3, 2, 18, 30), 1, sh(2026, 3, 4, 9, 0)),
    ("working day 23:00", sh(2026, 3, 2, 23, 0), 1, sh(2026, 3, 4, 9, 0)),
    ("working day 07:00", sh(2026, 3, 3, 7, 0), 1, sh(2026, 3, 4, 9, 0)),
    ("lunch break 12:30", sh(2026, 3, 2, 12, 30), 1, sh(2026, 3, 3, 13, 30)),
    ("Friday 18:30", sh(2026, 3, 6, 18, 30), 1, sh(2026, 3, 10, 9, 0)),
    ("Saturday 10:00", sh(2026, 3, 7, 10, 0), 1, sh(2026, 3, 10, 9, 0)),
    ("Sunday 23:00", sh(2026, 3, 8, 23, 0), 1, sh(2026, 3, 10, 9, 0)),
    ("National Day 3 Oct", sh(2026, 10, 3, 11, 0), 1, sh(2026, 10, 9, 9, 0)),
    ("eve of National Day 18:30", sh(2026, 9, 30, 18, 30), 2, sh(2026, 10, 10, 9, 0)),
    ("Spring Festival 20 Feb", sh(2026, 2, 20, 10, 0), 1, sh(2026, 2, 25, 9, 0)),
    ("no days: the next working moment", sh(2026, 3, 2, 23, 0), 0, sh(2026, 3, 3, 9, 0)),
]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [case[1:] for case in AFTER_HOURS],
    ids=[case[0] for case in AFTER_HOURS],
)
def test_add_working_days_from_outside_working_hours(start, days, expected):
    assert CAL.add_working_days(start, days) == expected
    # The same instant handed in as UTC gives the same local deadline.
    assert CAL.add_working_days(start.astimezone(UTC), days) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2026, 3, 2, 18, 30), sh(2026, 3, 3, 9, 0)),
        (sh(2026, 3, 2, 23, 0), sh(2026, 3, 3, 9, 0)),
        (sh(2026, 3, 3, 7, 0), sh(2026, 3, 3, 9, 0)),
        (sh(2026, 3, 7, 10, 0), sh(2026, 3, 9, 9, 0)),
        (sh(2026, 10, 3, 11, 0), sh(2026, 10, 8, 9, 0)),
        (sh(2026, 3, 2, 11, 59), sh(2026, 3, 2, 11, 59)),
    ],
)
def test_next_working_moment(start, expected):
    assert CAL.next_working_moment(start) == expected
    assert CAL.next_working_moment(start.astimezone(UTC)) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2026, 12, 1),
        timezones=st.sampled_from([UTC, SH, ZoneInfo("America/New_York")]),
    ),
    hours=st.integers(min_value=0, max_value=60),
    days=st.integers(min_value=0, max_value=20),
)
def test_results_do_not_depend_on_the_zone_of_the_input(start, hours, days):
    local = start.astimezone(SH)
    assert CAL.add_working_hours(start, hours) == CAL.add_working_hours(local, hours)
    assert CAL.add_working_days(start, days) == CAL.add_working_days(local, days)
    due = CAL.add_working_days(start, days)
    assert due.utcoffset() == dt.timedelta(hours=8)
    assert CAL.is_working_day(due.date())
    assert any(p_start <= due.time() < p_end for p_start, p_end in CAL.periods)
