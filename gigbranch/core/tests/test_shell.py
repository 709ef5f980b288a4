"""The page shell: favicon and htmx configured for our Content-Security-Policy."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")
    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as icon:
        assert icon.read().startswith("<svg xmlns=")


@pytest.mark.parametrize("url", ["/accounts/login/", "/m/login/"])
def test_base_templates_link_the_icon(client, url):
    body = client.get(url).content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in body


def test_htmx_does_not_inject_its_indicator_style(client):
    """CSP style-src 'self' refuses inline styles, so htmx must not add its own <style>."""
    body = client.get("/accounts/login/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", body)
    assert meta is not None and json.loads(meta.group(1)) == {"includeIndicatorStyles": False}
    path = finders.find("css/app.css")
    assert path is not None
    with open(path, encoding="utf-8") as css:
        text = css.read()
    assert ".htmx-indicator { opacity: 0;" in text and ".htmx-request .htmx-indicator" in text


@pytest.mark.parametrize(
    ("language", "lang", "title"),
    [
        ("en", "en", "Page not found - Party Building Platform for New Employment Groups"),
        ("zh-hans", "zh-Hans", "页面不存在 - 新就业群体党建工作平台"),
    ],
)
def test_error_and_portal_pages_declare_the_language_shown(client, language, lang, title):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get("/no-such-page/").content.decode()
    assert f'<html lang="{lang}">' in body and f"<title>{title}</title>" in body
    assert f'<html lang="{lang}">' in client.get("/m/login/").content.decode()
