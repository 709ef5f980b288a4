"""Second factor in a real browser (ADR 0045): a county administrator binds an
authenticator at first sign-in (QR code rendered by the server), keeps the recovery
codes, and signs in again with a TOTP code."""

import base64
import time

import pytest

from gigbranch.accounts.models import MfaDevice
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def code_for(secret_b32: str, at: float) -> str:
    """What an authenticator app shows: RFC 6238 through django-otp's own TOTP."""
    from django_otp.oath import TOTP

    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    totp = TOTP(key, step=30, digits=6)
    totp.time = at
    return f"{totp.token():06d}"


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_identifier", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_enrol_then_sign_in_with_a_totp_code(desktop, county):
    user = UserFactory(username="liming", role="county_admin", scope_region=county)
    sign_in(desktop, "liming")
    assert desktop.url.endswith("/accounts/mfa/enrol/")
    assert desktop.locator(".gb-mfa-qr svg").count() == 1
    box = desktop.locator(".gb-mfa-qr svg").bounding_box()
    assert box and box["width"] >= 150
    secret = desktop.locator("#mfa-secret").inner_text().replace(" ", "")
    screenshot(desktop, "mfa-1-enrol")
    # Nothing else opens before the authenticator is bound.
    desktop.goto("/people/workers/")
    assert "/accounts/login/" in desktop.url
    desktop.goto("/accounts/mfa/enrol/")
    assert desktop.locator("#mfa-secret").inner_text().replace(" ", "") == secret

    desktop.fill("#id_code", code_for(secret, time.time()))
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    codes = desktop.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screenshot(desktop, "mfa-2-recovery-codes")
    desktop.click("text=我已保存恢复码，继续")
    desktop.wait_for_load_state("networkidle")
    assert desktop.url.endswith("/") and desktop.locator("header").count() == 1
    assert MfaDevice.objects.get(user=user).confirmed
    desktop.goto("/accounts/mfa/")
    assert "剩余可用恢复码：10 个" in desktop.content()
    screenshot(desktop, "mfa-3-status")
    desktop.click("header form button[type=submit]")
    desktop.wait_for_load_state("networkidle")

    sign_in(desktop, "liming")
    assert desktop.url.endswith("/accounts/mfa/verify/")
    desktop.fill("#id_code", "000000")
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert "验证码不正确" in desktop.content()
    screenshot(desktop, "mfa-4-verify-wrong")
    # The next time step: the one used to enrol is not accepted twice. django-otp's
    # back-off after the wrong code asks for a second's pause.
    time.sleep(1.1)
    desktop.fill("#id_code", code_for(secret, time.time() + 30))
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert desktop.url.endswith("/")
    assert "县级管理员" in desktop.locator("header").inner_text()
    screenshot(desktop, "mfa-5-signed-in")
