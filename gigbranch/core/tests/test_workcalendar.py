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


from hypothesis import given, settings  # noqa: E402
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
