"""Rate limits per account and per client address: login, SMS codes, appeal intake
(portal, hotline, API, Open311), Open311 reads, the API overall. Over the limit: 429,
Retry-After and a Chinese message, and nothing is done."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gigbranch.core import ratelimit
from tests.factories import PASSWORD


def test_fixed_window_counts_and_tells_the_wait(settings):
    settings.RATE_LIMITS = {"x": "3/60"}
    assert [ratelimit.hit("x", "k", now=120.0) for _ in range(3)] == [0, 0, 0]
    assert ratelimit.hit("x", "k", now=150.0) == 30  # window 120–180
    assert ratelimit.hit("x", "other", now=150.0) == 0  # keys are counted apart
    assert ratelimit.hit("x", "k", now=180.0) == 0  # a new window


def test_unconfigured_limits_do_not_limit(settings):
    settings.RATE_LIMITS = {"x": None}
    assert all(ratelimit.hit(name, "k") == 0 for name in ("x", "missing") for _ in range(50))


def test_wait_text_is_chinese():
    assert ratelimit.wait_text(5) == "5秒" and ratelimit.wait_text(61) == "2分钟"


@pytest.mark.django_db
def test_login_is_limited_per_address_and_answers_429_in_chinese(settings, client, county_admin):
    settings.RATE_LIMITS = {"login.ip": "3/300"}
    for _ in range(3):
        assert (
            client.post("/accounts/login/", {"identifier": "x", "password": "y"}).status_code == 401
        )
    response = client.post("/accounts/login/", {"identifier": "county_admin", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "操作过于频繁" in response.content.decode()
    assert "_auth_user_id" not in client.session  # the right password did nothing


@pytest.mark.django_db
def test_login_is_limited_per_account_across_addresses(settings, county_admin):
    settings.RATE_LIMITS = {"login.account": "2/300"}
    for n in range(2):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/accounts/login/", {"identifier": "county_admin", "password": "bad"}
        )
    response = Client(REMOTE_ADDR="10.0.0.9").post(
        "/accounts/login/", {"identifier": "County_Admin", "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_sms_codes_are_limited_per_address(settings, monkeypatch):
    from gigbranch.portal.models import SmsCode

    monkeypatch.setattr("gigbranch.notifications.sms.send_sms", lambda **kw: None)
    settings.RATE_LIMITS = {"sms_code.ip": "2/3600"}
    client = Client()
    for n in range(2):
        client.post("/m/login/", {"mobile": f"1391234567{n}"})
    response = client.post("/m/login/", {"mobile": "13912345679"})
    assert response.status_code == 429
    assert SmsCode.objects.count() == 2


@pytest.mark.django_db
def test_api_is_limited_per_account(settings, county_admin):
    settings.RATE_LIMITS = {"api.account": "2/60"}
    client = Client()
    client.force_login(county_admin)
    assert [client.get("/api/v1/me").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    assert "操作过于频繁" in response.json()["detail"] and int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_api_intake_is_limited_per_account_and_writes_nothing(settings, county_admin, county):
    from gigbranch.appeals.models import Appeal

    settings.RATE_LIMITS = {"appeal_intake.account": "0/3600"}
    client = Client()
    client.force_login(county_admin)
    response = client.post(
        "/api/v1/appeals",
        json.dumps({"category": "wages", "description": "站点拖欠两个月工资"}),
        content_type="application/json",
    )
    assert response.status_code == 429
    assert Appeal.objects.count() == 0


@pytest.mark.django_db
def test_open311_reads_are_limited_per_address(settings):
    settings.RATE_LIMITS = {"open311.read.ip": "2/60"}
    client = Client()
    codes = [client.get("/open311/v2/services.json").status_code for _ in range(3)]
    assert codes[2] == 429
    body = client.get("/open311/v2/services.json").json()
    assert body[0]["code"] == 429 and "操作过于频繁" in body[0]["description"]
