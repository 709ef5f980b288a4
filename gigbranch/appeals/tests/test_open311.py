"""Open311 GeoReport v2 conformance: required fields, errors, JSON and XML."""

import json
from xml.etree import ElementTree as ET

import pytest

from gigbranch.appeals import services
from gigbranch.appeals.models import Appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(world):
    _, raw = services.create_open311_client(actor=None, name="测试客户端")
    return raw


def post(client, key, fmt="json", **data):
    payload = {
        "api_key": key,
        "service_code": "wages",
        "lat": "29.870000",
        "long": "120.350000",
        "description": "平台企业反映骑手工资结算纠纷",
        **data,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    return client.post(f"/open311/v2/requests.{fmt}", payload)


def test_services_json_has_required_fields(client, world):
    r = client.get("/open311/v2/services.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    services_ = r.json()
    assert len(services_) == 11
    assert set(services_[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert services_[0]["service_code"] == "wages" and services_[0]["type"] == "realtime"


def test_services_xml(client, world):
    r = client.get("/open311/v2/services.xml")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "services"
    first = root.find("service")
    assert first.findtext("service_code") == "wages" and first.findtext("metadata") == "true"


def test_service_definition_json_and_xml(client, world):
    d = client.get("/open311/v2/services/wages.json").json()
    assert d["service_code"] == "wages"
    assert [a["code"] for a in d["attributes"]] == ["workplace_name", "anonymous"]
    assert set(d["attributes"][0]) >= {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
    }
    root = ET.fromstring(client.get("/open311/v2/services/wages.xml").content)
    assert root.tag == "service_definition"
    values = root.findall("attributes/attribute/values/value")
    assert [v.findtext("key") for v in values] == ["false", "true"]
    assert client.get("/open311/v2/services/nope.json").status_code == 404


def test_post_request_json_creates_appeal(client, world, key):
    r = post(client, key)
    assert r.status_code == 200
    body = r.json()
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    appeal = Appeal.objects.get(tracking_no=body[0]["service_request_id"])
    assert appeal.channel == "open311" and appeal.department == world["renshe"]


def test_post_request_xml(client, world, key):
    r = post(client, key, fmt="xml")
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.startswith("SQ")


def test_missing_service_code_is_400_in_spec_error_format(client, world, key):
    r = post(client, key, service_code=None)
    assert r.status_code == 400
    assert r.json() == [{"code": 400, "description": "service_code is required"}]
    r = post(client, key, fmt="xml", service_code=None)
    root = ET.fromstring(r.content)
    assert r.status_code == 400 and root.tag == "errors"
    assert root.find("error/code").text == "400"
    assert Appeal.objects.count() == 0


def test_bad_api_key_is_403_and_stores_nothing(client, world, key):
    r = post(client, "wrong-key")
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    r = post(client, "", fmt="xml")
    assert r.status_code == 403 and ET.fromstring(r.content).find("error/code").text == "403"
    assert Appeal.objects.count() == 0


def test_location_is_required(client, world, key):
    r = post(client, key, lat=None, long=None)
    assert r.status_code == 400 and "location" in r.json()[0]["description"]


def test_unknown_jurisdiction_is_404(client, world, key):
    r = client.get("/open311/v2/services.json", {"jurisdiction_id": "nowhere"})
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    ok = client.get("/open311/v2/services.json", {"jurisdiction_id": world["county"].code})
    assert ok.status_code == 200


def test_get_requests_filters_and_privacy(client, world, key):
    sid = post(client, key).json()[0]["service_request_id"]
    listing = client.get(
        "/open311/v2/requests.json", {"status": "open", "service_code": "wages"}
    ).json()
    assert [i["service_request_id"] for i in listing] == [sid]
    assert listing[0]["description"] is None  # public: no personal text
    assert listing[0]["status"] == "open" and listing[0]["agency_responsible"] == "县人社局"
    mine = client.get(f"/open311/v2/requests/{sid}.json", {"api_key": key}).json()
    assert mine[0]["description"] == "平台企业反映骑手工资结算纠纷"
    assert client.get("/open311/v2/requests.json", {"status": "closed"}).json() == []
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{sid}.xml").content)
    assert xml.find("request/service_request_id").text == sid
    assert client.get("/open311/v2/requests/SQ0.json").status_code == 404
    assert client.get("/open311/v2/requests.json", {"start_date": "yesterday"}).status_code == 400


def test_token_lookup(client, world, key):
    sid = post(client, key).json()[0]["service_request_id"]
    token = str(Appeal.objects.get(tracking_no=sid).public_token)
    assert client.get(f"/open311/v2/tokens/{token}.json").json() == [
        {"service_request_id": sid, "token": token}
    ]
    assert client.get("/open311/v2/tokens/abc.json").status_code == 404


def test_unsupported_format(client, world):
    r = client.get("/open311/v2/services.csv")
    assert r.status_code == 404 and json.loads(r.content)[0]["code"] == 404
