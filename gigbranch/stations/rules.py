"""Pure rules for service stations: opening hours and great-circle distance (no database).

Opening hours (issue 7, "Stations"):

* A station is either open 24 hours (`always_open`) or has weekly periods. A period opens
  on a weekday at `opens` and closes at `closes` the same day; when `closes <= opens` the
  period runs overnight and closes on the next day (22:00–06:00). `opens == closes`
  means a 24-hour period starting and ending at that time.
* Holiday closures: a station with `closed_on_holidays` is closed on statutory holidays,
  and every station can have closure date ranges (repairs, Spring Festival).
  A closure cancels the periods that *open* on a closed day; the overnight tail of a
  period that opened the evening before still runs until its closing time. A 24-hour
  station is closed for the whole calendar day.

Distances: haversine on a sphere of radius 6,371.0088 km (IUGG mean radius). The
nearest-station query (stations/nearest.py) uses `bounding_box` as an exact prefilter.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

EARTH_RADIUS_KM = 6371.0088
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Period:
    weekday: int  # 0 = Monday … 6 = Sunday, the day the period opens
    opens: dt.time
    closes: dt.time

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens

    def interval_on(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(day, self.opens)
        end_day = day + dt.timedelta(days=1) if self.overnight else day
        return start, dt.datetime.combine(end_day, self.closes)

    def label(self) -> str:
        end = self.closes.strftime("%H:%M")
        if self.overnight:
            end = "次日" + end
        return f"{WEEKDAYS[self.weekday]} {self.opens:%H:%M}–{end}"


@dataclass(frozen=True)
class Schedule:
    periods: tuple[Period, ...] = ()
    always_open: bool = False
    closed_on_holidays: bool = False
    closures: tuple[tuple[dt.date, dt.date], ...] = ()  # inclusive date ranges
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def day_closed(self, day: dt.date) -> bool:
        if self.closed_on_holidays and day in self.holidays:
            return True
        return any(start <= day <= end for start, end in self.closures)


def local_wall_clock(at: dt.datetime) -> dt.datetime:
    """`at` as naive wall-clock time in the configured zone (ADR 0027): an aware datetime,
    in whatever zone, is converted first; a naive one is taken as local time already."""
    if at.tzinfo is not None and at.utcoffset() is not None:
        at = timezone.localtime(at)
    return at.replace(tzinfo=None)


def is_open(schedule: Schedule, at: dt.datetime) -> bool:
    """Is the station open at `at` (local wall-clock time; aware datetimes are converted)?"""
    return open_until(schedule, at) is not None


def open_until(schedule: Schedule, at: dt.datetime) -> dt.datetime | None:
    """The local time the current opening ends, or None when closed at `at`.

    For a 24-hour station the end is the start of the next closed day (or None-free
    horizon of 8 days, reported as that horizon).
    """
    at = local_wall_clock(at)
    today = at.date()
    if schedule.always_open:
        if schedule.day_closed(today):
            return None
        day = today + dt.timedelta(days=1)
        horizon = today + dt.timedelta(days=8)
        while day < horizon and not schedule.day_closed(day):
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(0, 0))
    best: dt.datetime | None = None
    # A period opening yesterday may still run (overnight); one opening today may run.
    for opened_on in (today - dt.timedelta(days=1), today):
        if schedule.day_closed(opened_on):
            continue
        for period in schedule.periods:
            if period.weekday != opened_on.weekday():
                continue
            start, end = period.interval_on(opened_on)
            if start <= at < end and (best is None or end > best):
                best = end
    return best


def next_opening(schedule: Schedule, at: dt.datetime, *, days: int = 8) -> dt.datetime | None:
    """When a closed station next opens (within `days`), for "今天 18:00 开门"."""
    at = local_wall_clock(at)
    if schedule.always_open:
        day = at.date()
        for _ in range(days):
            if not schedule.day_closed(day):
                start = dt.datetime.combine(day, dt.time(0, 0))
                return max(start, at)
            day += dt.timedelta(days=1)
        return None
    candidates = []
    for offset in range(days):
        day = at.date() + dt.timedelta(days=offset)
        if schedule.day_closed(day):
            continue
        for period in schedule.periods:
            if period.weekday == day.weekday():
                start, _end = period.interval_on(day)
                if start >= at:
                    candidates.append(start)
    return min(candidates) if candidates else None


def status_text(schedule: Schedule, at: dt.datetime) -> str:
    """Short Chinese status for lists: 营业中（至 22:00）/ 已休息（明天 08:00 开门）."""
    at = local_wall_clock(at)
    until = open_until(schedule, at)
    if until is not None:
        if schedule.always_open and until.date() >= at.date() + dt.timedelta(days=7):
            return "24小时营业"
        return f"营业中（至{_when(until, at)}）"
    nxt = next_opening(schedule, at)
    if nxt is None:
        return "暂停开放"
    return f"已休息（{_when(nxt, at)}开门）"


def _when(moment: dt.datetime, now: dt.datetime) -> str:
    days = (moment.date() - now.date()).days
    prefix = {0: "", 1: "明天", 2: "后天"}.get(days, f"{moment:%m月%d日} ")
    return f"{prefix}{moment:%H:%M}"


def parse_hours(text: str) -> tuple[bool, tuple[Period, ...]]:
    """Parse hours typed by staff or imported from Excel.

    Accepted: "24小时" / "全天"; "08:00-20:00" (every day); "周一至周五 08:00-20:00;
    周六 09:00-12:00"; overnight "22:00-06:00". Returns (always_open, periods). Raises
    ValueError with a Chinese message.
    """
    text = (text or "").strip().replace("：", ":").replace("－", "-").replace("—", "-")
    text = text.replace("～", "-").replace("~", "-").replace("，", ";").replace("；", ";")
    if not text:
        raise ValueError("开放时间不能为空")
    if text in {"24小时", "24h", "全天", "全天24小时", "24小时开放"}:
        return True, ()
    periods: list[Period] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        days: Iterable[int] = range(7)
        times = part
        if part.startswith("周"):
            day_text, _, times = part.partition(" ")
            days = _parse_days(day_text)
        for span in times.split(","):
            try:
                opens_s, closes_s = (t.strip() for t in span.split("-"))
                opens, closes = dt.time.fromisoformat(opens_s), dt.time.fromisoformat(closes_s)
            except ValueError as exc:
                raise ValueError(f"无法识别的开放时间“{span}”，示例：08:00-20:00") from exc
            periods.extend(Period(d, opens, closes) for d in days)
    if not periods:
        raise ValueError("开放时间不能为空")
    return False, tuple(periods)


def _parse_days(text: str) -> list[int]:
    names = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
    text = text.replace("周", "")
    if "至" in text or "-" in text:
        a, b = text.replace("-", "至").split("至")
        if a not in names or b not in names:
            raise ValueError(f"无法识别的星期“{text}”")
        start, end = names[a], names[b]
        return (
            list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(0, end + 1)]
        )
    out = []
    for ch in text.replace("、", ""):
        if ch not in names:
            raise ValueError(f"无法识别的星期“{text}”")
        out.append(names[ch])
    return out


def hours_label(always_open: bool, periods: Iterable[Period]) -> str:
    if always_open:
        return "24小时开放"
    by_times: dict[tuple[dt.time, dt.time], list[int]] = {}
    for p in periods:
        by_times.setdefault((p.opens, p.closes), []).append(p.weekday)
    parts = []
    for (opens, closes), days in sorted(by_times.items()):
        days = sorted(set(days))
        end = ("次日" if closes <= opens else "") + closes.strftime("%H:%M")
        if days == list(range(7)):
            day_text = "每天"
        elif days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            day_text = f"{WEEKDAYS[days[0]]}至{WEEKDAYS[days[-1]]}"
        else:
            day_text = "、".join(WEEKDAYS[d] for d in days)
        parts.append(f"{day_text} {opens:%H:%M}–{end}")
    return "；".join(parts) or "未设置"


# --- Distances ---------------------------------------------------------------------------


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Box:
    """Latitude range and one or two longitude ranges (two when crossing ±180°)."""

    min_lat: float
    max_lat: float
    lng_ranges: tuple[tuple[float, float], ...]  # empty tuple = all longitudes


def bounding_box(lat: float, lng: float, radius_km: float) -> Box:
    """A box containing every point within `radius_km` of (lat, lng) — never too small.

    Latitude spread is radius/R; longitude spread uses the exact formula
    asin(sin(r/R) / cos(lat)) for the tangent meridians (Chapman's bounding coordinates),
    and covers all longitudes when the circle reaches a pole.
    """
    ang = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(ang)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90 or ang >= math.pi / 2:
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), ())
    dlng = math.degrees(math.asin(min(1.0, math.sin(ang) / math.cos(math.radians(lat)))))
    lo, hi = lng - dlng, lng + dlng
    if dlng >= 180:
        return Box(min_lat, max_lat, ())
    if lo < -180:
        return Box(min_lat, max_lat, ((lo + 360, 180.0), (-180.0, hi)))
    if hi > 180:
        return Box(min_lat, max_lat, ((lo, 180.0), (-180.0, hi - 360)))
    return Box(min_lat, max_lat, ((lo, hi),))
