"""Booking on a phone (390×844): pick a day in the row of days, pick a time in that day's
grid, book. The page must stay short (it used to list 60 radio buttons, 7,200 px tall)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from gigbranch.portal import services as portal_services
from gigbranch.stations.models import Booking
from tests.browser.conftest import screenshot
from tests.factories import ServiceProviderFactory, SlotFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider():
    p = ServiceProviderFactory(name="县心理咨询服务站", kind="counselling", address="县总工会三楼")
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    for day in range(1, 11):
        for hour in (9, 10, 11, 14, 15, 16):
            start = dt.datetime.combine(today + dt.timedelta(days=day), dt.time(hour), tzinfo=tz)
            SlotFactory(
                provider=p,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=50),
                place="县总工会三楼",
            )
    return p


def test_pick_a_day_then_a_time_on_a_phone(phone, provider):
    user = WorkerUserFactory()
    portal_services.record_consent(user=user, basic=True, political_status=False)
    page = phone
    page.goto("/m/login/")
    # Workers log in by SMS; the test logs in through the session cookie instead.
    from django.test import Client

    c = Client()
    c.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": page.url}]
    )
    page.goto(f"/m/services/{provider.pk}/")
    assert page.locator(".day").count() == 10
    assert page.locator("input[name=slot]").count() == 6
    # The row of days scrolls sideways; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "booking-01-days")

    third = timezone.localdate() + dt.timedelta(days=3)
    page.click(f".day[data-day='{third.isoformat()}']")
    page.wait_for_load_state("networkidle")
    assert page.locator(".day[aria-current=date]").get_attribute("data-day") == third.isoformat()
    page.click(".slot:has-text('15:00')")
    assert page.locator(".slot:has(input:checked)").inner_text().startswith("15:00")
    page.fill("#topic", "工作压力大，睡不好")
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, "booking-02-slot-picked")
    assert height < 2 * 844, height
    page.click("#book")
    # The redirect keeps the form's #pick-slot fragment; the path is what matters.
    page.wait_for_url(re.compile(r"/m/me/(#.*)?$"))
    assert "预约成功" in page.content()
    booking = Booking.objects.get()
    start = timezone.localtime(booking.slot.starts_at)
    assert (start.date(), start.hour) == (third, 15)
    assert booking.user == user and booking.topic == "工作压力大，睡不好"
