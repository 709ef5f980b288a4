"""Foundation journey: county admin and township admin in the console (issue: foundation)."""

import pytest

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_county_admin_sees_chinese_console_with_scope(desktop, two_townships, county_admin):
    login(desktop, "county_admin", PASSWORD)
    assert desktop.title() == "驾驶舱 - 新就业群体党建工作平台"
    header = desktop.locator("header").inner_text()
    assert "测试县" in header and "县级管理员" in header
    assert desktop.locator(".gb-stat-label").first.inner_text() == "党组织"
    nav = desktop.locator("#gb-sidebar").inner_text()
    assert "组织体系" in nav and "劳动者" in nav and "审计日志" not in nav
    path = screenshot(desktop, "foundation-console-county-admin")
    assert path.stat().st_size > 10_000


def test_township_admin_is_refused_other_townships_page(desktop, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    login(desktop, a["admin"].username, PASSWORD)
    assert "甲镇" in desktop.locator("header").inner_text()
    desktop.goto(f"/org/{a['branch'].pk}/")
    assert desktop.locator("h1").inner_text() == a["branch"].name
    response = desktop.goto(f"/org/{b['branch'].pk}/")
    assert response.status == 404
    assert "不在您的数据范围内" in desktop.content()
    desktop.goto("/org/")
    listing = desktop.locator("main").inner_text()
    assert a["committee"].name in listing and b["committee"].name not in listing
    screenshot(desktop, "foundation-township-admin-refused")
