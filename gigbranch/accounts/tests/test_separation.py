"""三员分立 held by two people: what can one administrator account do alone? Nothing that
grants access. Each path is tried through the pages as an attacker would, and every
refused attempt is checked to change nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from gigbranch.accounts import changes
from gigbranch.accounts.models import AccountChange, User
from gigbranch.accounts.roles import Role
from gigbranch.accounts.separation import ChangeKind, approval_refusal, needs_approval
from gigbranch.core.models import AuditEvent
from gigbranch.notifications.sms import DevelopmentLogSmsBackend, mask_codes
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


# --- the rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,target,expected",
    [
        (ChangeKind.CREATE, Role.COUNTY_ADMIN, True),
        (ChangeKind.CREATE, Role.AUDIT_ADMIN, True),
        (ChangeKind.CHANGE, Role.BRANCH_SECRETARY, True),
        (ChangeKind.ACTIVATE, Role.COUNTY_ADMIN, True),
        (ChangeKind.DEACTIVATE, Role.COUNTY_ADMIN, False),
        (ChangeKind.DEACTIVATE, Role.API_CLIENT, False),
        (ChangeKind.DEACTIVATE, Role.AUDIT_ADMIN, True),
        (ChangeKind.DEACTIVATE, Role.SECURITY_ADMIN, True),
        (ChangeKind.DEACTIVATE, Role.SYSTEM_ADMIN, True),
    ],
)
def test_what_waits_for_a_second_person(kind, target, expected):
    assert needs_approval(kind, target) is expected


def test_who_may_approve():
    def refusal(role, approver=1, proposer=2, target=3):
        return approval_refusal(
            approver_id=approver, approver_role=role, proposer_id=proposer, target_id=target
        )

    assert refusal(Role.SECURITY_ADMIN) == ""
    assert refusal(Role.SECURITY_ADMIN, target=None) == ""
    assert "只有安全管理员" in refusal(Role.SYSTEM_ADMIN)
    assert "只有安全管理员" in refusal(Role.AUDIT_ADMIN)
    assert "只有安全管理员" in refusal(Role.COUNTY_ADMIN)
    assert "自己提出" in refusal(Role.SECURITY_ADMIN, approver=2)
    assert "本人账号" in refusal(Role.SECURITY_ADMIN, approver=3)


def test_one_time_passwords_meet_the_policy_and_differ():
    from django.contrib.auth.password_validation import validate_password

    seen = {changes.one_time_password() for _ in range(50)}
    assert len(seen) == 50
    for password in list(seen)[:10]:
        validate_password(password)


def test_the_development_outbox_masks_one_time_passwords():
    assert "Ab3#xyzQ" not in mask_codes("账号 t1 的一次性密码：Ab3#xyzQ ，请尽快登录")


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sys", role=Role.SYSTEM_ADMIN)


@pytest.fixture
def secadmin(db):
    return UserFactory(username="sec", role=Role.SECURITY_ADMIN, mobile="13900000001")


@pytest.fixture
def auditor(db):
    return UserFactory(username="aud", role=Role.AUDIT_ADMIN, mobile="13900000002")


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create_payload(county, **extra):
    payload = {
        "username": "newcounty",
        "full_name": "新县级管理员",
        "mobile": "13812345678",
        "role": Role.COUNTY_ADMIN,
        "scope_region": county.pk,
        "reason": "县委组织部新任干部",
        # An attacker's extra field: a password the proposer would like to know.
        "password": "Chosen-by-sysadmin-2026",
    }
    payload.update(extra)
    return payload


def login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"identifier": username, "password": password})


# --- creating an account --------------------------------------------------------------


def test_system_admin_alone_creates_no_account(sysadmin, county):
    client = as_user(sysadmin)
    response = client.post("/accounts/users/new/", create_payload(county))
    assert response.status_code == 302
    assert not User.objects.filter(username="newcounty").exists()
    change = AccountChange.objects.get(username="newcounty")
    assert change.status == AccountChange.Status.PENDING
    assert change.proposed_by == sysadmin
    assert AuditEvent.objects.filter(action="account_change.proposed", actor=sysadmin).exists()
    # The password the proposer chose opens nothing.
    assert login(Client(), "newcounty", "Chosen-by-sysadmin-2026").status_code == 401
    # The proposer cannot approve (no capability) ...
    assert client.post(f"/accounts/changes/{change.pk}/approve/").status_code == 403
    # ... nor through the service.
    with pytest.raises(Exception, match="只有安全管理员"):
        changes.approve(actor=sysadmin, change=change)
    change.refresh_from_db()
    assert change.status == AccountChange.Status.PENDING
    assert not User.objects.filter(username="newcounty").exists()


def test_approved_account_gets_its_password_by_sms_only(sysadmin, secadmin, county):
    as_user(sysadmin).post("/accounts/users/new/", create_payload(county))
    change = AccountChange.objects.get(username="newcounty")
    DevelopmentLogSmsBackend.last_raw_message_for_tests = None

    response = as_user(secadmin).post(
        f"/accounts/changes/{change.pk}/approve/", {"note": "核实无误"}
    )

    assert response.status_code == 200
    user = User.objects.get(username="newcounty")
    assert user.role == Role.COUNTY_ADMIN and user.scope_region == county
    assert user.must_change_password
    mobile, text = DevelopmentLogSmsBackend.last_raw_message_for_tests
    assert mobile == "13812345678"
    password = text.split("一次性密码：")[1].split()[0]
    assert user.check_password(password)
    # Neither administrator sees it: not on the approver's page, not in the outbox.
    assert password not in response.content.decode()
    assert "已通过短信发送" in response.content.decode()
    from gigbranch.notifications.models import SmsMessage

    assert all(password not in m.text for m in SmsMessage.objects.all())
    assert (
        password not in as_user(sysadmin).get("/accounts/changes/?status=approved").content.decode()
    )
    change.refresh_from_db()
    assert change.status == AccountChange.Status.APPROVED and change.decided_by == secadmin
    assert AuditEvent.objects.filter(action="user.created", actor=secadmin).exists()
    assert AuditEvent.objects.filter(action="user.one_time_password_sent").exists()


def test_first_login_must_change_the_password(sysadmin, secadmin, county):
    as_user(sysadmin).post("/accounts/users/new/", create_payload(county))
    change = AccountChange.objects.get(username="newcounty")
    DevelopmentLogSmsBackend.last_raw_message_for_tests = None
    as_user(secadmin).post(f"/accounts/changes/{change.pk}/approve/")
    password = (
        DevelopmentLogSmsBackend.last_raw_message_for_tests[1].split("一次性密码：")[1].split()[0]
    )

    client = Client()
    response = login(client, "newcounty", password)
    # A county administrator binds an authenticator first (ADR 0045), then sets a password.
    assert response.status_code == 302 and response.url == "/accounts/mfa/enrol/"
    assert client.get("/accounts/password/").url == "/accounts/mfa/enrol/"
    assert client.get("/accounts/mfa/enrol/").status_code == 200
    from gigbranch.accounts.models import MfaDevice

    device = MfaDevice.objects.get(user__username="newcounty", confirmed=False)
    codes_page = client.post("/accounts/mfa/enrol/", {"code": f"{device.totp().token():06d}"})
    assert codes_page.status_code == 200 and 'id="recovery-codes"' in codes_page.content.decode()
    response = client.get("/accounts/login/continue/")
    assert response.status_code == 302 and response.url == "/accounts/password/"
    # Not signed in: business pages send the holder back to the login page.
    assert client.get("/people/workers/").status_code == 302
    assert "_auth_user_id" not in client.session

    bad = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password": password, "new_password_again": password},
    )
    assert bad.status_code == 400 and "不能与原密码相同" in bad.content.decode()
    assert User.objects.get(username="newcounty").must_change_password

    new = "Own-secret-pass-77"
    response = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302
    user = User.objects.get(username="newcounty")
    assert not user.must_change_password and user.check_password(new)
    assert client.get("/people/workers/").status_code == 200
    assert login(Client(), "newcounty", password).status_code == 401


def test_a_new_account_needs_the_holders_own_mobile(sysadmin, secadmin, county):
    client = as_user(sysadmin)
    response = client.post("/accounts/users/new/", create_payload(county, mobile=""))
    assert response.status_code == 200 and "本人的手机号码" in response.content.decode()
    # The mobile of an existing account (e.g. the proposer's colleague) is refused.
    response = client.post("/accounts/users/new/", create_payload(county, mobile=secadmin.mobile))
    assert "已登记在另一个账号上" in response.content.decode()
    assert not AccountChange.objects.exists()


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.COUNTY_ADMIN])
def test_only_the_system_admin_proposes(role, county):
    actor = UserFactory(role=role, scope_region=county if role == Role.COUNTY_ADMIN else None)
    response = as_user(actor).post("/accounts/users/new/", create_payload(county))
    assert response.status_code == 403
    assert not AccountChange.objects.exists()
    assert not User.objects.filter(username="newcounty").exists()


def test_creating_another_administrator_takes_two_people(sysadmin, secadmin):
    as_user(sysadmin).post(
        "/accounts/users/new/",
        {
            "username": "sec2",
            "full_name": "第二安全管理员",
            "mobile": "13812340000",
            "role": Role.SECURITY_ADMIN,
            "reason": "轮岗",
        },
    )
    assert not User.objects.filter(username="sec2").exists()
    change = AccountChange.objects.get(username="sec2")
    as_user(secadmin).post(f"/accounts/changes/{change.pk}/approve/")
    assert User.objects.get(username="sec2").role == Role.SECURITY_ADMIN


# --- changing and disabling -----------------------------------------------------------


def test_changing_role_or_scope_waits_for_approval(sysadmin, secadmin, county):
    target = UserFactory(role=Role.INSPECTOR, scope_region=county)
    response = as_user(sysadmin).post(
        f"/accounts/users/{target.pk}/change/",
        {"role": Role.COUNTY_ADMIN, "scope_region": county.pk, "reason": "提任"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.INSPECTOR  # nothing changed yet
    change = AccountChange.objects.get(user=target)
    as_user(secadmin).post(f"/accounts/changes/{change.pk}/approve/")
    target.refresh_from_db()
    assert target.role == Role.COUNTY_ADMIN
    event = AuditEvent.objects.get(action="user.role_changed", object_id=str(target.pk))
    assert event.changes["before"]["role"] == Role.INSPECTOR


def test_system_admin_cannot_silence_the_auditor_alone(sysadmin, secadmin, auditor):
    response = as_user(sysadmin).post(f"/accounts/users/{auditor.pk}/toggle/")
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert auditor.is_active
    change = AccountChange.objects.get(user=auditor, kind=ChangeKind.DEACTIVATE)
    as_user(secadmin).post(f"/accounts/changes/{change.pk}/approve/")
    auditor.refresh_from_db()
    assert not auditor.is_active


def test_a_security_admin_cannot_approve_what_concerns_them(sysadmin, secadmin):
    as_user(sysadmin).post(f"/accounts/users/{secadmin.pk}/toggle/")
    change = AccountChange.objects.get(user=secadmin)
    response = as_user(secadmin).post(f"/accounts/changes/{change.pk}/approve/")
    assert response.status_code == 403
    change.refresh_from_db()
    secadmin.refresh_from_db()
    assert change.status == AccountChange.Status.PENDING and secadmin.is_active


def test_disabling_a_business_account_is_immediate(sysadmin, county):
    target = UserFactory(role=Role.COUNTY_ADMIN, scope_region=county)
    as_user(sysadmin).post(f"/accounts/users/{target.pk}/toggle/")
    target.refresh_from_db()
    assert not target.is_active
    # Re-enabling grants access again: it waits.
    as_user(sysadmin).post(f"/accounts/users/{target.pk}/toggle/")
    target.refresh_from_db()
    assert not target.is_active
    assert AccountChange.objects.get(user=target).kind == ChangeKind.ACTIVATE


def test_rejection_needs_a_note_and_changes_nothing(sysadmin, secadmin, county):
    as_user(sysadmin).post("/accounts/users/new/", create_payload(county))
    change = AccountChange.objects.get(username="newcounty")
    client = as_user(secadmin)
    client.post(f"/accounts/changes/{change.pk}/reject/", {"note": ""})
    change.refresh_from_db()
    assert change.status == AccountChange.Status.PENDING
    client.post(f"/accounts/changes/{change.pk}/reject/", {"note": "人员信息未核实"})
    change.refresh_from_db()
    assert change.status == AccountChange.Status.REJECTED
    assert not User.objects.filter(username="newcounty").exists()
    # A decided request cannot be approved afterwards.
    client.post(f"/accounts/changes/{change.pk}/approve/")
    assert not User.objects.filter(username="newcounty").exists()


def test_only_the_proposer_withdraws(sysadmin, county):
    as_user(sysadmin).post("/accounts/users/new/", create_payload(county))
    change = AccountChange.objects.get(username="newcounty")
    other = UserFactory(role=Role.SYSTEM_ADMIN)
    as_user(other).post(f"/accounts/changes/{change.pk}/withdraw/")
    change.refresh_from_db()
    assert change.status == AccountChange.Status.PENDING
    as_user(sysadmin).post(f"/accounts/changes/{change.pk}/withdraw/")
    change.refresh_from_db()
    assert change.status == AccountChange.Status.WITHDRAWN


# --- password resets ------------------------------------------------------------------


def test_security_admin_resets_a_business_password_to_the_holders_phone(secadmin, county):
    target = UserFactory(role=Role.COUNTY_ADMIN, scope_region=county, mobile="13811112222")
    DevelopmentLogSmsBackend.last_raw_message_for_tests = None
    response = as_user(secadmin).post(f"/accounts/users/{target.pk}/reset-password/")
    assert response.status_code == 200
    mobile, text = DevelopmentLogSmsBackend.last_raw_message_for_tests
    password = text.split("一次性密码：")[1].split()[0]
    assert mobile == "13811112222" and password not in response.content.decode()
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(password)
    assert not target.check_password(PASSWORD)


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.SECURITY_ADMIN])
def test_no_administrator_resets_another_administrator(secadmin, role):
    target = UserFactory(role=role, mobile="13811113333")
    as_user(secadmin).post(f"/accounts/users/{target.pk}/reset-password/")
    target.refresh_from_db()
    assert target.check_password(PASSWORD) and not target.must_change_password


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_only_the_security_admin_resets(role, county):
    actor = UserFactory(role=role)
    target = UserFactory(role=Role.COUNTY_ADMIN, scope_region=county, mobile="13811114444")
    assert as_user(actor).post(f"/accounts/users/{target.pk}/reset-password/").status_code == 403
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_auditor_can_do_none_of_it(auditor, sysadmin, county):
    as_user(sysadmin).post("/accounts/users/new/", create_payload(county))
    change = AccountChange.objects.get()
    client = as_user(auditor)
    for url in [
        "/accounts/users/new/",
        f"/accounts/changes/{change.pk}/approve/",
        f"/accounts/changes/{change.pk}/reject/",
        f"/accounts/users/{sysadmin.pk}/toggle/",
    ]:
        assert client.post(url, create_payload(county)).status_code == 403
    change.refresh_from_db()
    assert change.status == AccountChange.Status.PENDING
    assert sysadmin.is_active


def test_operator_break_glass_reset(sysadmin, capsys):
    from django.core.management import call_command

    call_command("reset_admin_password", "sys", reason="遗失密码")
    password = capsys.readouterr().out.split("一次性密码：")[1].split()[0]
    sysadmin.refresh_from_db()
    assert sysadmin.check_password(password) and sysadmin.must_change_password
    assert AuditEvent.objects.filter(action="user.password_reset_by_operator").exists()


def test_self_service_password_change(county):
    user = UserFactory(role=Role.COUNTY_ADMIN, scope_region=county)
    client = as_user(user)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "wrong",
            "new_password": "N3w-pass-2026x",
            "new_password_again": "N3w-pass-2026x",
        },
    )
    assert "原密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "N3w-pass-2026x",
            "new_password_again": "N3w-pass-2026x",
        },
    )
    user.refresh_from_db()
    assert user.check_password("N3w-pass-2026x")
