"""API tokens end (ADR 0045): expiry, rotation with a grace period, last-used time."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gigbranch.accounts import services
from gigbranch.accounts.models import ApiToken
from gigbranch.core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPIRED = "令牌已过期（或已轮换且过渡期已结束），请使用新令牌或联系系统管理员。"


@pytest.fixture
def platform(db):
    return UserFactory(username="platform_api", role="api_client")


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sys", role="system_admin")


def me(raw):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_works_until_its_last_second(sysadmin, platform):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token, raw = services.issue_api_token(actor=sysadmin, user=platform, name="推送", days=30)
    assert token.expires_at == start + dt.timedelta(days=30)
    with time_machine.travel(start + dt.timedelta(days=30, seconds=-1), tick=False):
        assert me(raw).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=30), tick=False):
        response = me(raw)
        assert response.status_code == 401
        assert response.json() == {"detail": EXPIRED}


def test_the_default_validity_is_configurable(settings, sysadmin, platform):
    settings.API_TOKEN_DAYS = 7
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token, _ = services.issue_api_token(actor=sysadmin, user=platform, name="推送")
    assert token.expires_at == start + dt.timedelta(days=7)
    for days in (0, 1096):
        with pytest.raises(ValidationError):
            services.issue_api_token(actor=sysadmin, user=platform, name="x", days=days)
    assert ApiToken.objects.count() == 1


def test_an_expired_token_stays_refused_from_the_cache(sysadmin, platform):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, raw = services.issue_api_token(actor=sysadmin, user=platform, name="推送", days=1)
        assert me(raw).status_code == 200  # cached now
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        assert me(raw).status_code == 401


def test_an_unknown_token_keeps_the_generic_message():
    response = me("gb_unknown")
    assert response.status_code == 401 and response.json() == {"detail": "未登录或令牌无效。"}


def test_rotation_keeps_the_old_secret_for_the_grace_period_only(settings, sysadmin, platform):
    settings.API_TOKEN_ROTATION_GRACE_HOURS = 48
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old, old_raw = services.issue_api_token(actor=sysadmin, user=platform, name="推送")
    rotated_at = start + dt.timedelta(days=10)
    with time_machine.travel(rotated_at, tick=False):
        assert me(old_raw).status_code == 200
        new, new_raw = services.rotate_api_token(actor=sysadmin, token=old)
    assert new_raw != old_raw and new.replaces_id == old.pk and new.user_id == platform.pk
    old.refresh_from_db()
    assert old.rotated_at == rotated_at
    assert old.expires_at == rotated_at + dt.timedelta(hours=48)
    assert new.expires_at == rotated_at + dt.timedelta(days=settings.API_TOKEN_DAYS)
    with time_machine.travel(rotated_at + dt.timedelta(hours=48, seconds=-1), tick=False):
        assert me(old_raw).status_code == 200
        assert me(new_raw).status_code == 200
    with time_machine.travel(rotated_at + dt.timedelta(hours=48), tick=False):
        assert me(old_raw).json() == {"detail": EXPIRED}
        assert me(new_raw).status_code == 200
    event = AuditEvent.objects.get(action="api_token.rotated")
    assert event.actor == sysadmin and event.object_id == str(old.pk)
    # A rotated token is not rotated again; its successor is.
    with pytest.raises(ValidationError):
        services.rotate_api_token(actor=sysadmin, token=old)
    assert ApiToken.objects.count() == 2


def test_rotation_never_lengthens_a_token_ending_sooner(settings, sysadmin, platform):
    settings.API_TOKEN_ROTATION_GRACE_HOURS = 72
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old, _ = services.issue_api_token(actor=sysadmin, user=platform, name="推送", days=1)
        services.rotate_api_token(actor=sysadmin, token=old)
    old.refresh_from_db()
    assert old.expires_at == start + dt.timedelta(days=1)


def test_revoked_or_expired_tokens_are_not_rotated(sysadmin, platform):
    token, _ = services.issue_api_token(actor=sysadmin, user=platform, name="推送", days=1)
    services.revoke_api_token(actor=sysadmin, token=token)
    with pytest.raises(ValidationError):
        services.rotate_api_token(actor=sysadmin, token=token)
    assert ApiToken.objects.count() == 1
    assert not AuditEvent.objects.filter(action="api_token.rotated").exists()


def test_last_used_is_written_at_most_once_a_minute(sysadmin, platform, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    token, raw = services.issue_api_token(actor=sysadmin, user=platform, name="推送")
    assert token.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        me(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        me(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        me(raw)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=60)


# --- the page -----------------------------------------------------------------------


def test_the_page_rotates_and_shows_the_new_token_once(client_for, sysadmin, platform):
    token, _ = services.issue_api_token(actor=sysadmin, user=platform, name="推送")
    client = client_for(sysadmin)
    page = client.get("/accounts/tokens/").content.decode()
    assert "有效期至" in page and f"/accounts/tokens/{token.pk}/rotate/" in page
    response = client.post(f"/accounts/tokens/{token.pk}/rotate/")
    body = response.content.decode()
    assert response.status_code == 200
    raw = body.split('id="issued-token">')[1].split("<")[0]
    successor = ApiToken.objects.get(replaces=token)
    assert raw[3:11] == successor.prefix
    assert "已轮换，过渡期内" in body
    assert raw not in client.get("/accounts/tokens/").content.decode()


def test_the_page_issues_with_a_validity_and_refuses_bad_input(client_for, sysadmin, platform):
    client = client_for(sysadmin)
    response = client.post("/accounts/tokens/", {"name": "推送", "user": platform.pk, "days": 0})
    assert response.status_code == 400 and "有效期至少1天" in response.content.decode()
    response = client.post("/accounts/tokens/", {"name": "推送", "user": platform.pk, "days": "x"})
    assert response.status_code == 400 and "请输入天数" in response.content.decode()
    assert not ApiToken.objects.exists()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/accounts/tokens/", {"name": "推送", "user": platform.pk, "days": 10})
    assert ApiToken.objects.get().expires_at == start + dt.timedelta(days=10)


@pytest.mark.parametrize("role", ["security_admin", "audit_admin"])
def test_other_administrators_cannot_rotate(role, client_for, sysadmin, platform):
    token, _ = services.issue_api_token(actor=sysadmin, user=platform, name="推送")
    client = client_for(UserFactory(username="other", role=role))
    assert client.post(f"/accounts/tokens/{token.pk}/rotate/").status_code == 403
    token.refresh_from_db()
    assert token.rotated_at is None and ApiToken.objects.count() == 1
    assert not AuditEvent.objects.filter(action="api_token.rotated").exists()
