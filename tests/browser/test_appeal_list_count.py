"""The staff appeal list at scale on a desktop: the total and the page count are shown as
lower bounds ("余") when the pager did not count every appeal, and paging on works."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gigbranch.appeals.models import Appeal, Category, Channel
from gigbranch.appeals.views import staff as views
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
TZ = ZoneInfo("Asia/Shanghai")


def test_list_says_when_the_total_is_a_lower_bound(
    desktop, two_townships, county_admin, monkeypatch
):
    from django.core.management import call_command

    if not Category.objects.exists():
        call_command("migrate", "appeals", "0001", verbosity=0)
        call_command("migrate", "appeals", verbosity=0)
    monkeypatch.setattr(views, "LIST_PAGES_AHEAD", 1)
    category = Category.objects.get(code="wages")
    t = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    Appeal.objects.bulk_create(
        Appeal(
            tracking_no=f"T{i:09d}",
            category=category,
            description="站点拖欠工资",
            channel=Channel.HOTLINE,
            region=two_townships["a"]["town"],
            received_at=t + dt.timedelta(minutes=i),
            accept_due_at=t + dt.timedelta(hours=2),
            clock_started_at=t,
            reply_due_at=t + dt.timedelta(days=7),
        )
        for i in range(80)
    )
    login(desktop, "county_admin", PASSWORD)
    desktop.goto("/appeals/")
    assert desktop.locator("#list-count").inner_text().startswith("共 50 余件")
    assert "第 1 / 2 余页" in desktop.locator(".pagination").inner_text()
    screenshot(desktop, "appeals-list-count-lower-bound")
    desktop.click("text=下一页")
    desktop.wait_for_load_state("networkidle")
    desktop.click("text=下一页")
    desktop.wait_for_load_state("networkidle")
    assert desktop.locator("#list-count").inner_text() == "共 80 件。"
    assert "第 3 / 4 页" in desktop.locator(".pagination").inner_text()
    assert desktop.locator("tbody tr").count() == 25
    screenshot(desktop, "appeals-list-count-exact")
