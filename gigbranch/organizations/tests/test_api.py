"""/api/v1/ organisations and workplaces: scope, filters, pagination, 4xx on bad payloads."""

import json

import pytest

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import Organization, Workplace

pytestmark = pytest.mark.django_db


def call(client, method, url, data=None):
    kwargs = {"content_type": "application/json"}
    if data is not None:
        kwargs["data"] = json.dumps(data)
    return getattr(client, method)(f"/api/v1{url}", **kwargs)


@pytest.fixture
def api(client):
    from django.test import Client

    def login(user):
        c = Client(enforce_csrf_checks=False)
        c.force_login(user)
        return c

    return login


def test_me_still_works(api, network):
    assert call(api(network["county_admin"]), "get", "/me").json()["username"] == "c_admin"


def test_list_scoped_and_paginated(api, network):
    body = call(api(network["town_b_admin"]), "get", "/organizations?limit=2").json()
    assert body["count"] == 3 and len(body["items"]) == 2
    names = [
        o["name"]
        for o in call(api(network["industry_admin"]), "get", "/organizations").json()["items"]
    ]
    assert names == ["行业党委", "甲镇快递网点党支部", "乙镇配送站党支部"]
    assert (
        call(
            api(network["town_a_admin"]), "get", f"/organizations/{network['branch_b'].pk}"
        ).status_code
        == 404
    )


def test_create_and_patch_workplace(api, network):
    c = api(network["town_a_admin"])
    payload = {
        "name": "甲镇新站",
        "kind": "delivery_station",
        "region_id": network["town_a"].pk,
        "credit_code": "91330100MA27XL3X0T",
        "reported_worker_count": 12,
    }
    response = call(c, "post", "/workplaces", payload)
    assert response.status_code == 201, response.content
    wp_id = response.json()["id"]
    response = call(
        c,
        "patch",
        f"/workplaces/{wp_id}",
        {"coverage_mode": "own_branch", "organization_id": network["branch_a"].pk},
    )
    assert response.status_code == 200 and response.json()["coverage_mode"] == "own_branch"
    items = call(c, "get", "/workplaces?coverage_mode=own_branch").json()["items"]
    assert [i["name"] for i in items] == ["甲镇新站"]


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "x", "kind": "nope", "region_id": 1},
        {"name": "", "kind": "express_outlet", "region_id": 1},
        {"name": "x", "kind": "express_outlet"},
        {"name": "x", "kind": "express_outlet", "region_id": "abc"},
    ],
)
def test_bad_payloads_are_4xx(api, network, payload):
    before = Workplace.objects.count()
    response = call(api(network["county_admin"]), "post", "/workplaces", payload)
    assert 400 <= response.status_code < 500
    assert Workplace.objects.count() == before


def test_bad_credit_code_is_422_with_field_errors(api, network):
    response = call(
        api(network["county_admin"]),
        "post",
        "/workplaces",
        {
            "name": "x",
            "kind": "express_outlet",
            "region_id": network["town_a"].pk,
            "credit_code": "91330100MA27XL3X0A",
        },
    )
    assert response.status_code == 422
    assert "credit_code" in response.json()["errors"]


def test_write_denied_for_inspector_changes_nothing(api, network):
    before = list(Organization.objects.values_list("pk", "name"))
    events = AuditEvent.objects.count()
    response = call(
        api(network["inspector"]),
        "patch",
        f"/organizations/{network['branch_a'].pk}",
        {"name": "改名"},
    )
    assert response.status_code == 403
    assert list(Organization.objects.values_list("pk", "name")) == before
    assert AuditEvent.objects.count() == events


def test_create_org_and_move(api, network):
    c = api(network["county_admin"])
    response = call(
        c,
        "post",
        "/organizations",
        {
            "name": "新支部",
            "kind": "branch",
            "parent_id": network["industry"].pk,
            "region_id": network["town_a"].pk,
            "term_years": 3,
        },
    )
    assert response.status_code == 201
    org_id = response.json()["id"]
    response = call(
        c, "post", f"/organizations/{org_id}/move", {"new_parent_id": network["committee_a"].pk}
    )
    assert response.status_code == 200 and response.json()["parent_id"] == network["committee_a"].pk


def test_coverage_and_findings_endpoints(api, network):
    c = api(network["county_admin"])
    body = call(c, "get", "/network/coverage").json()
    assert body["region_name"] == "测试县" and body["overall"]["workplaces"] == 0
    assert call(c, "get", "/network/findings").json() == {"items": [], "count": 0}
    assert call(c, "get", "/openapi.json").status_code == 200
