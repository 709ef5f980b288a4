"""Working days and working hours on the national calendar (rules.md APL-3).

The pure part (`WorkCalendar`) takes a day classifier and working periods and does the
arithmetic; `default_calendar()` builds one from the `chinesecalendar` package plus the
administrator's overrides in the database. A year that neither knows is "missing": the
calendar falls back to Monday–Friday for it and the console warns.

Time zone (ADR 0027): working hours and working days are wall-clock times and dates in the
configured zone (settings.TIME_ZONE, Asia/Shanghai). Every entry point converts an aware
datetime to that zone before doing any arithmetic, whatever zone it arrives in (the
server's clock `timezone.now()` and the database hand out UTC), and returns an aware
datetime in that zone. A naive datetime is taken as wall-clock time in the configured zone
and a naive one is returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar
from django.conf import settings
from django.utils import timezone

DayClassifier = Callable[[dt.date], bool | None]  # True working, False rest, None unknown


def package_is_working_day(day: dt.date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def package_knows_year(year: int) -> bool:
    return package_is_working_day(dt.date(year, 6, 1)) is not None


def parse_periods(periods: Iterable[str]) -> tuple[tuple[dt.time, dt.time], ...]:
    out = []
    for text in periods:
        start, end = (dt.time.fromisoformat(p.strip()) for p in text.split("-"))
        if end <= start:
            raise ValueError(f"working period {text} ends before it starts")
        out.append((start, end))
    out.sort()
    return tuple(out)


@dataclass
class WorkCalendar:
    classifier: DayClassifier = package_is_working_day
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(9, 0), dt.time(12, 0)),
        (dt.time(13, 30), dt.time(18, 0)),
    )
    # The zone whose wall clock the periods are in; None = settings.TIME_ZONE.
    zone: dt.tzinfo | None = None

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` on the calendar's wall clock: aware → converted to the calendar's zone;
        naive → taken as already being wall-clock time there (returned unchanged)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment
        return moment.astimezone(self.zone or timezone.get_default_timezone())

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        known = self.classifier(day)
        if known is None:
            return day.weekday() < 5
        return known

    def next_working_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        for _ in range(400):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within 400 days")

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """The first working moment at or after `moment`, on the local wall clock.

        A working period runs from its start up to, not including, its end: 18:00 on a
        working day is after hours, and so is the lunch break (12:00–13:30). A moment in
        working time is returned as it is (converted to the local zone); one outside it
        moves to the start of the next working period: the afternoon period after the lunch
        break, otherwise the first period of the next working day (skipping weekends and
        holidays, counting make-up working days).
        """
        moment = self.local(moment)
        tz = moment.tzinfo
        day = moment.date()
        if self.is_working_day(day):
            for p_start, p_end in self.periods:
                if moment < dt.datetime.combine(day, p_end, tzinfo=tz):
                    return max(moment, dt.datetime.combine(day, p_start, tzinfo=tz))
        day = self.next_working_day(day)
        return dt.datetime.combine(day, self.periods[0][0], tzinfo=tz)

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """`days` working days after `start`, at the same local time of day.

        The count starts from the next working moment (`next_working_moment`): a start
        outside working hours (after 18:00, before 09:00, in the lunch break, on a weekend
        or holiday) counts from the start of the next working period. For example, with
        one working day: Monday 10:00 → Tuesday 10:00; Monday 18:30, Monday 23:00 and
        Tuesday 07:00 → Wednesday 09:00; Saturday → Tuesday 09:00 (Monday 09:00 + 1 day);
        Monday 12:30 → Tuesday 13:30. `days` = 0 gives the next working moment itself.
        """
        current = self.next_working_moment(start)
        day = current.date()
        for _ in range(days):
            day = self.next_working_day(day)
        return current.replace(year=day.year, month=day.month, day=day.day)

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """`hours` of working time after `start`, counted on the local wall clock.

        A start outside working hours counts from the next working period; a result that
        falls exactly on the end of a period stays there (12:00, 18:00).
        """
        start = self.local(start)
        remaining = dt.timedelta(hours=hours)
        if remaining <= dt.timedelta(0):
            return start
        tz = start.tzinfo
        current = start
        day = current.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            current = dt.datetime.combine(day, self.periods[0][0], tzinfo=tz)
        for _ in range(10000):
            for p_start, p_end in self.periods:
                begin = dt.datetime.combine(day, p_start, tzinfo=tz)
                end = dt.datetime.combine(day, p_end, tzinfo=tz)
                if current >= end:
                    continue
                if current < begin:
                    current = begin
                available = end - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
                current = end
            day = self.next_working_day(day)
            current = dt.datetime.combine(day, self.periods[0][0], tzinfo=tz)
        raise ValueError("working time too long to add")

    def working_days_in(self, start: dt.date, end: dt.date) -> list[dt.date]:
        days = []
        day = start
        while day <= end:
            if self.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days


def default_calendar() -> WorkCalendar:
    from .models import CalendarDay

    overrides = dict(CalendarDay.objects.values_list("date", "is_working_day"))
    return WorkCalendar(overrides=overrides, periods=parse_periods(settings.WORKING_PERIODS))


def year_is_loaded(year: int) -> bool:
    from .models import CalendarYear

    return package_is_working_day(dt.date(year, 6, 1)) is not None or (
        CalendarYear.objects.filter(year=year).exists()
    )


def missing_next_year(today: dt.date | None = None) -> int | None:
    """The next calendar year if it is not loaded yet (warned from October on), else None."""
    today = today or timezone.localdate()
    nxt = today.year + 1
    if today.month >= 10 and not year_is_loaded(nxt):
        return nxt
    if not year_is_loaded(today.year):
        return today.year
    return None
