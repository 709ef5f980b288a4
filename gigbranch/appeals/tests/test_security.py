"""Regression tests for the security review: scoping, Open311 privacy, SMS codes, bad input."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from gigbranch.accounts.services import issue_api_token
from gigbranch.appeals import formtoken, services
from gigbranch.appeals.models import Appeal, AppealEvent, Channel, RoutingRule
from gigbranch.appeals.rules import Status
from gigbranch.notifications import sms
from gigbranch.notifications.models import SmsMessage
from gigbranch.organizations.models import Department
from tests.factories import RegionFactory, UserFactory, WorkplaceFactory

from .conftest import at

pytestmark = pytest.mark.django_db


def bearer(user):
    _, raw = issue_api_token(actor=None, user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def api_post(client, headers, **data):
    payload = {"category": "wages", "description": "平台反映骑手工资被拖欠", **data}
    return client.post("/api/v1/appeals", payload, content_type="application/json", **headers)


# --- 1. API submission is scoped --------------------------------------------------------------


def test_township_admin_cannot_submit_for_other_township(client, world):
    h = bearer(world["a"]["admin"])
    r = api_post(client, h, region_code=world["b"]["town"].code)
    assert r.status_code == 422 and "region_code" in r.json()["errors"]
    r = api_post(
        client, h, region_code=world["a"]["town"].code, workplace_id=world["b"]["workplace"].pk
    )
    assert r.status_code == 422 and "workplace_id" in r.json()["errors"]
    assert Appeal.objects.count() == 0
    ok = api_post(
        client, h, region_code=world["a"]["town"].code, workplace_id=world["a"]["workplace"].pk
    )
    assert ok.status_code == 201 and Appeal.objects.count() == 1


def test_county_admin_may_submit_anywhere_in_county(client, world):
    h = bearer(world["county_admin"])
    r = api_post(
        client, h, region_code=world["b"]["town"].code, workplace_id=world["b"]["workplace"].pk
    )
    assert r.status_code == 201


def test_unscoped_api_client_account_keeps_working(client, world):
    h = bearer(UserFactory(username="platform", role="api_client"))
    r = api_post(
        client, h, region_code=world["b"]["town"].code, workplace_id=world["b"]["workplace"].pk
    )
    assert r.status_code == 201 and Appeal.objects.get().channel == Channel.API
    assert api_post(client, h, region_code="000000").status_code == 422


def test_worker_api_limited_to_own_workplace_and_region(client, world):
    h = bearer(world["worker_user"])
    r = api_post(client, h, workplace_id=world["b"]["workplace"].pk)
    assert r.status_code == 422 and "workplace_id" in r.json()["errors"]
    r = api_post(client, h, region_code=world["b"]["town"].code)
    assert r.status_code == 422 and "region_code" in r.json()["errors"]
    assert Appeal.objects.count() == 0
    other_in_region = WorkplaceFactory(name="甲镇外卖站", region=world["a"]["town"])
    assert api_post(client, h, workplace_id=other_in_region.pk).status_code == 201
    assert api_post(client, h, region_code=world["a"]["town"].code).status_code == 201


# --- 2. Open311 GET privacy ----------------------------------------------------------------------


def open311_post(client, key, **extra):
    data = {
        "api_key": key,
        "service_code": "wages",
        "lat": "29.870000",
        "long": "120.350000",
        "address_string": "甲镇幸福路8号",
        "description": "平台企业反映骑手工资结算纠纷",
        **extra,
    }
    return client.post("/open311/v2/requests.json", data).json()[0]["service_request_id"]


def test_open311_anonymous_get_is_coarse(client, world):
    _, key = services.create_open311_client(actor=None, name="客户端一")
    sid = open311_post(client, key)
    a = Appeal.objects.get(tracking_no=sid)
    portal = services.submit_appeal(
        actor=world["worker_user"],
        category=world["wages"],
        description="站点拖欠工资",
        channel=Channel.PORTAL,
        worker=world["worker"],
        workplace=world["a"]["workplace"],
        address="甲镇某小区3栋",
        latitude=a.latitude,
        longitude=a.longitude,
    ).appeal
    listing = client.get("/open311/v2/requests.json").json()
    assert {i["service_request_id"] for i in listing} == {sid, portal.tracking_no}
    for item in listing:
        assert item["lat"] is None and item["long"] is None and item["description"] is None
        assert "幸福路" not in item["address"] and "小区" not in item["address"]
    by_id = {i["service_request_id"]: i for i in listing}
    assert by_id[sid]["address"] == a.region.name
    assert by_id[portal.tracking_no]["address"] == portal.region.name
    detail = client.get(f"/open311/v2/requests/{portal.tracking_no}.json").json()[0]
    assert detail["lat"] is None and detail["address"] == portal.region.name
    assert (
        "小区" not in client.get(f"/open311/v2/requests/{portal.tracking_no}.xml").content.decode()
    )


def test_open311_client_lists_only_its_own_requests_in_full(client, world):
    _, key1 = services.create_open311_client(actor=None, name="客户端一")
    _, key2 = services.create_open311_client(actor=None, name="客户端二")
    sid1 = open311_post(client, key1)
    sid2 = open311_post(client, key2, address_string="乙镇平安路1号")
    mine = client.get("/open311/v2/requests.json", {"api_key": key1}).json()
    assert [i["service_request_id"] for i in mine] == [sid1]
    assert mine[0]["lat"] == 29.87 and mine[0]["long"] == 120.35
    assert mine[0]["address"] == "甲镇幸福路8号"
    assert mine[0]["description"] == "平台企业反映骑手工资结算纠纷"
    other = client.get(f"/open311/v2/requests/{sid2}.json", {"api_key": key1}).json()[0]
    assert other["lat"] is None and other["description"] is None
    assert "平安路" not in other["address"]
    by_id = client.get(
        "/open311/v2/requests.json", {"api_key": key1, "service_request_id": sid2}
    ).json()
    assert by_id == []


def test_open311_impossible_date_is_400(client, world):
    r = client.get("/open311/v2/requests.json", {"start_date": "2024-13-45T00:00:00"})
    assert r.status_code == 400 and r.json()[0]["code"] == 400


def test_open311_validation_error_without_fields_is_400(client, world, monkeypatch):
    _, key = services.create_open311_client(actor=None, name="客户端一")

    def boom(**kw):
        raise ValidationError("无法受理")

    monkeypatch.setattr(services, "submit_appeal", boom)
    r = client.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "wages", "address_string": "甲镇", "description": "x"},
    )
    assert r.status_code == 400 and "无法受理" in r.json()[0]["description"]


# --- 3. SMS ----------------------------------------------------------------------------------


def test_development_sms_masks_codes_in_the_outbox_but_not_the_console_log(client, world, caplog):
    """The development backend (refused in production, core.E001) shows a login code in the
    developer's console log, as the portal's registration needs; the stored outbox that the
    system administrator reads never holds a usable code."""
    with caplog.at_level(logging.INFO, logger="gigbranch.sms"):
        res = sms.send_sms(mobile="13800001111", text="验证码 654321，5分钟内有效")
    assert res.ok
    assert SmsMessage.objects.get().text == "验证码 ******，5分钟内有效"
    assert "验证码 654321" in caplog.text and "13800001111" not in caplog.text
    assert sms.DevelopmentLogSmsBackend.last_raw_message_for_tests == (
        "13800001111",
        "验证码 654321，5分钟内有效",
    )
    client.force_login(UserFactory(username="sys", role="system_admin"))
    page = client.get("/appeals/sms-outbox/").content.decode()
    assert "654321" not in page and "验证码 ******" in page


def test_mask_codes_boundaries():
    assert sms.mask_codes("123 1234 12345678 123456789") == "123 **** ******** 123456789"
    assert sms.mask_codes("SQ2026092412345678") == "SQ2026092412345678"


def test_production_with_development_sms_backend_fails_check(settings):
    settings.PRODUCTION = True
    settings.SMS_BACKEND = sms.DEVELOPMENT_BACKEND
    with pytest.raises(SystemCheckError, match=r"core\.E001"):
        call_command("check")
    settings.SMS_BACKEND = "somewhere.CarrierBackend"
    from gigbranch.core.checks import check_sms_backend

    assert check_sms_backend() == []
    settings.PRODUCTION = False
    settings.SMS_BACKEND = sms.DEVELOPMENT_BACKEND
    assert check_sms_backend() == []


# --- 4/5. Re-route and routing rules ----------------------------------------------------------


def returned_appeal(world):
    a = services.submit_appeal(
        actor=world["worker_user"],
        category=world["wages"],
        description="站点拖欠三月份工资",
        channel=Channel.PORTAL,
        worker=world["worker"],
        workplace=world["a"]["workplace"],
        now=at(2026, 9, 24, 16, 0),
    ).appeal
    services.return_appeal(
        actor=world["handler"], appeal=a, reason="属于交通部门职责", now=at(2026, 9, 24, 16, 10)
    )
    a.refresh_from_db()
    return a


def test_reroute_bad_or_foreign_department_changes_nothing(client, world):
    a = returned_appeal(world)
    elsewhere = RegionFactory(name="邻县", level="county", parent=None)
    foreign = Department.objects.create(name="邻县人社局", region=elsewhere)
    events = AppealEvent.objects.count()
    client.force_login(world["county_admin"])
    url = f"/appeals/{a.pk}/reroute/"
    assert client.post(url, {"department": "abc", "reason": "改派"}).status_code == 404
    assert client.post(url, {"department": "-1", "reason": "改派"}).status_code == 404
    assert client.post(url, {"department": str(foreign.pk), "reason": "改派"}).status_code == 404
    a.refresh_from_db()
    assert a.status == Status.RETURNED and AppealEvent.objects.count() == events
    detail = client.get(f"/appeals/{a.pk}/").content.decode()
    assert "邻县人社局" not in detail and "县交通运输局" in detail
    r = client.post(url, {"department": str(world["jiaotong"].pk), "reason": "按职责改派"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED and a.department == world["jiaotong"]


def test_routing_rules_edit_param_and_scope(client, world):
    elsewhere = RegionFactory(name="邻县", level="county", parent=None)
    foreign_town = RegionFactory(name="邻镇", level="township", parent=elsewhere)
    foreign_dept = Department.objects.create(name="邻县交通局", region=elsewhere)
    foreign = RoutingRule.objects.create(
        category=world["traffic"], region=foreign_town, department=foreign_dept
    )
    client.force_login(world["county_admin"])
    assert client.get("/appeals/routing/", {"edit": "abc"}).status_code == 404
    assert client.get("/appeals/routing/", {"edit": str(foreign.pk)}).status_code == 404
    page = client.get("/appeals/routing/")
    assert page.status_code == 200 and "邻县交通局" not in page.content.decode()
    own = RoutingRule.objects.get(region=world["a"]["town"])
    assert client.get("/appeals/routing/", {"edit": str(own.pk)}).status_code == 200


# --- 7. ValidationError without fields ---------------------------------------------------------


def test_intake_validation_error_without_fields_is_form_error(client, world, monkeypatch):
    def boom(**kw):
        raise ValidationError("暂不能受理")

    monkeypatch.setattr(services, "submit_appeal", boom)
    client.force_login(world["a"]["admin"])
    r = client.post(
        "/appeals/new/",
        {
            "category": world["wages"].pk,
            "description": "热线反映工资拖欠问题",
            "region": world["a"]["town"].pk,
            "contact_mobile": "13900001111",
            "form_token": formtoken.issue(),
        },
    )
    assert r.status_code == 200 and "暂不能受理" in r.content.decode()
