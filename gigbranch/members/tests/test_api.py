"""Roster API: platform token scoped to its own workplaces, idempotent upsert, masking."""

from __future__ import annotations

import json

import pytest

from gigbranch.accounts.services import issue_api_token
from gigbranch.core.models import AuditEvent
from gigbranch.members.models import Platform, Worker
from tests.factories import UserFactory, WorkplaceFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(branch_setup, client):
    a = branch_setup["a"]
    platform = Platform.objects.create(name="饿了么")
    station = WorkplaceFactory(name="饿了么甲镇站", region=a["town"], organization=a["branch"])
    platform.workplaces.add(station)
    account = UserFactory(username="eleme_api", role="api_client")
    platform.api_users.add(account)
    _, token = issue_api_token(actor=None, user=account, name="饿了么花名册")
    _, admin_token = issue_api_token(actor=None, user=a["admin"], name="甲镇")
    _, sec_token = issue_api_token(actor=None, user=branch_setup["secretary"], name="书记")

    def call(method, path, body=None, tok=token):
        kw = {"HTTP_AUTHORIZATION": f"Bearer {tok}"}
        if body is not None:
            kw.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/members{path}", **kw)

    return {
        "call": call,
        "platform": platform,
        "station": station,
        "admin_token": admin_token,
        "sec_token": sec_token,
        **branch_setup,
    }


def row(i, station, **kw):
    return {
        "platform_worker_id": f"ELM{i}",
        "name": f"骑手{i}",
        "id_number": make_id_number(9000 + i),
        "mobile": f"1370000{i:04d}",
        "workplace": station,
        "occupation": "delivery_rider",
        "political_status": "群众",
        **kw,
    }


def test_push_is_idempotent_upsert(api):
    rows = [row(i, api["station"].name) for i in range(3)]
    r = api["call"]("post", "/roster", {"rows": rows})
    assert r.status_code == 200, r.content
    assert r.json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    r = api["call"]("post", "/roster", {"rows": rows})
    assert r.json() == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    rows[0]["name"] = "改名骑手"
    r = api["call"]("post", "/roster", {"rows": rows})
    assert r.json() == {"created": 0, "updated": 1, "unchanged": 2, "errors": []}
    assert Worker.objects.get(platform_worker_id="ELM0").name == "改名骑手"


def test_token_scoped_to_platforms_own_workplaces(api):
    other = api["a"]["workplace"].name  # in the township but not the platform's
    r = api["call"]("post", "/roster", {"rows": [row(1, other)]})
    assert r.json()["created"] == 0
    assert r.json()["errors"][0]["field"] == "所属站点"
    # Cannot overwrite a worker outside the platform (same ID, another township).
    r = api["call"](
        "post",
        "/roster",
        {"rows": [row(2, api["station"].name, id_number=api["b"]["worker"].id_number)]},
    )
    assert "管辖范围以外" in r.json()["errors"][0]["reason"]
    api["b"]["worker"].refresh_from_db()
    assert api["b"]["worker"].platform_id is None
    # Another platform's id is refused; it cannot read workers.
    other_platform = Platform.objects.create(name="其他平台")
    r = api["call"]("post", "/roster", {"platform_id": other_platform.pk, "rows": [row(3, "x")]})
    assert r.status_code == 403
    assert api["call"]("get", "/workers").json()["count"] == 0


def test_bad_payload_gives_field_errors(api):
    r = api["call"]("post", "/roster", {"rows": [{"name": "x"}]})
    assert r.status_code == 422
    r = api["call"]("post", "/roster", {"rows": []})
    assert r.status_code == 422
    bad = row(1, api["station"].name, id_number="11010519491231002Y", mobile="123")
    r = api["call"]("post", "/roster", {"rows": [bad]})
    assert r.status_code == 200
    assert {e["field"] for e in r.json()["errors"]} == {"公民身份号码", "手机号码"}


def test_api_never_returns_unmasked_id_without_reveal(api):
    w = api["member"].worker
    for tok in (api["admin_token"], api["sec_token"]):
        r = api["call"]("get", "/workers", tok=tok)
        assert r.status_code == 200
        body = r.content.decode()
        assert w.id_number not in body and w.mobile not in body and w.masked_id_number in body
        r = api["call"]("get", f"/workers/{w.pk}", tok=tok)
        assert w.id_number not in r.content.decode()
    r = api["call"]("post", f"/workers/{w.pk}/reveal", {"field": "id_number"}, tok=api["sec_token"])
    assert r.status_code == 403 and w.id_number not in r.content.decode()
    assert AuditEvent.objects.filter(action="pii.revealed").count() == 0
    r = api["call"](
        "post", f"/workers/{w.pk}/reveal", {"field": "id_number"}, tok=api["admin_token"]
    )
    assert r.json() == {"field": "id_number", "value": w.id_number}
    assert AuditEvent.objects.filter(action="pii.revealed").count() == 1
    r = api["call"]("post", f"/workers/{w.pk}/reveal", {"field": "name"}, tok=api["admin_token"])
    assert r.status_code == 422


def test_search_by_last4_through_api(api):
    w = api["member"].worker
    r = api["call"]("get", "/workers", tok=api["admin_token"])
    assert r.json()["count"] == 2
    r = api["call"]("get", f"/workers?q={w.id_number[-4:]}", tok=api["admin_token"])
    assert [x["id"] for x in r.json()["items"]] == [w.pk]
