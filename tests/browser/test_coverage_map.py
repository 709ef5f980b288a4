"""Coverage map of a township with no tile server (an intranet): the township's boundary
is the base layer, its workplaces sit inside it, and the tables stay readable on a phone
(words on one line, the table scrolls sideways instead of the page)."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from gigbranch.organizations.demo import _demo_boundaries
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, RegionFactory, UserFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county(settings):
    """云溪县 with three townships and the demo's boundaries; 城关街道 holds workplaces
    of every coverage mode around its seat; `chengguan` is its township admin."""
    settings.MAP_TILE_URL = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    county = RegionFactory(
        name="云溪县", code="339021", level="county", latitude=D("29.87"), longitude=D("120.35")
    )
    seats = {
        "城关街道": ("29.870", "120.350"),
        "青石镇": ("29.960", "120.420"),
        "白沙镇": ("29.790", "120.270"),
    }
    towns = [
        RegionFactory(name=name, parent=county, latitude=D(lat), longitude=D(lng))
        for name, (lat, lng) in seats.items()
    ]
    _demo_boundaries(county, towns)
    rng = random.Random(7)
    for n in range(24):
        WorkplaceFactory(
            name=f"城关网点{n}",
            region=towns[0],
            coverage_mode="none" if n % 4 == 3 else "instructor",
            latitude=D("29.870") + D(str(round(rng.uniform(-0.02, 0.02), 6))),
            longitude=D("120.350") + D(str(round(rng.uniform(-0.02, 0.02), 6))),
            reported_worker_count=10 + n,
        )
    UserFactory(username="chengguan", role="township_admin", scope_region=towns[0])


def test_township_coverage_map_draws_its_boundary_without_tiles(desktop, county):
    tiles: list[str] = []
    desktop.on("request", lambda r: tiles.append(r.url) if "/tile" in r.url else None)
    login(desktop, "chengguan", PASSWORD)
    desktop.goto("/org/coverage/")
    assert desktop.locator("h1").inner_text().startswith("城关街道 组织覆盖和工作覆盖")
    assert desktop.locator("#coverage-scope").inner_text().startswith("统计范围：城关街道辖区内")
    the_map = desktop.locator("#coverage-map[data-areas]")
    the_map.wait_for()
    assert the_map.get_attribute("data-areas") == "1"
    assert "gb-no-tiles" in (the_map.get_attribute("class") or "")
    boundary = desktop.locator(".leaflet-gb-areas-pane path")
    assert boundary.count() == 1
    assert desktop.locator(".gb-area-label").inner_text() == "城关街道"
    # The map is framed on the township: its outline fills a good part of the map.
    box, frame = boundary.bounding_box(), the_map.bounding_box()
    assert box and frame
    assert box["height"] > frame["height"] * 0.6 or box["width"] > frame["width"] * 0.6
    points = int(the_map.get_attribute("data-points") or 0)
    assert points > 0
    assert desktop.locator(".leaflet-marker-pane *, .leaflet-overlay-pane canvas").count() > 0
    assert tiles == []
    screenshot(desktop, "coverage-township-boundary-no-tiles")


def test_coverage_tables_on_a_phone_keep_headers_on_one_line(phone, county):
    login(phone, "chengguan", PASSWORD)
    phone.goto("/org/coverage/")
    phone.locator("#coverage-map[data-areas]").wait_for()
    # The page does not widen; the wide table scrolls inside its wrapper.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    wrapper = phone.locator("#coverage-regions").locator("xpath=..")
    assert "table-responsive" in (wrapper.get_attribute("class") or "")
    assert phone.evaluate(
        "(() => { const w = document.querySelector('#coverage-regions').parentElement;"
        " return w.scrollWidth > w.clientWidth; })()"
    )
    heights = phone.evaluate(
        "[...document.querySelectorAll('#coverage-regions th')].map("
        "th => [th.innerText, th.getBoundingClientRect().height,"
        " parseFloat(getComputedStyle(th).lineHeight)])"
    )
    for text, height, line in heights:
        assert height < 1.6 * line + 12, (text, height, line)
    screenshot(phone, "coverage-township-phone")
