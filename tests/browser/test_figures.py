"""Headline figures in the browser: a number on the home page opens a list of as many rows,
labelled with what it counts; a department handler's home page is their to-do."""

import re

import pytest
from django.urls import reverse

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


def test_home_figures_open_lists_of_as_many_rows_and_handler_sees_to_do(desktop, demo_county):
    # One test, one seed: a transactional test empties the database when it ends.
    login(desktop, "county", demo_county)
    stat = desktop.locator('[data-figure="full_members"]')
    assert stat.locator(".gb-stat-label").inner_text() == "正式党员"
    value = int(re.match(r"\d+", stat.locator(".gb-stat-value").inner_text()).group(0))
    assert value > 0
    screenshot(desktop, "figures-01-county-home")
    stat.click()
    desktop.wait_for_load_state("networkidle")
    assert "正式党员" in desktop.locator("#figure-note").inner_text()
    assert int(desktop.locator("#figure-count").inner_text()) == value
    screenshot(desktop, "figures-02-full-members-list")

    # Every list names the figures it holds, with the home page's numbers.
    desktop.goto("/")
    home = {
        key: desktop.locator(f'[data-figure="{key}"] .gb-stat-value').inner_text().split()[0]
        for key in ("active_workers", "party_branches")
    }
    desktop.goto(reverse("members:workers"))
    assert (
        f"在岗劳动者 {home['active_workers']} 人" in desktop.locator("#figure-links").inner_text()
    )
    assert "在岗和已离职" in desktop.locator("main").inner_text()
    screenshot(desktop, "figures-05-workers-list")
    desktop.goto(reverse("organizations:tree"))
    assert f"党支部 {home['party_branches']} 个" in desktop.locator("#figure-links").inner_text()
    screenshot(desktop, "figures-06-organisation-tree")

    desktop.context.clear_cookies()
    login(desktop, "renshe", demo_county)
    todo = desktop.locator("#todo")
    text = todo.inner_text()
    assert "待受理诉求" in text and "24小时内到期的诉求" in text and "超期未答复诉求" in text
    screenshot(desktop, "figures-03-handler-home")
    links = desktop.locator("#todo .card-footer a")
    assert links.count() > 0  # the demo department has work to do
    link = links.first
    expected = int(re.search(r"\d+", link.inner_text()).group(0))
    link.click()
    desktop.wait_for_load_state("networkidle")
    assert int(desktop.locator("#figure-count").inner_text()) == expected
    screenshot(desktop, "figures-04-handler-list")
