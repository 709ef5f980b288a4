"""The booking page: a row of days with free slots, then that day's slots as a grid."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from gigbranch.portal import services as portal_services
from gigbranch.stations import services as station_services
from gigbranch.stations.models import Booking
from tests.factories import ServiceProviderFactory, SlotFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
# Monday 2026-03-02 10:00 in Shanghai
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
def worker_client(client):
    user = WorkerUserFactory()
    portal_services.record_consent(user=user, basic=True, political_status=False)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def provider():
    """Ten working days (from tomorrow) of six 50-minute slots: 60 free slots."""
    p = ServiceProviderFactory(name="县法律援助中心工作站", kind="legal_aid")
    for day in range(1, 11):
        for hour in (9, 10, 11, 14, 15, 16):
            start = dt.datetime(2026, 3, 2 + day, hour, tzinfo=SH)
            SlotFactory(provider=p, starts_at=start, ends_at=start + dt.timedelta(minutes=50))
    return p


def _radios(html: str) -> list[str]:
    return re.findall(r'name="slot" value="(\d+)"', html)


@time_machine.travel(NOW, tick=False)
def test_page_lists_days_then_only_the_chosen_days_slots(worker_client, provider):
    url = reverse("portal:provider", args=[provider.pk])
    html = worker_client.get(url).content.decode()
    # Ten day buttons with weekday and date; the first day is chosen by default.
    days = re.findall(r'data-day="([\d-]+)"', html)
    assert days == [f"2026-03-{d:02d}" for d in range(3, 13)]
    assert "周二" in html and "3月3日" in html
    assert 'aria-current="date"\n           data-day="2026-03-03"' in html
    slots = provider.slots.filter(starts_at__date=dt.date(2026, 3, 3))
    assert sorted(_radios(html)) == sorted(str(s.pk) for s in slots)
    assert len(_radios(html)) == 6  # not the 60 of the whole window

    html = worker_client.get(url, {"day": "2026-03-09"}).content.decode()
    monday = provider.slots.filter(starts_at__date=dt.date(2026, 3, 9))
    assert sorted(_radios(html)) == sorted(str(s.pk) for s in monday)
    assert "周一" in html and ">09:00<" in html and "至09:50" in html


@time_machine.travel(NOW, tick=False)
def test_days_are_local_days_and_booked_slots_are_not_offered(worker_client, provider):
    # 23:30 in Shanghai is 15:30 UTC the same day: it belongs to the Shanghai day.
    late = dt.datetime(2026, 3, 14, 23, 30, tzinfo=SH)
    SlotFactory(provider=provider, starts_at=late, ends_at=late + dt.timedelta(minutes=20))
    other = WorkerUserFactory()
    taken = provider.slots.get(starts_at=dt.datetime(2026, 3, 3, 9, tzinfo=SH))
    station_services.book_slot(user=other, slot_id=taken.pk, now=NOW)
    url = reverse("portal:provider", args=[provider.pk])
    html = worker_client.get(url, {"day": "2026-03-14"}).content.decode()
    assert 'data-day="2026-03-14"' in html and "周六" in html
    assert ">23:30<" in html and len(_radios(html)) == 1
    first = worker_client.get(url).content.decode()
    assert str(taken.pk) not in _radios(first) and len(_radios(first)) == 5
    assert "余5个" in first


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("day", ["2026-02-30", "yesterday", "2026-03-15", "2026-03-01"])
def test_a_day_without_free_slots_or_malformed_falls_back_to_the_first(
    worker_client, provider, day
):
    r = worker_client.get(reverse("portal:provider", args=[provider.pk]), {"day": day})
    assert r.status_code == 200
    html = r.content.decode()
    assert "所选日期没有可预约的时段" in html
    assert 'aria-current="date"\n           data-day="2026-03-03"' in html


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("value", ["", "abc", "1.5", "-3"])
def test_booking_without_a_valid_slot_is_a_chinese_message_not_a_500(
    worker_client, provider, value
):
    url = reverse("portal:provider", args=[provider.pk])
    r = worker_client.post(url, {"slot": value, "day": "2026-03-05"})
    assert r.status_code == 302 and r["Location"] == f"{url}?day=2026-03-05"
    assert Booking.objects.count() == 0
    assert "请先选择一个时段" in worker_client.get(r["Location"]).content.decode()


@time_machine.travel(NOW, tick=False)
def test_booking_from_a_day_keeps_the_rules(worker_client, provider):
    url = reverse("portal:provider", args=[provider.pk])
    slot = provider.slots.get(starts_at=dt.datetime(2026, 3, 5, 14, tzinfo=SH))
    r = worker_client.post(url, {"slot": slot.pk, "day": "2026-03-05", "topic": "欠薪"})
    assert r["Location"] == reverse("portal:me")
    # The same slot again (a double submit): refused with a message, still one booking.
    r = worker_client.post(url, {"slot": slot.pk, "day": "2026-03-05"})
    assert r["Location"] == f"{url}?day=2026-03-05"
    assert Booking.objects.count() == 1
    page = worker_client.get(r["Location"]).content.decode()
    assert "该时段已被预约" in page
    assert str(slot.pk) not in _radios(page)


@time_machine.travel(NOW, tick=False)
def test_no_free_slots_says_so(worker_client):
    p = ServiceProviderFactory(kind="counselling")
    html = worker_client.get(reverse("portal:provider", args=[p.pk])).content.decode()
    assert "近30天暂无可预约时段" in html and 'name="slot"' not in html
