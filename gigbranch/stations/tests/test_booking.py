"""Appointments: booking, cancelling, the race for the last slot, counselling privacy."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from gigbranch.stations import services
from gigbranch.stations.models import Booking, BookingEvent, BookingStatus
from tests.factories import ServiceProviderFactory, SlotFactory, UserFactory, WorkerUserFactory

NOW = dt.datetime(2029, 12, 31, 9, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_book_and_cancel_frees_the_slot():
    slot = SlotFactory()
    a, b = WorkerUserFactory(), WorkerUserFactory()
    booking = services.book_slot(user=a, slot_id=slot.pk, topic="欠薪", now=NOW)
    assert booking.status == BookingStatus.BOOKED
    with pytest.raises(ValidationError, match="已被预约"):
        services.book_slot(user=b, slot_id=slot.pk, now=NOW)
    services.cancel_booking(actor=a, booking=booking)
    assert services.book_slot(user=b, slot_id=slot.pk, now=NOW).user == b
    assert list(
        BookingEvent.objects.filter(booking=booking).values_list("to_status", flat=True)
    ) == ["booked", "cancelled"]


@pytest.mark.django_db
def test_past_slot_and_staff_booking_refused_and_change_nothing():
    slot = SlotFactory(starts_at=NOW - dt.timedelta(hours=1), ends_at=NOW)
    with pytest.raises(ValidationError, match="已开始或已过去"):
        services.book_slot(user=WorkerUserFactory(), slot_id=slot.pk, now=NOW)
    slot2 = SlotFactory()
    with pytest.raises(PermissionDenied):
        services.book_slot(user=UserFactory(role="county_admin"), slot_id=slot2.pk, now=NOW)
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_cancelled_booking_cannot_be_cancelled_twice():
    slot = SlotFactory()
    user = WorkerUserFactory()
    booking = services.book_slot(user=user, slot_id=slot.pk, now=NOW)
    services.cancel_booking(actor=user, booking=booking)
    with pytest.raises(ValidationError, match="不能从“已取消”"):
        services.cancel_booking(actor=user, booking=booking)


@pytest.mark.django_db
def test_other_worker_cannot_cancel_my_booking():
    slot = SlotFactory()
    mine = services.book_slot(user=WorkerUserFactory(), slot_id=slot.pk, now=NOW)
    with pytest.raises(PermissionDenied):
        services.cancel_booking(actor=WorkerUserFactory(), booking=mine)
    mine.refresh_from_db()
    assert mine.status == BookingStatus.BOOKED


@pytest.mark.django_db
def test_counselling_bookings_visible_only_to_provider_and_worker(county):
    from gigbranch.organizations.models import Department

    provider_user = UserFactory(
        role="department_handler",
        department=Department.objects.create(name="县卫健局", region=county),
    )
    counselling = ServiceProviderFactory(kind="counselling", region=county)
    counselling.staff.add(provider_user)
    legal = ServiceProviderFactory(kind="legal_aid", region=county)
    worker, other = WorkerUserFactory(), WorkerUserFactory()
    c = services.book_slot(user=worker, slot_id=SlotFactory(provider=counselling).pk, now=NOW)
    lg = services.book_slot(user=worker, slot_id=SlotFactory(provider=legal).pk, now=NOW)
    county_admin = UserFactory(role="county_admin", scope_region=county)
    branch = UserFactory(role="branch_secretary")
    assert set(Booking.objects.visible_to(worker)) == {c, lg}
    assert set(Booking.objects.visible_to(other)) == set()
    assert set(Booking.objects.visible_to(provider_user)) == {c}
    assert set(Booking.objects.visible_to(county_admin)) == {lg}
    assert set(Booking.objects.visible_to(branch)) == set()


def _race(slot_id, users):
    barrier = threading.Barrier(len(users))
    results: list[object] = [None] * len(users)

    def run(i, user):
        try:
            barrier.wait(timeout=10)
            results[i] = services.book_slot(user=user, slot_id=slot_id, now=NOW)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_for_the_last_slot_exactly_one_succeeds():
    slot = SlotFactory()
    users = [WorkerUserFactory(), WorkerUserFactory()]
    for _round in range(3):
        results = _race(slot.pk, users)
        successes = [r for r in results if isinstance(r, Booking)]
        failures = [r for r in results if isinstance(r, ValidationError)]
        assert len(successes) == 1, results
        assert len(failures) == 1, results
        assert Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count() == 1
        services.cancel_booking(actor=successes[0].user, booking=successes[0])
    assert Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count() == 0


@pytest.mark.django_db
def test_reminders_sent_once(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("gigbranch.notifications.sms.send_sms", lambda **kw: sent.append(kw))
    slot = SlotFactory(starts_at=NOW + dt.timedelta(hours=5), ends_at=NOW + dt.timedelta(hours=6))
    user = WorkerUserFactory(mobile="13700001111")
    services.book_slot(user=user, slot_id=slot.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(now=NOW) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(now=NOW) == 0
    assert len(sent) == 1
    assert sent[0]["mobile"] == "13700001111"
    assert "法律援助" in sent[0]["text"]
