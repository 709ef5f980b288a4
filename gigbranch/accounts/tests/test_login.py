"""Login with username or mobile, lockout, password policy, hashing, session expiry."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from gigbranch.accounts import services
from gigbranch.accounts.models import User
from gigbranch.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory
from tests.mfa import login_with_mfa

pytestmark = pytest.mark.django_db


def _error(response) -> str:
    import re

    found = re.search(
        r'class="alert alert-danger"[^>]*>(.*?)</div>', response.content.decode(), re.S
    )
    return found.group(1).strip() if found else ""


def post_login(client, identifier, password):
    return client.post("/accounts/login/", {"identifier": identifier, "password": password})


def test_login_with_username_lands_on_console(client, county_admin):
    response = login_with_mfa(client, "county_admin", PASSWORD, county_admin)
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login.succeeded", actor=county_admin).count() == 1


def test_login_with_mobile_number(client, county):
    user = UserFactory(
        username="mobileuser", role="county_admin", scope_region=county, mobile="13912345678"
    )
    response = login_with_mfa(client, "139 1234 5678", PASSWORD, user)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_is_refused_in_chinese(client, county_admin):
    response = post_login(client, "county_admin", "wrong-password")
    assert response.status_code == 401
    assert "账号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_after_five_failures_for_fifteen_minutes(client, county_admin):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            post_login(client, "county_admin", "bad")
        county_admin.refresh_from_db()
        assert county_admin.failed_login_count == 4 and county_admin.locked_until is None
        response = post_login(client, "county_admin", "bad")
        # The fifth failure reads exactly like a failure for an account that does not
        # exist: the answer must not tell a guesser which accounts exist.
        unknown = post_login(client, "no_such_account", "bad")
        assert _error(response) == _error(unknown) != ""
        county_admin.refresh_from_db()
        assert county_admin.locked_until == start + dt.timedelta(minutes=15)
        # Even the right password is refused while locked, and nothing is logged in.
        response = post_login(client, "county_admin", PASSWORD)
        assert response.status_code == 401 and "_auth_user_id" not in client.session
        assert _error(response) == _error(unknown)
    with time_machine.travel(start + dt.timedelta(minutes=14, seconds=59), tick=False):
        assert post_login(client, "county_admin", PASSWORD).status_code == 401
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert post_login(client, "county_admin", PASSWORD).status_code == 302
    county_admin.refresh_from_db()
    assert county_admin.failed_login_count == 0 and county_admin.locked_until is None


def test_security_admin_unlocks(client_for, county_admin):
    county_admin.locked_until = timezone.now() + dt.timedelta(minutes=10)
    county_admin.save()
    secadmin = UserFactory(role="security_admin")
    client = client_for(secadmin)
    assert client.post(f"/accounts/security/{county_admin.pk}/unlock/").status_code == 302
    county_admin.refresh_from_db()
    assert county_admin.locked_until is None
    assert (
        AuditEvent.objects.filter(action="user.unlocked", object_id=str(county_admin.pk)).count()
        == 1
    )


def test_passwords_are_hashed_with_argon2(county_admin):
    assert county_admin.password.startswith("argon2$")


@pytest.mark.parametrize(
    "password,ok",
    [
        ("Short1!", False),
        ("alllowercaseletters", False),
        ("lowercase123456", False),
        ("Lowercase123456", True),
        ("lower-case-12345", True),
    ],
)
def test_password_policy(password, ok):
    if ok:
        validate_password(password, User(username="x"))
    else:
        with pytest.raises(ValidationError):
            validate_password(password, User(username="x"))


def test_there_is_no_superuser():
    with pytest.raises(ValueError):
        User.objects.create_superuser("root", password="x")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(is_superuser=True)


def test_staff_session_expires_after_30_idle_minutes(client, county_admin):
    login_with_mfa(client, "county_admin", PASSWORD, county_admin)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60


def test_worker_session_is_longer(client, county):
    from tests.factories import WorkerFactory

    worker = WorkerFactory(region=county)
    UserFactory(username="w1", role="worker", worker=worker)
    post_login(client, "w1", PASSWORD)
    client.get("/")
    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_create_user_requires_the_role_scope(county):
    with pytest.raises(ValidationError):
        services.create_user(
            actor=None, username="t1", password="Good-pass-2026", role="township_admin"
        )
    with pytest.raises(ValidationError):
        services.create_user(
            actor=None,
            username="t2",
            password="Good-pass-2026",
            role="audit_admin",
            scope_region=county,
        )
    assert not User.objects.filter(username__in=["t1", "t2"]).exists()


def test_system_admin_proposes_an_account_through_page(client_for, county):
    """The page makes a proposal; the account exists only after approval (test_separation)."""
    sysadmin = UserFactory(role="system_admin")
    client = client_for(sysadmin)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "newtown",
            "full_name": "新用户",
            "role": "township_admin",
            "scope_region": county.pk,
            "mobile": "13812345670",
            "reason": "新任乡镇干部",
        },
    )
    assert response.status_code == 302
    assert not User.objects.filter(username="newtown").exists()
    from gigbranch.accounts.models import AccountChange

    change = AccountChange.objects.get(username="newtown")
    assert change.scope_region == county
    assert AuditEvent.objects.filter(
        action="account_change.proposed", object_id=str(change.pk), actor=sysadmin
    ).exists()


def test_system_admin_issues_and_revokes_api_token(client_for, county_admin):
    from gigbranch.accounts.models import ApiToken

    sysadmin = UserFactory(role="system_admin")
    platform = UserFactory(username="platform_api", role="api_client")
    client = client_for(sysadmin)
    body = client.post(
        "/accounts/tokens/", {"name": "平台推送", "user": platform.pk}
    ).content.decode()
    token = ApiToken.objects.get(name="平台推送")
    raw = body.split('id="issued-token">')[1].split("<")[0]
    assert raw.startswith("gb_") and raw[3:11] == token.prefix
    assert raw not in token.token_hash
    from django.test import Client

    api = Client()
    assert (
        api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"]
        == "platform_api"
    )
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert (
        AuditEvent.objects.filter(action__in=["api_token.issued", "api_token.revoked"]).count() == 2
    )


def test_session_is_saved_at_most_once_a_minute_but_the_deadline_slides(client, county_admin):
    from django.contrib.sessions.models import Session

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login_with_mfa(client, "county_admin", PASSWORD, county_admin)
        client.get("/")
        first = Session.objects.get().expire_date
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        client.get("/")
        assert Session.objects.get().expire_date == first  # no write within the minute
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        client.get("/")
        assert Session.objects.get().expire_date == start + dt.timedelta(minutes=50)
    with time_machine.travel(start + dt.timedelta(minutes=49), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=81), tick=False):
        assert client.get("/").status_code == 302  # idle for more than 30 minutes


def test_system_admin_cannot_mint_a_token_for_a_business_account(client_for, county_admin):
    """三员分立: a token for the county admin would let the system admin read business data."""
    from gigbranch.accounts.models import ApiToken

    client = client_for(UserFactory(role="system_admin"))
    response = client.post("/accounts/tokens/", {"name": "越权", "user": county_admin.pk})
    assert response.status_code == 400
    assert "gb_" not in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="api_token.issued").exists()
    with pytest.raises(ValidationError):
        services.issue_api_token(
            actor=UserFactory(role="system_admin"), user=county_admin, name="x"
        )
    assert not ApiToken.objects.exists()


def test_every_password_rule_answers_in_chinese(settings):
    with pytest.raises(ValidationError) as caught:
        validate_password("Ab1!", User(username="someone"))
    messages = caught.value.messages
    assert messages and all(not any("a" <= c.lower() <= "z" for c in m) for m in messages), messages
    assert f"至少需要{settings.PASSWORD_MIN_LENGTH}个字符" in messages[0]


def test_login_failure_answer_does_not_tell_which_accounts_exist(client, county_admin):
    wrong = post_login(client, "county_admin", "bad")
    unknown = post_login(client, "nobody_here", "bad")
    assert wrong.status_code == unknown.status_code == 401
    assert _error(wrong) == _error(unknown) != ""
