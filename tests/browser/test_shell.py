"""The page shell in a real browser: no console or CSP errors, a favicon, English mode."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, WorkerUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Records Content-Security-Policy violations before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


class Problems:
    """Console errors, uncaught exceptions, CSP violations and failed requests of one page."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(WATCH_CSP)
        page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "response",
            lambda r: self.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )

    def check(self, path: str) -> list[str]:
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        found = self.errors + [
            f"csp: {v}" for v in self.page.evaluate("window.__cspViolations || []")
        ]
        self.errors = []
        return found


def portal_login(page, live_server) -> None:
    from gigbranch.portal import services as portal_services

    user = WorkerUserFactory()
    portal_services.record_consent(user=user, basic=True, political_status=False)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_staff_pages_have_no_console_or_csp_errors(desktop, two_townships, county_admin):
    problems = Problems(desktop)
    login(desktop, "county_admin", PASSWORD)
    for path in ("/", "/org/", "/people/workers/", "/appeals/"):
        assert problems.check(path) == [], path
    # htmx's indicator rules come from our stylesheet, not from a style element it injects.
    assert desktop.locator("head style").count() == 0
    opacity = desktop.evaluate(
        "() => { const s = document.createElement('span'); s.className = 'htmx-indicator';"
        " document.body.appendChild(s); return getComputedStyle(s).opacity; }"
    )
    assert opacity == "0"


def test_portal_pages_have_no_console_or_csp_errors(phone, live_server):
    problems = Problems(phone)
    assert problems.check("/m/login/") == []
    portal_login(phone, live_server)
    for path in ("/m/", "/m/me/", "/m/stations/"):
        assert problems.check(path) == [], path


def test_favicon_is_linked_and_served(desktop, county_admin):
    desktop.goto("/accounts/login/")
    href = desktop.locator("link[rel=icon]").get_attribute("href")
    assert href and href.endswith(".svg")
    response = desktop.goto("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text()


HAN = re.compile(r"[\u4e00-\u9fff]")


def test_english_mode_screenshots(desktop, phone, two_townships, county_admin, live_server):
    desktop.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    login(desktop, "county_admin", PASSWORD)
    assert desktop.title() == "Cockpit - Party Building Platform for New Employment Groups"
    nav = desktop.locator("#gb-sidebar").inner_text()
    assert not HAN.search(nav), nav
    assert "County administrator" in desktop.locator("header").inner_text()
    screenshot(desktop, "english-console")
    for path, name in (
        ("/org/", "english-org-tree"),
        ("/org/coverage/", "english-coverage"),
        ("/people/workers/", "english-workers"),
        ("/appeals/", "english-appeals"),
    ):
        desktop.goto(path)
        assert desktop.locator("html").get_attribute("lang") == "en"
        screenshot(desktop, name)

    phone.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    portal_login(phone, live_server)
    phone.goto("/m/")
    assert phone.locator("html").get_attribute("lang") == "en"
    tabs = phone.locator("nav.tabs").inner_text()
    assert not HAN.search(tabs), tabs
    screenshot(phone, "english-portal-home")
    phone.goto("/m/me/")
    screenshot(phone, "english-portal-me")
