"""A worker's own pages show the worker's own records, and only those: dues, points, and
the mobile number (masked exactly as staff see it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from gigbranch.members.models import (
    DuesAssessment,
    DuesPayment,
    MemberKind,
    PartyMember,
    PointEventKind,
)
from gigbranch.members.services import post_points
from gigbranch.portal import services as portal_services
from tests.factories import OrganizationFactory, UserFactory, WorkerFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db
TZ_NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def _member(worker, org, *, monthly: str, paid_months: tuple[int, ...]) -> PartyMember:
    member = PartyMember.objects.create(
        worker=worker,
        organization=org,
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    DuesAssessment.objects.create(
        member=member,
        year=2026,
        rule="wages",
        base=Decimal(monthly) * 100,
        monthly_amount=Decimal(monthly),
        set_on=dt.date(2026, 1, 1),
    )
    for month in paid_months:
        DuesPayment.objects.create(
            member=member,
            month=dt.date(2026, month, 1),
            amount=Decimal(monthly),
            channel="wechat",
            paid_on=dt.date(2026, month, 5),
        )
    return member


@pytest.fixture
def two_workers():
    org = OrganizationFactory(name="城关快递党支部", kind="branch")
    mine, other = WorkerFactory(mobile="13912345678"), WorkerFactory(mobile="13800001111")
    return {"org": org, "mine": mine, "other": other}


def _client_for(client, worker, *, mobile: str = ""):  # type: ignore[no-untyped-def]
    user = UserFactory(role="worker", worker=worker, mobile=mobile)
    portal_services.record_consent(user=user, basic=True, political_status=True)
    client.force_login(user)
    return client


@time_machine.travel(TZ_NOW, tick=False)
def test_my_dues_shows_my_payments_to_the_fen_and_no_one_elses(client, two_workers):
    _member(two_workers["mine"], two_workers["org"], monthly="68.40", paid_months=(1, 2))
    _member(two_workers["other"], two_workers["org"], monthly="15.25", paid_months=(1, 2, 3))
    page = _client_for(client, two_workers["mine"]).get(reverse("members:my_dues"))
    body = page.content.decode()
    assert "本年度每月应交：<strong>68.40元</strong>" in body
    assert "本年已交：136.80元" in body  # two months, summed exactly (not 136.8000000000000)
    assert body.count("68.40元</span>") == 2  # my two payments
    assert "2026年3月" in body  # March is my arrears (DUES-6)
    assert "15.25" not in body and "45.75" not in body  # the other member's amounts


@time_machine.travel(TZ_NOW, tick=False)
def test_my_points_shows_my_entries_and_no_one_elses(client, two_workers):
    mine, other = two_workers["mine"], two_workers["other"]
    post_points(
        actor=None,
        person=mine,
        event_kind=PointEventKind.VOLUNTEER_SERVICE,
        source_key="t:mine",
        points=7,
        occurred_at=dt.datetime(2026, 2, 2, 17, 0, tzinfo=dt.UTC),  # 3 Feb in Shanghai
    )
    post_points(
        actor=None,
        person=other,
        event_kind=PointEventKind.HELPED_OTHERS,
        source_key="t:other",
        points=9,
        occurred_at=dt.datetime(2026, 2, 14, 2, 0, tzinfo=dt.UTC),
    )
    body = _client_for(client, mine).get(reverse("members:my_points")).content.decode()
    assert "累计 <strong>7</strong> 分" in body
    assert "2026-02-03 志愿服务" in body and "7分" in body
    assert "2026-02-14" not in body and "帮扶互助" not in body and "9分" not in body


@pytest.mark.parametrize("page", ["portal:me", "portal:my_data"])
def test_my_mobile_is_shown_masked_like_staff_see_it(client, two_workers, county_admin, page):
    mine = two_workers["mine"]
    mine.region = county_admin.scope_region
    mine.save(update_fields=["region"])
    staff = client.__class__()
    staff.force_login(county_admin)
    staff_page = staff.get(reverse("members:worker_detail", args=[mine.pk])).content.decode()
    assert "139****5678" in staff_page
    # An account created by staff for a registered worker has no login number of its own:
    # the worker still sees the registered number.
    body = _client_for(client, mine).get(reverse(page)).content.decode()
    assert "139****5678" in body
    assert "13912345678" not in body and "138****1111" not in body


@pytest.mark.parametrize("page", ["portal:me", "portal:my_data"])
def test_my_login_mobile_is_shown_masked(client, page):
    user = WorkerUserFactory(mobile="13711112222")
    portal_services.record_consent(user=user, basic=True, political_status=False)
    client.force_login(user)
    body = client.get(reverse(page)).content.decode()
    assert "137****2222" in body and "13711112222" not in body
