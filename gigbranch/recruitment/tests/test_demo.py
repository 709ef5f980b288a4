"""Demo data obeys REC-ORDER whatever day it is seeded: the public notice before step 7
must hold enough working days even when a holiday week falls inside it."""

import datetime as dt

import pytest

from gigbranch.core.workcalendar import default_calendar
from gigbranch.recruitment.demo import notice_start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "expected_start"),
    [
        (dt.date(2025, 3, 10), dt.date(2025, 2, 24)),  # no holiday: the usual two weeks
        # 2026-09-24..10-07 holds only 4 working days (National Day): start earlier.
        (dt.date(2026, 10, 8), dt.date(2026, 9, 23)),
    ],
)
def test_demo_notice_has_enough_working_days(day, expected_start):
    start = notice_start(day, 5)
    assert start == expected_start
    assert len(default_calendar().working_days_in(start, day - dt.timedelta(days=1))) >= 5
