"""Upward statistics (BURDEN-5): a higher-level system's token reads the figures of the
regions it was granted, never another city's; bad parameters are 422 with Chinese
messages; the figures equal what a region-scoped user sees on the cockpit."""

from __future__ import annotations

import pytest
from django.test import Client

from gigbranch.accounts.services import issue_api_token
from gigbranch.cockpit import services
from gigbranch.cockpit.models import StatsGrant
from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import CoverageMode
from tests.factories import RegionFactory, UserFactory, WorkplaceFactory


@pytest.fixture
def province(db):
    root = RegionFactory(name="某省", code="330000", level="province", parent=None)
    out = {"root": root}
    for key, name, code in (("a", "甲市", "330100"), ("b", "乙市", "330200")):
        city = RegionFactory(name=name, code=code, level="city", parent=root)
        county = RegionFactory(
            name=f"{name}一县", code=code[:4] + "21", level="county", parent=city
        )
        WorkplaceFactory(region=county, coverage_mode=CoverageMode.OWN_BRANCH)
        WorkplaceFactory(region=county, coverage_mode=CoverageMode.NONE)
        if key == "b":
            WorkplaceFactory(region=county, coverage_mode=CoverageMode.NONE)
        account = UserFactory(username=f"city_{key}", role="api_client")
        services.grant_stats_access(actor=None, user=account, region=city)
        _, raw = issue_api_token(actor=None, user=account, name=f"{name}平台")
        out[key] = {"city": city, "county": county, "token": raw, "account": account}
    return out


def _get(token: str, url: str):
    return Client().get(url, headers={"Authorization": f"Bearer {token}"})


def test_a_city_token_reads_its_regions_and_not_another_citys(province):
    a, b = province["a"], province["b"]
    response = _get(a["token"], "/api/v1/stats/overview?period=2026Q3")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["region"] == {"code": "330100", "name": "甲市"}
    assert body["months"] == ["2026-07", "2026-08", "2026-09"]
    values = {f["key"]: f["value"] for f in body["figures"]}
    assert values["workplaces"] == 2
    assert values["uncovered_workplaces"] == 1
    rates = {f["key"]: f.get("rate") for f in body["figures"]}
    assert rates["org_covered_workplaces"] == 50.0
    assert "list_url" not in body["figures"][0]

    county = _get(a["token"], f"/api/v1/stats/overview?region={a['county'].code}").json()
    assert county["region"]["name"] == "甲市一县"

    for code in (b["city"].code, b["county"].code, province["root"].code, "999999"):
        denied = _get(a["token"], f"/api/v1/stats/overview?region={code}")
        assert denied.status_code == 403, code
        assert denied.json()["detail"] == "无权读取该区域的统计数据。"
        denied = _get(
            a["token"],
            f"/api/v1/stats/series?metric=appeals_received&region={code}&from=2026-01&to=2026-03",
        )
        assert denied.status_code == 403, code

    other = _get(b["token"], "/api/v1/stats/overview").json()
    assert {f["key"]: f["value"] for f in other["figures"]}["workplaces"] == 3


def test_series_and_bad_parameters(province):
    token = province["a"]["token"]
    body = _get(
        token, "/api/v1/stats/series?metric=workplaces_registered&from=2025-11&to=2026-02"
    ).json()
    assert [p["month"] for p in body["points"]] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert body["label"] == "新登记企业/站点数"

    cases = {
        "/api/v1/stats/overview?period=2026-13": (
            "period",
            "应为月份（YYYY-MM）或季度（YYYYQn），例如 2026-03 或 2026Q1。",
        ),
        "/api/v1/stats/series?metric=nope&from=2026-01&to=2026-02": ("metric", None),
        "/api/v1/stats/series?metric=appeals_received&from=2026-05&to=2026-02": (
            "from",
            "起始月份不能晚于截止月份。",
        ),
        "/api/v1/stats/series?metric=appeals_received&from=2020-01&to=2026-02": (
            "to",
            "一次最多查询36个月。",
        ),
        "/api/v1/stats/series?metric=appeals_received&from=2026/01&to=2026-02": (
            "from",
            "应为月份（YYYY-MM），例如 2026-03。",
        ),
    }
    for url, (field, message) in cases.items():
        response = _get(token, url)
        assert response.status_code == 422, url
        errors = response.json()["errors"]
        assert list(errors) == [field], url
        if message:
            assert errors[field] == [message]


def test_without_a_grant_nothing_is_read_and_grants_are_audited(province):
    account = UserFactory(username="platform", role="api_client")
    _, raw = issue_api_token(actor=None, user=account, name="某平台企业")
    response = _get(raw, "/api/v1/stats/overview")
    assert response.status_code == 403
    assert response.json()["detail"] == "该账号未获授权读取统计数据。"
    assert _get("gb_wrong", "/api/v1/stats/overview").status_code == 401

    grant = StatsGrant.objects.get(user=province["a"]["account"])
    services.revoke_stats_access(actor=None, grant=grant)
    assert _get(province["a"]["token"], "/api/v1/stats/overview").status_code == 403
    assert AuditEvent.objects.filter(action="stats.access_granted").count() == 2
    assert AuditEvent.objects.filter(action="stats.access_revoked").count() == 1


def test_only_api_accounts_get_grants_and_a_refusal_changes_nothing(province):
    from django.core.exceptions import ValidationError

    staff = UserFactory(
        username="someone", role="county_admin", scope_region=province["a"]["county"]
    )
    before = StatsGrant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.grant_stats_access(actor=None, user=staff, region=province["b"]["city"])
    assert (StatsGrant.objects.count(), AuditEvent.objects.count()) == before


def test_stats_endpoints_are_in_the_openapi_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/stats/overview" in schema["paths"]
    assert "/api/v1/stats/series" in schema["paths"]
