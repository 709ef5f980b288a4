"""API submission with Idempotency-Key; console and portal pages; permissions."""

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from gigbranch.accounts.services import issue_api_token
from gigbranch.appeals import services
from gigbranch.appeals.formtoken import FORM_SALT
from gigbranch.appeals.models import Appeal, Channel
from gigbranch.notifications.models import SmsMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "category": "wages",
    "description": "平台反映：骑手王某工资被拖欠",
    "region_code": None,
    "contact_mobile": "13912345678",
}


@pytest.fixture
def token(world):
    _, raw = issue_api_token(actor=None, user=world["county_admin"], name="平台")
    return raw


def api_post(client, token, key=None, **over):
    data = {**PAYLOAD, "region_code": over.pop("region_code", None), **over}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/v1/appeals", data, content_type="application/json", **headers)


def test_api_submit_idempotent(client, world, token):
    world["county"].refresh_from_db()
    r1 = api_post(client, token, key="abc", region_code=world["a"]["town"].code)
    assert r1.status_code == 201
    r2 = api_post(client, token, key="abc", region_code=world["a"]["town"].code)
    assert r2.status_code == 200 and r2.json()["tracking_no"] == r1.json()["tracking_no"]
    assert Appeal.objects.count() == 1 and Appeal.objects.get().channel == Channel.API


def test_api_bad_payload_is_422_with_field_errors(client, world, token):
    r = api_post(client, token, category="nope", region_code=world["a"]["town"].code)
    assert r.status_code == 422 and "category" in r.json()["errors"]
    r = api_post(client, token, description="短")
    assert r.status_code == 422
    r = api_post(client, token)  # no region at all
    assert r.status_code == 422 and "region" in r.json()["errors"]
    assert Appeal.objects.count() == 0


def test_api_refused_for_role_without_capability(client, world):
    _, raw = issue_api_token(actor=None, user=world["handler"], name="x")
    r = api_post(client, raw, region_code=world["a"]["town"].code)
    assert r.status_code == 403 and Appeal.objects.count() == 0


def test_console_flow_and_denied_action(client, world):
    sub = services.submit_appeal(
        actor=None,
        category=world["wages"],
        description="热线反映工资拖欠问题",
        channel=Channel.HOTLINE,
        region=world["a"]["town"],
        contact_mobile="13900001111",
    )
    a = sub.appeal
    client.force_login(world["traffic_handler"])
    assert client.get(f"/appeals/{a.pk}/").status_code == 404
    assert client.post(f"/appeals/{a.pk}/accept/").status_code == 404
    client.force_login(world["handler"])
    page = client.get("/appeals/")
    assert a.tracking_no in page.content.decode()
    detail = client.get(f"/appeals/{a.pk}/").content.decode()
    assert "btn-accept" in detail and "139****1111" in detail and "13900001111" not in detail
    client.post(f"/appeals/{a.pk}/accept/")
    client.post(f"/appeals/{a.pk}/reply/", {"text": "已督促站点发放工资"})
    a.refresh_from_db()
    assert a.status == "replied"
    client.force_login(world["b"]["admin"])
    assert client.get(f"/appeals/{a.pk}/").status_code == 404


def test_worker_cannot_open_console_pages(client, world):
    client.force_login(world["worker_user"])
    assert client.get("/appeals/").status_code == 403
    assert client.get("/appeals/kpi/").status_code == 403


def test_portal_submit_with_photo_and_one_time_token(client, world):
    client.force_login(world["worker_user"])
    form = client.get("/appeals/m/new/", follow=True)
    assert form.status_code == 200
    token = form.context["form_token"]
    data = {
        "category": world["wages"].pk,
        "description": "站点拖欠两个月工资",
        "workplace": world["a"]["workplace"].pk,
        "form_token": token,
        "photos": SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg"),
    }
    r = client.post("/appeals/m/new/", data)
    assert r.status_code == 302
    data["photos"] = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg")
    r2 = client.post("/appeals/m/new/", data)  # double submit
    assert r2["Location"] == r["Location"]
    assert Appeal.objects.count() == 1
    a = Appeal.objects.get()
    assert a.photos.count() == 1 and a.worker == world["worker"]
    detail = client.get(r["Location"]).content.decode()
    assert a.tracking_no in detail and "已转交县人社局办理" in detail
    forged = {**data, "form_token": "x"}
    assert "表单已过期" in client.post("/appeals/m/new/", forged).content.decode()
    assert signing.loads(token, salt=FORM_SALT)


def test_kpi_page_and_excel_export(client, world):
    services.submit_appeal(
        actor=None,
        category=world["wages"],
        description="热线反映工资拖欠问题",
        channel=Channel.HOTLINE,
        region=world["a"]["town"],
        contact_mobile="13900001111",
    )
    client.force_login(world["county_admin"])
    page = client.get("/appeals/kpi/")
    assert page.status_code == 200 and "县人社局" in page.content.decode()
    xlsx = client.get("/appeals/kpi/export.xlsx")
    import io

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["B3"].value == "县人社局" and ws["C3"].value == 1
    drill = client.get("/appeals/", {"metric": "received", "department": world["renshe"].pk})
    assert drill.context["page"].paginator.count == 1


def test_sms_outbox_only_for_sysadmin(client, world):
    from gigbranch.notifications.sms import send_sms

    send_sms(mobile="13800001111", text="验证码 654321")
    client.force_login(UserFactory(username="sys", role="system_admin"))
    page = client.get("/appeals/sms-outbox/").content.decode()
    assert "验证码 ******" in page and "654321" not in page and "138****1111" in page
    client.force_login(world["county_admin"])
    assert client.get("/appeals/sms-outbox/").status_code == 403
    assert SmsMessage.objects.count() == 1


def test_api_key_reused_with_a_different_body_is_a_422(client, world, token):
    town = world["a"]["town"].code
    first = api_post(client, token, key="k-reuse", region_code=town)
    assert first.status_code == 201
    other = api_post(
        client, token, key="k-reuse", region_code=town, description="另一件事：站点克扣押金"
    )
    assert other.status_code == 422
    message = other.json()["errors"]["Idempotency-Key"][0]
    assert first.json()["tracking_no"] in message and "新的 Idempotency-Key" in message
    assert Appeal.objects.count() == 1
    # A true retry (same body) still returns the first appeal.
    again = api_post(client, token, key="k-reuse", region_code=town)
    assert again.status_code == 200 and again.json()["tracking_no"] == first.json()["tracking_no"]


def test_api_retry_with_coordinates_beyond_six_places_is_still_a_retry(client, world, token):
    town = world["a"]["town"].code
    body = {"latitude": "30.1234564", "longitude": "120.7654321"}
    first = api_post(client, token, key="k-geo", region_code=town, **body)
    assert first.status_code == 201
    again = api_post(client, token, key="k-geo", region_code=town, **body)
    assert again.status_code == 200
