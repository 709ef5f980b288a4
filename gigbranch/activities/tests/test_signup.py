"""Sign-up with capacity and a waiting list that moves up on cancellation."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from gigbranch.activities import services
from gigbranch.activities.models import SignUp, SignUpEvent, SignUpStatus
from tests.factories import ActivityFactory, UserFactory, WorkerUserFactory

NOW = dt.datetime(2030, 4, 1, 9, tzinfo=dt.UTC)


def later(minutes):
    return NOW + dt.timedelta(minutes=minutes)


@pytest.mark.django_db
def test_capacity_then_waiting_list_then_promotion_in_order():
    activity = ActivityFactory(capacity=2)
    users = [WorkerUserFactory() for _ in range(4)]
    s = [
        services.sign_up(user=u, activity_id=activity.pk, now=later(i)) for i, u in enumerate(users)
    ]
    assert [x.status for x in s] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert services.waitlist_position(s[2]) == 1
    assert services.waitlist_position(s[3]) == 2
    services.cancel_signup(actor=users[0], signup=s[0])
    statuses = dict(SignUp.objects.values_list("user_id", "status"))
    assert statuses == {
        users[0].pk: "cancelled",
        users[1].pk: "confirmed",
        users[2].pk: "confirmed",
        users[3].pk: "waitlisted",
    }
    s[3].refresh_from_db()
    assert services.waitlist_position(s[3]) == 1
    assert list(SignUpEvent.objects.filter(signup=s[2]).values_list("to_status", "note")) == [
        ("waitlisted", ""),
        ("confirmed", "候补递补"),
    ]


@pytest.mark.django_db
def test_cancelling_a_waitlisted_entry_promotes_nobody():
    activity = ActivityFactory(capacity=1)
    a, b, c = (WorkerUserFactory() for _ in range(3))
    services.sign_up(user=a, activity_id=activity.pk, now=later(1))
    sb = services.sign_up(user=b, activity_id=activity.pk, now=later(2))
    services.sign_up(user=c, activity_id=activity.pk, now=later(3))
    services.cancel_signup(actor=b, signup=sb)
    assert dict(SignUp.objects.values_list("user_id", "status")) == {
        a.pk: "confirmed",
        b.pk: "cancelled",
        c.pk: "waitlisted",
    }


@pytest.mark.django_db
def test_duplicate_and_late_and_staff_signups_refused():
    activity = ActivityFactory(capacity=5, signup_deadline=later(60))
    user = WorkerUserFactory()
    services.sign_up(user=user, activity_id=activity.pk, now=later(1))
    with pytest.raises(ValidationError, match="已报名"):
        services.sign_up(user=user, activity_id=activity.pk, now=later(2))
    with pytest.raises(ValidationError, match="截止"):
        services.sign_up(user=WorkerUserFactory(), activity_id=activity.pk, now=later(60))
    with pytest.raises(PermissionDenied):
        services.sign_up(user=UserFactory(role="county_admin"), activity_id=activity.pk, now=NOW)
    assert SignUp.objects.count() == 1


@pytest.mark.django_db
def test_signup_again_after_cancelling_goes_to_the_back():
    activity = ActivityFactory(capacity=1)
    a, b = WorkerUserFactory(), WorkerUserFactory()
    sa = services.sign_up(user=a, activity_id=activity.pk, now=later(1))
    services.sign_up(user=b, activity_id=activity.pk, now=later(2))
    services.cancel_signup(actor=a, signup=sa)
    again = services.sign_up(user=a, activity_id=activity.pk, now=later(3))
    assert again.status == SignUpStatus.WAITLISTED


@pytest.mark.django_db
def test_raising_capacity_promotes_waiting_list(county):
    from gigbranch.organizations.models import Organization

    org = Organization.objects.create(name="县党委", kind="branch", region=county, path="x")
    activity = ActivityFactory(capacity=1, organization=org, region=county)
    users = [WorkerUserFactory() for _ in range(3)]
    for i, u in enumerate(users):
        services.sign_up(user=u, activity_id=activity.pk, now=later(i))
    admin = UserFactory(role="county_admin", scope_region=county)
    services.save_activity(actor=admin, activity=activity, capacity=2)
    assert SignUp.objects.filter(status="confirmed").count() == 2


@pytest.mark.django_db
def test_other_worker_cannot_cancel_someone_elses_signup():
    activity = ActivityFactory()
    s = services.sign_up(user=WorkerUserFactory(), activity_id=activity.pk, now=NOW)
    with pytest.raises(PermissionDenied):
        services.cancel_signup(actor=WorkerUserFactory(), signup=s)
    s.refresh_from_db()
    assert s.status == "confirmed"


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_never_exceed_capacity():
    activity = ActivityFactory(capacity=1)
    users = [WorkerUserFactory() for _ in range(3)]
    barrier = threading.Barrier(3)
    errors: list[Exception] = []

    def run(u):
        try:
            barrier.wait(timeout=10)
            services.sign_up(user=u, activity_id=activity.pk, now=NOW)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert SignUp.objects.filter(status="confirmed").count() == 1
    assert SignUp.objects.filter(status="waitlisted").count() + len(errors) == 2
