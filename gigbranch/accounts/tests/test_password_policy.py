"""Passwords (ADR 0045): self-service change, history of the last PASSWORD_HISTORY
passwords, expiry after PASSWORD_MAX_AGE_DAYS counted in local days."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from gigbranch.accounts import changes
from gigbranch.accounts.models import PasswordHistory, User
from gigbranch.accounts.passwords import password_expired, password_expires_on
from gigbranch.core.models import AuditEvent
from tests.factories import PASSWORD, OrganizationFactory, UserFactory

UTC = dt.UTC

# --- expiry: pure rule, local days, UTC-aware inputs --------------------------------


def test_expiry_counts_local_days():
    # 2026-01-01 16:30 UTC is 2026-01-02 00:30 in Asia/Shanghai: the password was set on
    # 2 January and must be changed from 2 April (90 days later), local time.
    changed = dt.datetime(2026, 1, 1, 16, 30, tzinfo=UTC)
    assert password_expires_on(changed, 90) == dt.date(2026, 4, 2)
    last_valid = dt.datetime(2026, 4, 1, 15, 59, 59, tzinfo=UTC)  # 1 April 23:59:59 local
    first_expired = dt.datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # 2 April 00:00 local
    assert not password_expired(changed, 90, last_valid)
    assert password_expired(changed, 90, first_expired)


def test_a_late_evening_utc_change_is_already_the_next_local_day():
    changed = dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC)  # 31 March 23:59 local
    assert password_expires_on(changed, 1) == dt.date(2026, 4, 1)
    assert password_expired(changed, 1, dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC))


def test_no_expiry_when_switched_off_or_never_set():
    changed = dt.datetime(2020, 1, 1, tzinfo=UTC)
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert not password_expired(changed, 0, now)
    assert not password_expired(None, 90, now)


# --- expiry: forced change after sign-in --------------------------------------------


@pytest.fixture
def secretary(db, county):
    branch = OrganizationFactory(region=county)
    user = UserFactory(username="sec1", role="branch_secretary", scope_organization=branch)
    user.password_changed_at = dt.datetime(2026, 1, 1, 16, 30, tzinfo=UTC)  # 2 Jan local
    user.save(update_fields=["password_changed_at"])
    return user


def _login(client):
    return client.post("/accounts/login/", {"identifier": "sec1", "password": PASSWORD})


@pytest.mark.django_db
def test_the_day_before_expiry_signs_in(secretary):
    client = Client()
    with time_machine.travel(dt.datetime(2026, 4, 1, 15, 59, tzinfo=UTC), tick=False):
        response = _login(client)
        assert response.status_code == 302 and response.url == "/"
        assert int(client.session["_auth_user_id"]) == secretary.pk


@pytest.mark.django_db
def test_an_expired_password_must_be_changed_before_anything_else(secretary, settings):
    client = Client()
    with time_machine.travel(dt.datetime(2026, 4, 1, 16, 0, tzinfo=UTC), tick=False):
        response = _login(client)
        assert response.status_code == 302 and response.url == "/accounts/password/"
        assert "_auth_user_id" not in client.session
        assert client.get("/").status_code == 302
        page = client.get("/accounts/password/").content.decode()
        assert f"已使用超过 {settings.PASSWORD_MAX_AGE_DAYS} 天" in page
        new = "Fresh-pass-2026!"
        response = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password": new, "new_password_again": new},
        )
        assert response.status_code == 302 and response.url == "/"
        assert int(client.session["_auth_user_id"]) == secretary.pk
        user = User.objects.get(pk=secretary.pk)
        assert user.password_changed_at == dt.datetime(2026, 4, 1, 16, 0, tzinfo=UTC)
        assert AuditEvent.objects.filter(action="user.password_changed", actor=user).count() == 1


# --- history ------------------------------------------------------------------------


def _change(user, old, new):
    return changes.change_own_password(user=user, old_password=old, new_password=new)


@pytest.mark.django_db
def test_the_last_n_passwords_are_refused_and_older_ones_allowed(settings, county):
    from django.core.exceptions import ValidationError

    from gigbranch.accounts import services

    settings.PASSWORD_HISTORY = 3
    p = ["First-pass-2026!", "Second-pass-2026!", "Third-pass-2026!", "Fourth-pass-2026!"]
    user = services.create_user(
        actor=None, username="h1", password=p[0], role="township_admin", scope_region=county
    )
    _change(user, p[0], p[1])
    _change(user, p[1], p[2])
    # p[0], p[1], p[2] are the last 3: each is refused (p[2] is the current one too).
    for reused in (p[0], p[1]):
        with pytest.raises(ValidationError) as refused:
            _change(user, p[2], reused)
        assert refused.value.messages == ["新密码不能与最近3次使用过的密码相同。"]
    assert User.objects.get(pk=user.pk).check_password(p[2])
    _change(user, p[2], p[3])
    # Now the last 3 are p[1], p[2], p[3]: p[0] may come back.
    _change(user, p[3], p[0])
    assert User.objects.get(pk=user.pk).check_password(p[0])
    stored = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(stored) == 3
    assert all(h.startswith("argon2$") for h in stored)
    assert not any(raw in h for raw in p for h in stored)


@pytest.mark.django_db
def test_history_through_the_self_service_page(client_for, county):
    user = UserFactory(username="t9", role="township_admin", scope_region=county)
    from gigbranch.accounts.services import remember_password

    remember_password(user)
    client = client_for(user)
    new = "Another-pass-2026"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302
    client = client_for(User.objects.get(pk=user.pk))
    back = client.post(
        "/accounts/password/",
        {"old_password": new, "new_password": PASSWORD, "new_password_again": PASSWORD},
    )
    assert back.status_code == 400
    assert "不能与最近5次使用过的密码相同" in back.content.decode()
    assert User.objects.get(pk=user.pk).check_password(new)
    mismatch = client.post(
        "/accounts/password/",
        {"old_password": new, "new_password": "Abc-def-2026x", "new_password_again": "x"},
    )
    assert "两次输入的新密码不一致" in mismatch.content.decode()
    wrong_old = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password": "Abc-def-2026x",
            "new_password_again": "Abc-def-2026x",
        },
    )
    assert "原密码不正确" in wrong_old.content.decode()
    assert User.objects.get(pk=user.pk).check_password(new)
    assert AuditEvent.objects.filter(action="user.password_changed").count() == 1


@pytest.mark.django_db
def test_a_reset_password_enters_the_history(county):
    secadmin = UserFactory(username="sec", role="security_admin")
    user = UserFactory(
        username="t8", role="township_admin", scope_region=county, mobile="13800001111"
    )
    changes.reset_password(actor=secadmin, user=user)
    assert PasswordHistory.objects.filter(user=user).count() == 1
