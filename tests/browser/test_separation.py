"""三员 journey: the system administrator proposes an account, the security administrator
approves it, the new official receives a one-time password by SMS and must change it."""

import pytest

from gigbranch.accounts.models import User
from gigbranch.notifications.sms import DevelopmentLogSmsBackend
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def logout(page) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_new_account_takes_two_administrators_and_a_password_change(desktop, county):
    UserFactory(username="sys", role="system_admin")
    UserFactory(username="sec", role="security_admin", mobile="13900000001")

    login(desktop, "sys", PASSWORD)
    desktop.goto("/accounts/users/new/")
    desktop.fill("#id_username", "liwei")
    desktop.fill("#id_full_name", "李伟")
    desktop.fill("#id_mobile", "13812345678")
    desktop.select_option("#id_role", "county_admin")
    desktop.select_option("#id_scope_region", str(county.pk))
    desktop.fill("#id_reason", "县委组织部新任干部")
    screenshot(desktop, "separation-1-propose")
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert "安全管理员批准后账号生效" in desktop.content()
    assert "撤回" in desktop.locator("main table").inner_text()
    assert not User.objects.filter(username="liwei").exists()
    logout(desktop)

    login(desktop, "sec", PASSWORD)
    desktop.goto("/accounts/changes/")
    row = desktop.locator("main table tbody tr").first
    assert "liwei" in row.inner_text() and "县级管理员" in row.inner_text()
    screenshot(desktop, "separation-2-approve")
    DevelopmentLogSmsBackend.last_raw_message_for_tests = None
    row.locator("input[name=note]").fill("已核实身份")
    row.get_by_role("button", name="批准").click()
    desktop.wait_for_load_state("networkidle")
    status = desktop.get_by_test_id("otp-status").inner_text()
    assert "已通过短信发送至本人手机 138****5678" in status
    screenshot(desktop, "separation-3-sent")
    password = DevelopmentLogSmsBackend.last_raw_message_for_tests[1]
    password = password.split("一次性密码：")[1].split()[0]
    assert password not in desktop.content()
    logout(desktop)

    login(desktop, "liwei", password)
    assert desktop.url.endswith("/accounts/password/")
    assert "设置新密码" in desktop.content()
    screenshot(desktop, "separation-4-forced-change")
    desktop.fill("#id_old_password", password)
    desktop.fill("#id_new_password", "Liwei-own-2026!")
    desktop.fill("#id_new_password_again", "Liwei-own-2026!")
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert "县级管理员" in desktop.locator("header").inner_text()
    assert not User.objects.get(username="liwei").must_change_password
