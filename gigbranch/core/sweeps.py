"""Periodic sweeps owned by core. Idempotent: running one twice changes nothing more."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import services
from .workcalendar import missing_next_year

CALENDAR_NOTICE_KEY = "calendar.missing"


def check_calendar(today: dt.date | None = None) -> int | None:
    """APL-3: warn on the console when next year's working calendar is not loaded."""
    year = missing_next_year(today or timezone.localdate())
    if year is None:
        services.resolve_notice(key=CALENDAR_NOTICE_KEY)
        return None
    services.raise_notice(
        key=CALENDAR_NOTICE_KEY,
        message=f"{year}年的法定节假日与调休安排尚未录入，诉求时限将按周一至周五计算。请系统管理员在“工作日历”中录入。",
    )
    return year
