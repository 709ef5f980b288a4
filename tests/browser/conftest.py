"""Browser tests: a real Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety
check is relaxed for these tests only; the live server runs in its own thread.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def desktop(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 860}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, username: str, password: str) -> None:
    """Sign in; an account that has or needs a second factor passes it (ADR 0045): a
    required one not yet enrolled is enrolled with the test key first."""
    page.goto("/accounts/login/")
    page.fill("#id_identifier", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/mfa/" in page.url:
        from gigbranch.accounts import mfa
        from gigbranch.accounts.backends import find_user
        from tests.mfa import enrol_mfa, totp_code

        user = find_user(username)
        if not mfa.is_enrolled(user):
            enrol_mfa(user)
            page.goto("/accounts/login/continue/")
        page.fill("#id_code", totp_code(user))
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def ensure_reference_data() -> None:
    """A transactional test (transaction=True) flushes the rows data migrations wrote, such
    as the appeal categories; the demo seed needs them back."""
    from django.core.management import call_command

    from gigbranch.appeals.models import Category

    if not Category.objects.exists():
        call_command("migrate", "appeals", "0001", verbosity=0)
        call_command("migrate", "appeals", verbosity=0)
