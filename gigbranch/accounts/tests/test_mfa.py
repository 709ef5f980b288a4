"""Second factor at sign-in (ADR 0045): required for the three administrators and county
administrators, optional for other staff; recovery codes; reset by the security
administrator only; wrong codes rate-limited."""

import pytest
from django.test import Client

from gigbranch.accounts import mfa
from gigbranch.accounts.models import MfaDevice, RecoveryCode, User
from gigbranch.core.models import AuditEvent
from tests.factories import PASSWORD, UserFactory
from tests.mfa import MFA_TEST_SECRET, enrol_mfa, login_with_mfa, totp_code

pytestmark = pytest.mark.django_db

REQUIRED_ROLES = ["system_admin", "security_admin", "audit_admin", "county_admin"]


def _user(role, county, username="holder"):
    scope = {"scope_region": county} if role == "county_admin" else {}
    return UserFactory(username=username, role=role, **scope)


def post_login(client, identifier="holder", password=PASSWORD):
    return client.post("/accounts/login/", {"identifier": identifier, "password": password})


def _reaches_nothing(client):
    """A pending sign-in is not a session: pages send to login, the API answers 401."""
    for url in ("/", "/accounts/users/", "/accounts/security/", "/people/workers/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url
    assert client.get("/api/v1/me").status_code == 401
    assert "_auth_user_id" not in client.session


# --- pure rules ---------------------------------------------------------------------


@pytest.mark.parametrize("role", REQUIRED_ROLES)
def test_required_roles(role):
    assert mfa.required_for_role(role)


@pytest.mark.parametrize(
    "role", ["branch_secretary", "township_admin", "industry_admin", "worker", "api_client"]
)
def test_optional_roles(role):
    assert not mfa.required_for_role(role)


def test_the_requirement_can_be_switched_off_outside_production(settings):
    settings.MFA_REQUIRED = False
    assert not mfa.required_for_role("county_admin")


# --- required: not enrolled → enrolment and nothing else ----------------------------


@pytest.mark.parametrize("role", REQUIRED_ROLES)
def test_required_but_not_enrolled_is_sent_to_enrolment_and_reaches_nothing(role, county):
    user = _user(role, county)
    client = Client()
    response = post_login(client)
    assert response.status_code == 302 and response.url == "/accounts/mfa/enrol/"
    _reaches_nothing(client)
    # Skipping ahead does not help: the next step is still the enrolment.
    assert client.get("/accounts/login/continue/").url == "/accounts/mfa/enrol/"
    assert client.get("/accounts/mfa/verify/").url == "/accounts/mfa/enrol/"
    page = client.get("/accounts/mfa/enrol/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and 'id="mfa-secret"' in body
    device = MfaDevice.objects.get(user=user)
    assert not device.confirmed
    assert device.base32_secret[:4] in body
    # The key is encrypted at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_mfadevice WHERE id = %s", [device.pk])
        assert device.secret not in cursor.fetchone()[0]


@pytest.mark.parametrize("role", REQUIRED_ROLES)
def test_required_and_enrolled_must_pass_the_code(role, county):
    user = _user(role, county)
    enrol_mfa(user)
    client = Client()
    response = post_login(client)
    assert response.status_code == 302 and response.url == "/accounts/mfa/verify/"
    _reaches_nothing(client)
    wrong = client.post("/accounts/mfa/verify/", {"code": "000000"})
    assert wrong.status_code == 401 and "验证码不正确" in wrong.content.decode()
    _reaches_nothing(client)
    response = client.post("/accounts/mfa/verify/", {"code": totp_code(user)})
    assert response.status_code == 302 and response.url == "/"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert AuditEvent.objects.filter(action="mfa.verified", actor=user).count() == 1
    assert AuditEvent.objects.filter(action="mfa.failed", object_id=str(user.pk)).count() == 1


def test_enrolment_through_the_pages(county):
    user = _user("county_admin", county)
    client = Client()
    post_login(client)
    client.get("/accounts/mfa/enrol/")
    device = MfaDevice.objects.get(user=user)
    bad = client.post("/accounts/mfa/enrol/", {"code": "123"})
    assert bad.status_code == 400 and "验证码不正确" in bad.content.decode()
    assert not MfaDevice.objects.get(user=user).confirmed
    page = client.post("/accounts/mfa/enrol/", {"code": f"{device.totp().token():06d}"})
    body = page.content.decode()
    assert page.status_code == 200
    codes = body.split('id="recovery-codes">')[1].split("</ul>")[0]
    shown = [c.split(">")[1] for c in codes.split("</li>") if ">" in c]
    assert len(shown) == 10 and all(len(c) == 11 and c[5] == "-" for c in shown)
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(
        c in h or c.replace("-", "") in h for c in shown for h in stored
    )
    assert MfaDevice.objects.get(user=user).confirmed
    response = client.get("/accounts/login/continue/")
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor=user).count() == 1


def test_a_code_is_not_accepted_twice(county):
    user = _user("audit_admin", county)
    enrol_mfa(user)
    code = totp_code(user)
    first = Client()
    post_login(first)
    assert first.post("/accounts/mfa/verify/", {"code": code}).status_code == 302
    second = Client()
    post_login(second)
    assert second.post("/accounts/mfa/verify/", {"code": code}).status_code == 401
    assert "_auth_user_id" not in second.session


def test_a_pending_sign_in_ends_after_mfa_pending_seconds(settings, county):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    user = _user("county_admin", county)
    enrol_mfa(user)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_login(client)
    with time_machine.travel(start + dt.timedelta(seconds=settings.MFA_PENDING_SECONDS + 1)):
        response = client.post("/accounts/mfa/verify/", {"code": totp_code(user)})
        assert response.status_code == 302 and response.url == "/accounts/login/"
        assert "_auth_user_id" not in client.session


# --- optional for other staff -------------------------------------------------------


def test_optional_for_a_branch_secretary(county):
    from tests.factories import OrganizationFactory

    branch = OrganizationFactory(region=county)
    user = UserFactory(username="holder", role="branch_secretary", scope_organization=branch)
    client = Client()
    response = post_login(client)
    assert response.status_code == 302 and response.url == "/"
    assert int(client.session["_auth_user_id"]) == user.pk
    # Chosen voluntarily, the second factor is then asked for every time.
    client.get("/accounts/mfa/enrol/")
    device = MfaDevice.objects.get(user=user)
    client.post("/accounts/mfa/enrol/", {"code": f"{device.totp().token():06d}"})
    assert mfa.is_enrolled(user)
    client.post("/accounts/logout/")
    assert post_login(client).url == "/accounts/mfa/verify/"
    assert "_auth_user_id" not in client.session


# --- rate limit ---------------------------------------------------------------------


def test_wrong_codes_are_rate_limited_per_account(settings, county):
    settings.RATE_LIMITS = {"mfa.account": "3/300"}
    user = _user("security_admin", county)
    enrol_mfa(user)
    client = Client()
    post_login(client)
    for _ in range(3):
        assert client.post("/accounts/mfa/verify/", {"code": "111111"}).status_code == 401
    # From another address too, and even with the right code.
    other = Client(REMOTE_ADDR="10.9.9.9")
    post_login(other)
    response = other.post("/accounts/mfa/verify/", {"code": totp_code(user)})
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in other.session
    assert AuditEvent.objects.filter(action="mfa.failed").count() == 3


# --- recovery codes -----------------------------------------------------------------


def test_a_recovery_code_works_once(county):
    user = _user("system_admin", county)
    enrol_mfa(user)
    codes = mfa.regenerate_recovery_codes(user=user)
    client = Client()
    post_login(client)
    response = client.post("/accounts/mfa/verify/", {"code": codes[0].lower()})
    assert response.status_code == 302 and response.url == "/"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert mfa.recovery_codes_left(user) == 9
    event = AuditEvent.objects.get(action="mfa.recovery_code_used")
    assert event.changes == {"left": 9}
    again = Client()
    post_login(again)
    assert again.post("/accounts/mfa/verify/", {"code": codes[0]}).status_code == 401
    assert "_auth_user_id" not in again.session
    assert again.post("/accounts/mfa/verify/", {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_void_the_old_ones(client_for, county):
    user = _user("county_admin", county)
    enrol_mfa(user)
    old = mfa.regenerate_recovery_codes(user=user)
    page = client_for(user).post("/accounts/mfa/recovery-codes/")
    assert page.status_code == 200 and 'id="recovery-codes"' in page.content.decode()
    assert mfa.verify(user=user, code=old[0]) == ""
    assert mfa.recovery_codes_left(user) == 10


# --- reset by the security administrator only ---------------------------------------


def _reset(client, user):
    return client.post(f"/accounts/users/{user.pk}/reset-mfa/")


def test_security_admin_resets_a_lost_second_factor(client_for, county):
    holder = _user("county_admin", county)
    enrol_mfa(holder)
    mfa.regenerate_recovery_codes(user=holder)
    secadmin = UserFactory(username="sec", role="security_admin")
    response = _reset(client_for(secadmin), holder)
    assert response.status_code == 302
    assert not MfaDevice.objects.filter(user=holder).exists()
    assert not RecoveryCode.objects.filter(user=holder).exists()
    assert AuditEvent.objects.filter(action="mfa.reset", actor=secadmin).count() == 1
    # The next sign-in enrols again.
    assert post_login(Client()).url == "/accounts/mfa/enrol/"


@pytest.mark.parametrize("who", ["system_admin", "audit_admin", "self", "security_admin_self"])
def test_nobody_else_resets_a_second_factor_and_nothing_changes(who, client_for, county):
    if who == "security_admin_self":
        holder = UserFactory(username="holder", role="security_admin")
        actor = holder
    else:
        holder = _user("county_admin", county)
        actor = holder if who == "self" else UserFactory(username="other", role=who)
    enrol_mfa(holder)
    mfa.regenerate_recovery_codes(user=holder)
    before = MfaDevice.objects.get(user=holder).secret
    response = _reset(client_for(actor), holder)
    assert response.status_code == 403
    assert MfaDevice.objects.get(user=holder).secret == before
    assert RecoveryCode.objects.filter(user=holder).count() == 10
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()


def test_the_reset_button_is_shown_to_the_security_admin_only(client_for, county):
    holder = _user("county_admin", county)
    enrol_mfa(holder)
    url = f"/accounts/users/{holder.pk}/reset-mfa/"
    secadmin = UserFactory(username="sec", role="security_admin")
    assert url in client_for(secadmin).get("/accounts/users/").content.decode()
    sysadmin = UserFactory(username="sys", role="system_admin")
    assert url not in Client().get("/accounts/users/").content.decode()
    client = Client()
    client.force_login(sysadmin)
    assert url not in client.get("/accounts/users/").content.decode()


def test_the_service_refuses_other_roles(county):
    holder = _user("county_admin", county)
    enrol_mfa(holder, MFA_TEST_SECRET)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        mfa.reset(actor=UserFactory(username="sys", role="system_admin"), user=holder)
    assert User.objects.get(pk=holder.pk) and mfa.is_enrolled(holder)


def test_workers_have_no_second_factor_pages(client_for, county):
    from tests.factories import WorkerFactory

    worker = UserFactory(username="w", role="worker", worker=WorkerFactory(region=county))
    client = client_for(worker)
    assert client.get("/accounts/mfa/").status_code == 403
    assert client.get("/accounts/mfa/enrol/").status_code == 403
    assert not MfaDevice.objects.exists()


def test_signed_in_login_with_mfa_helper(client, county):
    user = _user("county_admin", county)
    assert login_with_mfa(client, "holder", PASSWORD, user).url == "/"
