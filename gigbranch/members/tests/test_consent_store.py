"""The one consent store (PIPL arts. 14, 28–29; ADR 0026): append-only, keyed by the worker,
with portal accounts that are not yet matched to a roster worker kept by account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gigbranch.core.models import AuditEvent
from gigbranch.members import consent
from gigbranch.members.models import ConsentRecord
from gigbranch.portal import services as portal_services
from tests.factories import UserFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db


def _at(minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, 2, 9, minute))


def test_reader_returns_the_latest_record(two_townships):
    a = two_townships["a"]
    worker = a["worker"]
    for granted, method in ((True, "书面签字"), (False, "书面撤回"), (True, "书面签字（再次）")):
        consent.record_consent(
            actor=a["admin"],
            worker=worker,
            purpose="political_status",
            granted=granted,
            method=method,
        )
    latest = consent.latest(worker, "political_status")
    assert (latest.granted, latest.method) == (True, "书面签字（再次）")
    assert consent.is_granted(worker, "political_status") is True
    assert consent.latest(worker, "basic") is None
    assert consent.is_granted(worker, "basic") is False
    assert consent.answers(worker) == {"political_status": True}
    # Same timestamp: the later row (higher id) wins.
    first, second = ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                worker=worker, purpose="contact", granted=True, method="书面", recorded_at=_at(1)
            ),
            ConsentRecord(
                worker=worker, purpose="contact", granted=False, method="书面", recorded_at=_at(1)
            ),
        ]
    )
    assert consent.latest(worker, "contact").pk == max(first.pk, second.pk)


def test_withdrawal_is_a_new_record_and_records_are_never_changed(two_townships):
    a = two_townships["a"]
    worker = a["worker"]
    granted = consent.record_consent(
        actor=a["admin"], worker=worker, purpose="political_status", granted=True, method="书面"
    )
    consent.record_consent(
        actor=a["admin"],
        worker=worker,
        purpose="political_status",
        granted=False,
        method="书面撤回",
    )
    assert list(consent.history(worker).values_list("purpose", "granted", "method")) == [
        ("political_status", False, "书面撤回"),
        ("political_status", True, "书面"),
    ]
    assert consent.is_granted(worker, "political_status") is False
    granted.granted = False
    with pytest.raises(ValidationError):
        granted.save()
    with pytest.raises(ValidationError):
        granted.delete()
    assert ConsentRecord.objects.filter(pk=granted.pk, granted=True).exists()
    events = AuditEvent.objects.filter(object_type="members.worker", object_id=str(worker.pk))
    assert list(events.order_by("id").values_list("action", "changes__purpose")) == [
        ("consent.granted", "political_status"),
        ("consent.withdrawn", "political_status"),
    ]


def test_bad_input_is_refused_in_chinese(two_townships):
    a = two_townships["a"]
    with pytest.raises(ValidationError, match="未知的同意事项"):
        consent.record_consent(
            actor=a["admin"], worker=a["worker"], purpose="x", granted=True, method="书面"
        )
    with pytest.raises(ValidationError, match="方式"):
        consent.record_consent(
            actor=a["admin"], worker=a["worker"], purpose="basic", granted=True, method="  "
        )
    assert ConsentRecord.objects.count() == 0


def test_portal_account_before_match_then_linked(two_townships):
    """An account answers before it is matched to its roster worker; the answers are kept
    by account and join the worker's records, in time order, when the account is linked."""
    a = two_townships["a"]
    worker = a["worker"]
    user = WorkerUserFactory(mobile=worker.mobile)
    portal_services.record_consent(user=user, basic=True, political_status=True)
    rows = ConsentRecord.objects.filter(account=user)
    assert rows.count() == 2 and not rows.filter(worker__isnull=False).exists()
    assert consent.answers(user) == {"basic": True, "political_status": True}
    assert consent.latest(worker, "political_status") is None  # not matched yet
    # Meanwhile staff record a written withdrawal for the roster worker.
    consent.record_consent(
        actor=a["admin"],
        worker=worker,
        purpose="political_status",
        granted=False,
        method="书面撤回",
    )
    portal_services.link_worker(user=user, id_number=worker.id_number)
    assert ConsentRecord.objects.filter(worker=worker).count() == 3
    assert ConsentRecord.objects.filter(account=user, worker=worker).count() == 2
    # One store: the staff record is the latest for both the account and the worker.
    assert consent.answers(user) == {"basic": True, "political_status": False}
    assert consent.latest(worker, "political_status").method == "书面撤回"
    assert consent.latest(worker, "basic").account_id == user.pk
    assert AuditEvent.objects.filter(action="consent.account_linked").count() == 1
    # The worker grants again on the portal: a new record keyed by both.
    portal_services.record_consent(user=user, basic=True, political_status=True)
    latest = consent.latest(worker, "political_status")
    assert (latest.granted, latest.account_id, latest.method) == (True, user.pk, "门户勾选")
    assert ConsentRecord.objects.filter(worker=worker).count() == 4


def test_staff_record_is_seen_by_the_linked_account(two_townships):
    a = two_townships["a"]
    worker = a["worker"]
    user = WorkerUserFactory(worker=worker)
    portal_services.record_consent(user=user, basic=True, political_status=True)
    consent.record_consent(
        actor=a["admin"],
        worker=worker,
        purpose="political_status",
        granted=False,
        method="书面撤回",
    )
    assert consent.answers(user)["political_status"] is False
    assert [r.method for r in consent.history(user)] == ["书面撤回", "门户勾选", "门户勾选"]


def test_denied_writes_change_nothing(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    worker = a["worker"]
    inspector = UserFactory(role="inspector", scope_region=a["town"])
    before = AuditEvent.objects.count()
    # No people.change: 403.
    client.force_login(inspector)
    data = {"purpose": "political_status", "granted": "on", "method": "书面"}
    r = client.post(f"/people/workers/{worker.pk}/consent/", data)
    assert r.status_code == 403
    # Another township's admin: the worker is outside the scope, 404.
    client.force_login(b["admin"])
    r = client.post(f"/people/workers/{worker.pk}/consent/", data)
    assert r.status_code == 404
    # The service refuses too, whoever calls it.
    for actor in (b["admin"], inspector, None, WorkerUserFactory()):
        with pytest.raises(PermissionDenied):
            consent.record_consent(
                actor=actor, worker=worker, purpose="political_status", granted=True, method="书面"
            )
    # A portal account may answer only for itself.
    other_account = WorkerUserFactory()
    with pytest.raises(PermissionDenied):
        consent.record_consent(
            actor=WorkerUserFactory(),
            account=other_account,
            purpose="basic",
            granted=True,
            method="门户勾选",
        )
    # Staff cannot answer the portal's consent screen.
    with pytest.raises(PermissionDenied):
        portal_services.record_consent(user=a["admin"], basic=True, political_status=True)
    assert ConsentRecord.objects.count() == 0
    assert AuditEvent.objects.count() == before
    # The allowed write through the page works and is audited.
    client.force_login(a["admin"])
    r = client.post(f"/people/workers/{worker.pk}/consent/", data)
    assert r.status_code == 302
    assert consent.is_granted(worker, "political_status") is True
    assert AuditEvent.objects.filter(action="consent.granted").count() == 1
