"""Worker journey on a phone (390×844): register with an SMS code, consent, find the nearest
open station with a microwave, check in through its QR link, book a legal-aid slot, read an
article and see the points. Every page's first load must stay under 200 KB (issue 7)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot
from tests.factories import (
    ArticleFactory,
    RegionFactory,
    ServiceProviderFactory,
    SlotFactory,
    StationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
BUDGET = 200 * 1024


class Weigher:
    """Bytes transferred per page load with the browser cache disabled (first load)."""

    def __init__(self, page):
        self.page = page
        self.total = 0
        self.urls: list[tuple[str, int]] = []
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.on("requestfinished", self._done)

    def _done(self, request):
        sizes = request.sizes()
        n = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.total += n
        self.urls.append((request.url, n))

    def reset(self):
        self.total = 0
        self.urls = []

    def check(self, label: str) -> int:
        self.page.wait_for_load_state("networkidle")
        total = self.total
        assert total < BUDGET, f"{label}: {total} bytes > {BUDGET}: {self.urls}"
        assert not any("bootstrap" in url for url, _n in self.urls), label
        self.reset()
        return total


def arrive(page, pattern: str) -> None:
    """Wait for the navigation to settle, then check where we are."""
    page.wait_for_load_state("networkidle")
    assert re.search(pattern, page.url), page.url


@pytest.fixture
def world():
    town = RegionFactory(name="城关街道", latitude="29.870000", longitude="120.350000")
    closed = StationFactory(
        name="城关夜间驿站", region=town, latitude=29.8702, longitude=120.3502, always_open=False
    )
    open_mw = StationFactory(
        name="城关暖心驿站", region=town, latitude=29.8750, longitude=120.3560, always_open=True
    )
    no_mw = StationFactory(
        name="城关爱心驿站", region=town, latitude=29.8710, longitude=120.3510, always_open=True
    )
    for station, codes in (
        (closed, ["microwave", "water"]),
        (open_mw, ["microwave", "charging"]),
        (no_mw, ["water"]),
    ):
        for code in codes:
            station.amenities.create(code=code)
    provider = ServiceProviderFactory(
        name="县法律援助中心工作站", kind="legal_aid", region=town, address="县公共法律服务中心"
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    slot = SlotFactory(provider=provider, starts_at=start, ends_at=start + dt.timedelta(minutes=50))
    article = ArticleFactory(
        title="新就业形态劳动者权益保障十问十答",
        points=3,
        region=town,
        body="<h3>一、平台能不能随意扣钱？</h3><p>应当公示并听取意见。</p>",
    )
    return {
        "open": open_mw,
        "closed": closed,
        "provider": provider,
        "slot": slot,
        "article": article,
    }


def test_worker_journey_on_a_phone(phone, world, monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr("gigbranch.notifications.sms.send_sms", lambda **kw: sent.append(kw))
    page = phone
    weigh = Weigher(page)
    weights = {}

    # Register with a mobile number and an SMS code.
    page.goto("/m/login/")
    weights["login"] = weigh.check("login")
    page.fill("#mobile", "13812345678")
    page.click("main button[type=submit]")
    arrive(page, r"/m/login/verify/")
    code = re.search(r"验证码是(\d{6})", sent[-1]["text"]).group(1)
    page.fill("#code", code)
    screenshot(page, "portal-01-verify")
    page.click("main button[type=submit]")

    # Consent screen (PIPL): basic consent required, political status separate and optional.
    arrive(page, r"/m/consent/")
    weigh.reset()
    page.reload()
    weights["consent"] = weigh.check("consent")
    assert "单独授权：政治面貌" in page.content()
    screenshot(page, "portal-02-consent")
    page.check("input[name=basic]")
    page.click("main button[type=submit]")
    arrive(page, r"/m/link/")
    page.click("text=暂不关联，先去首页")
    arrive(page, r"/m/$")
    weights["home"] = weigh.check("home")
    screenshot(page, "portal-03-home")

    # Find the nearest open station with a microwave from the phone's location.
    page.click("a.tile:has-text('找驿站')")
    weights["stations"] = weigh.check("stations")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 29.8700, "longitude": 120.3500})
    page.select_option("#amenity", "microwave")
    page.check("input[name=open]")
    page.click("#locate")
    page.wait_for_selector("#results")
    arrive(page, r"lat=29\.87")
    weights["results"] = weigh.check("results")
    first = page.locator("#results li").first
    assert world["open"].name in first.inner_text()
    assert "营业" in first.inner_text()
    assert world["closed"].name not in page.locator("#results").inner_text()
    screenshot(page, "portal-04-nearest-open-microwave")

    # Without the open-now filter the closed one is nearer; the map page stays in budget.
    page.click("text=在地图上查看")
    weights["map"] = weigh.check("map")
    screenshot(page, "portal-05-map")

    # Check in by opening the station's QR link.
    page.goto(f"/m/c/{world['open'].qr_token}/")
    weights["checkin"] = weigh.check("checkin")
    page.click("#checkin")
    arrive(page, rf"/m/stations/{world['open'].pk}/")
    assert "签到成功" in page.content()
    weights["station"] = weigh.check("station")
    screenshot(page, "portal-06-checked-in")

    # Book a legal-aid slot.
    page.click(".tabs >> text=预约")
    page.click("text=法律援助")
    page.click(f"text={world['provider'].name}")
    weights["provider"] = weigh.check("provider")
    page.check(f"input[name=slot][value='{world['slot'].pk}']")
    page.fill("#topic", "工资被拖欠两个月")
    screenshot(page, "portal-07-book")
    page.click("#book")
    arrive(page, r"/m/me/")
    assert "预约成功" in page.content()
    assert world["provider"].name in page.locator("#bookings + ul").inner_text()
    weigh.reset()

    # Read an article, mark it complete and see the points.
    page.goto("/m/study/")
    weights["study"] = weigh.check("study")
    page.click(f"text={world['article'].title}")
    weights["article"] = weigh.check("article")
    page.click("#complete")
    assert "获得3积分" in page.content()
    page.click(".tabs >> text=我的")
    weights["me"] = weigh.check("me")
    assert page.locator("#study-points").inner_text() == "3"
    screenshot(page, "portal-08-my-page")

    # 360 px still fits: no horizontal scrolling.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Touch targets are at least 44 px tall.
    heights = page.eval_on_selector_all(".tabs a, .btn", "els => els.map(e => e.offsetHeight)")
    assert min(heights) >= 44
    print("page weights (bytes):", weights)
    assert max(weights.values()) < BUDGET


def test_finder_works_without_javascript(browser, live_server, world):
    from gigbranch.portal.services import record_consent
    from tests.factories import WorkerUserFactory

    user = WorkerUserFactory()
    record_consent(user=user, basic=True, political_status=False)
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
        base_url=live_server.url,
        locale="zh-CN",
    )
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto("/m/stations/")
    assert not page.locator("#locate").is_visible()  # the location button needs JS
    page.fill("#place", "城关街道")
    page.select_option("#amenity", "microwave")
    page.check("input[name=open]")
    page.click("#search")
    assert world["open"].name in page.locator("#results li").first.inner_text()
    screenshot(page, "portal-09-no-javascript")
    context.close()


def test_staff_station_page_and_qr_poster(desktop, two_townships):
    from tests.browser.conftest import login
    from tests.factories import PASSWORD

    town = two_townships["a"]["town"]
    station = StationFactory(name="甲镇暖心驿站", region=town, latitude=29.87, longitude=120.35)
    station.amenities.create(code="microwave")
    login(desktop, two_townships["a"]["admin"].username, PASSWORD)
    desktop.goto("/stations/")
    assert "甲镇暖心驿站" in desktop.locator("main").inner_text()
    desktop.click("text=甲镇暖心驿站")
    assert "24小时开放" in desktop.locator("main").inner_text()
    screenshot(desktop, "stations-staff-detail")
    desktop.click("text=打印签到二维码海报")
    assert desktop.locator(".st-poster-qr svg").count() == 1
    screenshot(desktop, "stations-qr-poster")
