"""Portal pages end to end with the test client: finder, check-in, booking, study, sign-up."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from gigbranch.activities.models import SignUp
from gigbranch.portal import services as portal_services
from gigbranch.stations import services as station_services
from gigbranch.stations.models import Booking, CheckIn, StationAmenity, StudyCompletion
from tests.factories import (
    ActivityFactory,
    ArticleFactory,
    RegionFactory,
    SlotFactory,
    StationFactory,
    UserFactory,
    WorkerUserFactory,
)

pytestmark = pytest.mark.django_db
# Monday 2026-03-02 10:00 in Shanghai
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def worker_client(client):
    user = WorkerUserFactory()
    portal_services.record_consent(user=user, basic=True, political_status=False)
    client.force_login(user)
    client.user = user
    return client


def _station(name, lat, lng, amenities=(), always_open=True, hours=None):
    station = StationFactory(name=name, latitude=lat, longitude=lng, always_open=always_open)
    for code in amenities:
        StationAmenity.objects.create(station=station, code=code)
    if hours:
        from gigbranch.stations.models import OpeningHours
        from gigbranch.stations.rules import parse_hours

        for p in parse_hours(hours)[1]:
            OpeningHours.objects.create(
                station=station, weekday=p.weekday, opens=p.opens, closes=p.closes
            )
    return station


@time_machine.travel(NOW, tick=False)
def test_find_nearest_open_station_with_microwave(worker_client):
    near_closed = _station(
        "近处夜间驿站", 29.8701, 120.3501, ["microwave"], always_open=False, hours="20:00-23:00"
    )
    mid_no_mw = _station("中间驿站", 29.8710, 120.3510, ["water"])
    far_ok = _station("远处暖心驿站", 29.8800, 120.3600, ["microwave", "water"])
    r = worker_client.get(
        reverse("portal:stations"),
        {"lat": "29.87", "lng": "120.35", "amenity": "microwave", "open": "1"},
    )
    page = r.content.decode()
    assert r.status_code == 200
    assert far_ok.name in page
    assert near_closed.name not in page and mid_no_mw.name not in page
    assert "24小时营业" in page
    r = worker_client.get(reverse("portal:stations"), {"lat": "29.87", "lng": "120.35"})
    names = re.findall(r"<strong>(.*?)</strong>", r.content.decode())
    assert names == [near_closed.name, mid_no_mw.name, far_ok.name]
    assert "已休息（20:00开门）" in r.content.decode()


def test_typed_place_uses_region_coordinates(worker_client):
    RegionFactory(name="城关街道", latitude="29.870000", longitude="120.350000")
    _station("城关驿站", 29.871, 120.351)
    r = worker_client.get(reverse("portal:stations"), {"place": "城关"})
    assert "城关驿站" in r.content.decode()
    r = worker_client.get(reverse("portal:stations"), {"place": "不存在的地方"})
    assert "没有找到“不存在的地方”" in r.content.decode()


def test_qr_check_in_counts_once_and_staff_cannot(client, worker_client):
    station = _station("签到驿站", 29.87, 120.35)
    url = reverse("portal:checkin", args=[station.qr_token])
    assert worker_client.get(url).status_code == 200
    worker_client.post(url)
    worker_client.post(url)  # within 30 minutes: same visit
    assert CheckIn.objects.filter(station=station).count() == 1
    page = worker_client.get(reverse("portal:station", args=[station.pk])).content.decode()
    assert "繁忙时段" in page and 'class="h10' in page
    staff = UserFactory(role="county_admin")
    from django.test import Client

    c = Client()
    c.force_login(staff)
    r = c.post(url)
    assert "工作人员无需签到" in r.content.decode()
    assert CheckIn.objects.count() == 1
    assert Client().get(url)["Location"].startswith(reverse("portal:login"))


def test_unknown_qr_token_is_404(worker_client):
    assert worker_client.get(reverse("portal:checkin", args=["nope"])).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_book_a_legal_aid_slot_and_cancel(worker_client):
    slot = SlotFactory(
        starts_at=NOW + dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=1, hours=1)
    )
    page = worker_client.get(reverse("portal:provider", args=[slot.provider_id])).content.decode()
    assert f'value="{slot.pk}"' in page
    r = worker_client.post(
        reverse("portal:provider", args=[slot.provider_id]), {"slot": slot.pk, "topic": "工伤"}
    )
    assert r["Location"] == reverse("portal:me")
    booking = Booking.objects.get()
    assert booking.user == worker_client.user and booking.topic == "工伤"
    me = worker_client.get(reverse("portal:me")).content.decode()
    assert slot.provider.name in me and "已预约" in me
    worker_client.post(reverse("portal:booking_cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_cannot_cancel_someone_elses_booking(worker_client):
    slot = SlotFactory()
    other = WorkerUserFactory()
    booking = station_services.book_slot(
        user=other, slot_id=slot.pk, now=dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    )
    assert (
        worker_client.post(reverse("portal:booking_cancel", args=[booking.pk])).status_code == 404
    )
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_read_article_and_complete_once(worker_client):
    article = ArticleFactory(body="<p>学习内容</p>", points=3)
    url = reverse("portal:article", args=[article.pk])
    assert "学习内容" in worker_client.get(url).content.decode()
    worker_client.post(url)
    worker_client.post(url)
    assert StudyCompletion.objects.filter(user=worker_client.user).count() == 1
    me = worker_client.get(reverse("portal:me")).content.decode()
    assert '<strong id="study-points">3</strong>' in me


def test_draft_article_is_404(worker_client):
    article = ArticleFactory(is_published=False)
    assert worker_client.get(reverse("portal:article", args=[article.pk])).status_code == 404


def test_activity_sign_up_and_waitlist_via_pages(worker_client):
    activity = ActivityFactory(capacity=1)
    other = WorkerUserFactory()
    from gigbranch.activities.services import sign_up

    sign_up(user=other, activity_id=activity.pk)
    url = reverse("portal:activity", args=[activity.pk])
    assert "加入候补" in worker_client.get(url).content.decode()
    worker_client.post(url)
    page = worker_client.get(url).content.decode()
    assert "候补名单第1位" in page
    mine = SignUp.objects.get(user=worker_client.user)
    from gigbranch.activities.services import cancel_signup

    cancel_signup(actor=other, signup=SignUp.objects.get(user=other))
    mine.refresh_from_db()
    assert mine.status == "confirmed"
    assert "您已报名成功" in worker_client.get(url).content.decode()


def test_my_page_links_to_appeals_only_when_available(worker_client):
    from django.urls import NoReverseMatch

    page = worker_client.get(reverse("portal:me")).content.decode()
    try:
        url = reverse("appeals:portal_list")
    except NoReverseMatch:
        assert "诉求服务即将开通" in page
    else:
        assert url in page


@pytest.mark.parametrize(
    "name", ["home", "stations", "services", "study", "activities", "me", "my_data"]
)
def test_portal_pages_are_small_and_load_no_bootstrap(worker_client, name):
    r = worker_client.get(reverse(f"portal:{name}"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "bootstrap" not in html
    assert "style=" not in html
    assert len(r.content) < 30_000


def test_my_page_shows_points_membership_and_dues(client):
    from decimal import Decimal

    from django.utils import timezone as tz

    from gigbranch.members.models import DuesAssessment, PartyMember
    from gigbranch.members.services import post_points
    from tests.factories import OrganizationFactory, WorkerFactory

    worker = WorkerFactory()
    org = OrganizationFactory(name="城关快递党支部")
    member = PartyMember.objects.create(worker=worker, organization=org, kind="full")
    year = tz.localdate().year
    DuesAssessment.objects.create(
        member=member,
        year=year,
        rule="fixed",
        base=Decimal("0"),
        monthly_amount=Decimal("2.00"),
        set_on=tz.localdate(),
    )
    post_points(
        actor=None, person=worker, event_kind="volunteer_service", source_key="t:1", points=4
    )
    user = WorkerUserFactory(worker=worker)
    portal_services.record_consent(user=user, basic=True, political_status=True)
    client.force_login(user)
    page = client.get(reverse("portal:me")).content.decode()
    assert '<strong id="points-balance">4</strong>' in page
    assert "城关快递党支部" in page and "2.00 元" in page
