"""The cockpit in the browser: the county admin opens the cockpit, clicks the coverage
gap, lands on the uncovered workplaces with the same count and drills to a township; the
big screen at 1920×1080 draws its map and charts with Chinese text."""

import re

import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_county(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from gigbranch import demo
    from tests.browser.conftest import ensure_reference_data

    ensure_reference_data()
    demo.seed(scale="tiny", seed_value=7)
    return demo.DEMO_PASSWORD


def _value(locator) -> int:
    return int(re.match(r"\d+", locator.inner_text().strip()).group(0))


def test_cockpit_coverage_door_drill_down_and_big_screen(browser, live_server, demo_county):
    # One test, one seed: a transactional test empties the database when it ends.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, "county", demo_county)
    assert page.locator("h1").first.inner_text() == "驾驶舱"
    page.wait_for_selector("#chart-coverage canvas")
    page.wait_for_selector('#cockpit-map[data-loaded="1"]')
    assert page.locator("#cockpit-map .leaflet-control-layers").count() == 1
    screenshot(page, "cockpit-01-county")

    gap = page.locator('[data-figure="uncovered_workplaces"]')
    value = _value(gap.locator(".gb-stat-value"))
    assert value > 0
    gap.click()
    page.wait_for_load_state("networkidle")
    assert "尚未覆盖的企业/站点" in page.locator("#figure-note").inner_text()
    assert int(page.locator("#figure-count").inner_text()) == value
    screenshot(page, "cockpit-02-uncovered-list")

    page.go_back()
    page.wait_for_load_state("networkidle")
    link = page.locator("#drill-table a", has_text="城关街道").first
    link.click()
    page.wait_for_load_state("networkidle")
    assert "城关街道" in page.locator("#drill-crumbs").inner_text()
    town_value = _value(page.locator('[data-figure="workplaces"] .gb-stat-value'))
    page.locator('[data-figure="workplaces"]').click()
    page.wait_for_load_state("networkidle")
    assert int(page.locator("#figure-count").inner_text()) == town_value
    assert "城关街道" in page.locator("#figure-note").inner_text()
    page.go_back()
    page.wait_for_selector('#cockpit-map[data-loaded="1"]')
    screenshot(page, "cockpit-03-township")

    # The quarterly report: downloaded from the reports page, opens with python-docx.
    page.goto("/")
    workplaces = _value(page.locator('[data-figure="workplaces"] .gb-stat-value'))
    page.goto("/cockpit/reports/")
    screenshot(page, "cockpit-05-reports")
    # Generating the report (figures, two charts) takes a few seconds; more on a busy machine.
    with page.expect_download(timeout=180_000) as info:
        page.click("#download-report", no_wait_after=True)
    path = info.value.path()
    assert info.value.suggested_filename.endswith(".docx")
    from docx import Document

    from gigbranch.cockpit.reports import CHAPTERS

    doc = Document(str(path))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == list(CHAPTERS)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"新业态企业/站点 {workplaces} 家" in text
    assert len(doc.inline_shapes) >= 1
    context.close()

    screen = browser.new_context(
        locale="zh-CN", viewport={"width": 1920, "height": 1080}, base_url=live_server.url
    )
    big = screen.new_page()
    big.set_default_timeout(20_000)
    login(big, "county", demo_county)
    big.goto("/cockpit/screen/")
    big.wait_for_selector("#chart-appeals canvas")
    big.wait_for_selector("#chart-coverage canvas")
    big.wait_for_selector('#cockpit-map[data-loaded="1"]')
    assert big.locator(".gb-sidebar").count() == 0
    assert "新就业群体党建工作态势" in big.locator("h1").inner_text()
    assert big.locator(".gb-screen-tile").count() >= 10
    size = big.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1920 and size[1] <= 1080, size
    big.screenshot(path=str(screenshot(big, "cockpit-04-big-screen")))
    # The panel refreshes itself through htmx (no full reload): trigger one poll now.
    big.evaluate("window.__marker = 1")
    big.evaluate("htmx.trigger('#screen-panel', 'every 180s')")
    big.evaluate(
        "htmx.ajax('GET', '/cockpit/screen/', {target: '#screen-panel', swap: 'outerHTML'})"
    )
    big.wait_for_timeout(1500)
    assert big.evaluate("window.__marker") == 1
    assert big.locator("#screen-panel .gb-screen-tile").count() >= 10
    screen.close()
