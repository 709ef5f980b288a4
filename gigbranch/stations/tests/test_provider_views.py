"""Provider schedules: provider staff see their bookings; counselling stays private."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gigbranch.organizations.models import Department
from gigbranch.stations import services
from gigbranch.stations.models import Slot
from tests.factories import ServiceProviderFactory, SlotFactory, UserFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2029, 12, 31, tzinfo=dt.UTC)


@pytest.fixture
def counselling(county):
    staff = UserFactory(
        role="department_handler",
        department=Department.objects.create(name="县卫生健康局", region=county),
    )
    provider = ServiceProviderFactory(kind="counselling", region=county, name="心理中心")
    provider.staff.add(staff)
    worker = WorkerUserFactory(full_name="李四")
    booking = services.book_slot(
        user=worker, slot_id=SlotFactory(provider=provider).pk, topic="睡不好", now=NOW
    )
    return {"staff": staff, "provider": provider, "booking": booking}


def test_provider_staff_sees_the_booking(client, counselling):
    client.force_login(counselling["staff"])
    page = client.get(
        reverse("stations:provider", args=[counselling["provider"].pk])
    ).content.decode()
    assert "李四" in page and "睡不好" in page


def test_county_admin_cannot_see_counselling_bookings(client, county, counselling):
    client.force_login(UserFactory(role="county_admin", scope_region=county))
    page = client.get(
        reverse("stations:provider", args=[counselling["provider"].pk])
    ).content.decode()
    assert "李四" not in page and "睡不好" not in page
    r = client.post(
        reverse("stations:booking_outcome", args=[counselling["booking"].pk]), {"attended": "1"}
    )
    assert r.status_code == 404
    counselling["booking"].refresh_from_db()
    assert counselling["booking"].status == "booked"


def test_branch_secretary_has_no_appointments_page(client, counselling):
    client.force_login(UserFactory(role="branch_secretary"))
    assert client.get(reverse("stations:providers")).status_code == 403


def test_provider_publishes_slots_and_records_outcome(client, counselling):
    client.force_login(counselling["staff"])
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = client.post(
        reverse("stations:provider", args=[counselling["provider"].pk]),
        {"day": day, "start": "09:00", "end": "12:00", "minutes": 60, "place": "线上"},
    )
    assert r.status_code == 302
    assert Slot.objects.filter(provider=counselling["provider"], place="线上").count() == 3
    client.post(
        reverse("stations:booking_outcome", args=[counselling["booking"].pk]), {"attended": "1"}
    )
    counselling["booking"].refresh_from_db()
    assert counselling["booking"].status == "attended"
