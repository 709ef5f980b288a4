"""Coverage planning journey (issue 18, PLAN-1): a county admin sees the demand layer and
the gap (a logistics park with no station nearby), asks for 3 stations, sees them on the
map with coverage before → after, pins one, asks again, saves and exports the proposal."""

from __future__ import annotations

import io
import random
import re
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from gigbranch.organizations.demo import _demo_boundaries
from gigbranch.planning.models import Proposal
from tests.browser.conftest import login, screenshot
from tests.factories import (
    PASSWORD,
    RegionFactory,
    StationFactory,
    UserFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county(settings):
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
    for t, town in enumerate(towns):
        lat0, lng0 = (float(x) for x in seats[town.name])
        StationFactory(name=f"{town.name}暖心驿站", region=town, latitude=lat0, longitude=lng0)
        for n in range(16):
            WorkplaceFactory(
                name=f"{town.name}网点{n + 1}",
                region=town,
                coverage_mode="own_branch" if n % 5 == 0 else "none",
                latitude=D(f"{lat0 + rng.uniform(-0.025, 0.025):.6f}"),
                longitude=D(f"{lng0 + rng.uniform(-0.025, 0.025):.6f}"),
                reported_worker_count=10 + 3 * n + 5 * t,
            )
    # The gap: a growing logistics park north-east of 青石镇, no station nearby.
    for n, name in enumerate(["顺丰分拨中心", "中通网点", "京东仓配站", "货拉拉司机之家"]):
        WorkplaceFactory(
            name=f"城东物流园{name}",
            region=towns[1],
            latitude=D(f"{29.985 + 0.002 * n:.6f}"),
            longitude=D(f"{120.455 - 0.002 * n:.6f}"),
            reported_worker_count=120 - 10 * n,
        )
    UserFactory(username="county", role="county_admin", scope_region=county)
    return county


def rows(page):
    return page.locator("#plan-table tbody tr")


def test_county_admin_plans_three_stations_pins_one_saves_and_exports(desktop, county):
    login(desktop, "county", PASSWORD)
    desktop.goto("/planning/")
    assert desktop.locator("h1").inner_text() == "云溪县 新增党组织和服务站点选址规划"
    the_map = desktop.locator("#plan-map[data-ready]")
    the_map.wait_for()
    assert int(the_map.get_attribute("data-hexes") or 0) > 5
    gap = int(the_map.get_attribute("data-gap") or 0)
    assert gap > 400  # the park alone has 420 workers
    assert "未覆盖需求" in desktop.locator("#plan-gap").inner_text()
    assert desktop.locator(".leaflet-gb-areas-pane path").count() == 4
    screenshot(desktop, "planning-1-demand-and-gap")

    desktop.fill("#plan-k", "3")
    desktop.click("#plan-run")
    expect_rows = rows(desktop)
    expect_rows.nth(2).wait_for()
    assert expect_rows.count() == 3
    assert "城东物流园" in expect_rows.nth(0).inner_text()  # the gap comes first
    rate = desktop.locator("#plan-rate").inner_text()
    assert re.fullmatch(r"[\d.]+% → [\d.]+%", rate), rate
    before, after = (float(x) for x in re.findall(r"[\d.]+", rate))
    assert after > before
    assert desktop.locator("#plan-exact-gap").inner_text().endswith("%")
    assert the_map.get_attribute("data-chosen") == "3"
    assert desktop.locator(".gb-plan-label").count() == 3
    screenshot(desktop, "planning-2-three-stations")

    # Pin the third site and ask again: it is kept and listed first.
    third = expect_rows.nth(2).get_attribute("data-key")
    expect_rows.nth(2).locator(".plan-pin").click()
    assert "必选 1 个" in desktop.locator("#plan-form-errors").inner_text()
    desktop.click("#plan-run")
    desktop.locator("#plan-table tbody tr:first-child", has_text="（必选）").wait_for()
    assert rows(desktop).nth(0).get_attribute("data-key") == third
    assert rows(desktop).count() == 3
    screenshot(desktop, "planning-3-pinned-and-asked-again")

    desktop.fill("#plan-name", "青石镇物流园驿站方案")
    desktop.click("#plan-save-button")
    desktop.wait_for_url(re.compile(r"/planning/proposals/\d+/$"))
    proposal = Proposal.objects.get()
    assert proposal.name == "青石镇物流园驿站方案"
    assert proposal.pinned == [third]
    assert proposal.result["chosen"][0]["key"] == third
    assert desktop.locator("#proposal-sites tbody tr").count() == 3
    desktop.locator("#proposal-map[data-ready]").wait_for()
    screenshot(desktop, "planning-4-saved-proposal")

    with desktop.expect_download() as download:
        desktop.click("#proposal-export")
    ws = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    names = [r[1] for r in ws.iter_rows(min_row=3, max_row=5, values_only=True)]
    assert names == [c["name"] for c in proposal.result["chosen"]]
