"""Portal accounts: SMS registration, consent (PIPL), roster linking, My data."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from gigbranch.accounts.models import User
from gigbranch.core.models import AuditEvent
from gigbranch.members import consent
from gigbranch.members.models import ConsentRecord
from gigbranch.portal import services
from gigbranch.portal.models import SmsCode
from tests.factories import (
    ActivityFactory,
    UserFactory,
    WorkerFactory,
    WorkerUserFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr("gigbranch.notifications.sms.send_sms", lambda **kw: sent.append(kw))
    return sent


def code_from(sent):
    return re.search(r"验证码是(\d{6})", sent[-1]["text"]).group(1)


def register(client, sms, capture, mobile="13912345678"):
    with capture(execute=True):
        r = client.post(reverse("portal:login"), {"mobile": mobile})
    assert r.status_code == 302 and r["Location"].startswith(reverse("portal:verify"))
    r = client.post(reverse("portal:verify"), {"code": code_from(sms)})
    return r


def test_register_consent_and_home(client, sms, django_capture_on_commit_callbacks):
    r = register(client, sms, django_capture_on_commit_callbacks)
    assert r.status_code == 302 and r["Location"].startswith(reverse("portal:consent"))
    user = User.objects.get(role="worker")
    assert user.mobile == "13912345678"
    assert not user.has_usable_password()
    # Portal pages need consent first.
    assert client.get(reverse("portal:home"))["Location"].startswith(reverse("portal:consent"))
    r = client.post(reverse("portal:consent"), {"basic": "on"})
    assert r.status_code == 302 and r["Location"] == reverse("portal:link")
    assert consent.answers(user) == {"basic": True, "political_status": False}
    # Kept by account until the account is matched to a roster worker (ADR 0026).
    assert (
        list(ConsentRecord.objects.values_list("account_id", "worker_id", "version"))
        == [(user.pk, None, services.CONSENT_VERSION)] * 2
    )
    assert client.get(reverse("portal:home")).status_code == 200
    assert SmsCode.objects.get().used_at is not None
    assert "13912345678" not in json.dumps(
        list(AuditEvent.objects.values_list("changes", flat=True))
    )


def test_consent_without_basic_is_refused(client, sms, django_capture_on_commit_callbacks):
    register(client, sms, django_capture_on_commit_callbacks)
    r = client.post(reverse("portal:consent"), {"political_status": "on"})
    assert r.status_code == 200
    assert "需要同意基本个人信息" in r.content.decode()
    assert ConsentRecord.objects.count() == 0


def test_wrong_code_counts_attempts_then_locks(client, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:login"), {"mobile": "13912345678"})
    good = code_from(sms)
    bad = "000000" if good != "000000" else "111111"
    for _ in range(5):
        r = client.post(reverse("portal:verify"), {"code": bad})
        assert "验证码不正确" in r.content.decode()
    r = client.post(reverse("portal:verify"), {"code": good})
    assert "错误次数过多" in r.content.decode()
    assert User.objects.count() == 0


def test_code_expires_and_resend_is_rate_limited(sms, django_capture_on_commit_callbacks):
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_code(mobile="13912345678", now=t0)
    with pytest.raises(ValidationError, match="60秒"):
        services.request_code(mobile="13912345678", now=t0 + dt.timedelta(seconds=30))
    with pytest.raises(ValidationError, match="已失效"):
        services.verify_code(
            mobile="13912345678", code=code_from(sms), now=t0 + dt.timedelta(minutes=6)
        )
    for i in range(1, 5):
        services.request_code(mobile="13912345678", now=t0 + dt.timedelta(minutes=2 * i))
    with pytest.raises(ValidationError, match="一小时"):
        services.request_code(mobile="13912345678", now=t0 + dt.timedelta(minutes=11))


def test_staff_mobile_cannot_log_in_to_portal(sms, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    UserFactory(role="county_admin", mobile="13900000001")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_code(mobile="13900000001")
    with pytest.raises(PermissionDenied):
        services.verify_code(mobile="13900000001", code=code_from(sms))


def test_link_requires_mobile_and_id_to_match():
    worker = WorkerFactory(mobile="13911112222", id_number=make_id_number(4242))
    other = WorkerFactory(mobile="13933334444", id_number=make_id_number(4343))
    user = WorkerUserFactory(mobile="13911112222")
    with pytest.raises(ValidationError, match="同时匹配"):
        services.link_worker(user=user, id_number=other.id_number)  # ID of someone else
    with pytest.raises(ValidationError, match="校验位"):
        services.link_worker(user=user, id_number="110105194912310021")
    user.refresh_from_db()
    assert user.worker_id is None
    assert services.link_worker(user=user, id_number=worker.id_number.lower()) == worker
    user.refresh_from_db()
    assert user.worker == worker


def test_consent_withdrawal_hides_political_status_from_staff_views(client, county):
    from gigbranch.organizations.models import Organization

    org = Organization.objects.create(name="城关街道党工委", kind="branch", region=county)
    org.path = f"{org.pk:06d}."
    org.save(update_fields=["path"])
    worker = WorkerFactory(political_status="party_member", region=county)
    user = WorkerUserFactory(worker=worker)
    services.record_consent(user=user, basic=True, political_status=True)
    activity = ActivityFactory(organization=org, region=county)
    from gigbranch.activities.services import sign_up

    sign_up(user=user, activity_id=activity.pk, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    admin = UserFactory(role="county_admin", scope_region=county)
    client.force_login(admin)
    page = client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert '<td class="political">中共党员</td>' in page
    assert consent.political_status_label(admin, worker) == "中共党员"

    client.force_login(user)
    client.post(reverse("portal:my_data"), {"action": "withdraw_political"})
    assert consent.answers(user)["political_status"] is False

    client.force_login(admin)
    page = client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "中共党员" not in page
    assert f'<td class="political">{consent.UNDISCLOSED_LABEL}</td>' in page
    assert consent.political_status_label(admin, worker) == consent.UNDISCLOSED_LABEL
    # One store: the withdrawal is the worker's latest record, written once.
    latest = consent.latest(worker, "political_status")
    assert (latest.granted, latest.method, latest.account_id) == (False, "门户勾选", user.pk)
    assert ConsentRecord.objects.filter(worker=worker, purpose="political_status").count() == 2
    # A roster worker with no consent record at all: not disclosed either.
    other = WorkerFactory(political_status="party_member", region=county)
    assert consent.political_status_label(admin, other) == consent.UNDISCLOSED_LABEL


def test_my_data_export_and_correct(client):
    worker = WorkerFactory(name="张三", mobile="13955556666")
    user = WorkerUserFactory(worker=worker, mobile="13955556666")
    services.record_consent(user=user, basic=True, political_status=False)
    client.force_login(user)
    client.post(reverse("portal:my_data"), {"action": "correct", "full_name": "张三丰"})
    user.refresh_from_db()
    assert user.full_name == "张三丰"
    r = client.get(reverse("portal:my_data_export"))
    data = json.loads(r.content)
    assert data["账号"]["姓名"] == "张三丰"
    assert data["登记信息"]["政治面貌"] == "（未授权处理）"
    assert AuditEvent.objects.filter(action="portal.data_exported").count() == 1


def test_withdrawing_basic_consent_closes_the_account(client):
    user = WorkerUserFactory()
    services.record_consent(user=user, basic=True, political_status=False)
    client.force_login(user)
    r = client.post(reverse("portal:my_data"), {"action": "withdraw_basic"})
    assert r["Location"] == reverse("portal:login")
    user.refresh_from_db()
    assert user.is_active is False


def test_staff_cannot_use_portal_pages(client):
    client.force_login(UserFactory(role="county_admin"))
    assert client.get(reverse("portal:stations")).status_code == 403


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False)
def test_anonymous_is_sent_to_sms_login(client):
    r = client.get(reverse("portal:me"))
    assert r["Location"] == f"{reverse('portal:login')}?next={reverse('portal:me')}"


def test_roster_withdrawal_recorded_by_staff_also_hides(county):
    worker = WorkerFactory(political_status="league_member", region=county)
    admin = UserFactory(role="county_admin", scope_region=county)
    consent.record_consent(
        actor=admin, worker=worker, purpose="political_status", granted=True, method="书面"
    )
    assert consent.political_status_label(admin, worker) == "共青团员"
    consent.record_consent(
        actor=admin, worker=worker, purpose="political_status", granted=False, method="书面"
    )
    assert consent.political_status_label(admin, worker) == consent.UNDISCLOSED_LABEL
    # The worker's portal account sees the same answer.
    user = WorkerUserFactory(worker=worker)
    assert consent.answers(user) == {"political_status": False}


def test_the_session_between_code_and_entry_holds_no_mobile_in_clear(
    client, sms, django_capture_on_commit_callbacks
):
    from django.contrib.sessions.models import Session

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:login"), {"mobile": "13912345678"})
    row = Session.objects.get(session_key=client.session.session_key)
    decoded = json.dumps(row.get_decoded(), ensure_ascii=False)
    assert "13912345678" not in decoded and "12345678" not in decoded
    # The verify page still knows whom the code went to (masked) and signs in.
    assert "139****5678" in client.get(reverse("portal:verify")).content.decode()
    r = client.post(reverse("portal:verify"), {"code": code_from(sms)})
    assert r.status_code == 302
    assert User.objects.get(role="worker").mobile == "13912345678"
