"""Coverage planning through the page's endpoints and the API (PLAN-1): exact figures on a
hand-made county, scope refusals that change nothing, Chinese errors for bad input."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import CoverageMode
from gigbranch.planning.models import Proposal
from tests.factories import StationFactory, UserFactory, WorkerFactory, WorkplaceFactory

KM = 1 / 111.19508  # degrees of latitude per km


@pytest.fixture
def plan(two_townships, county_admin):
    town = two_townships["a"]["town"]
    StationFactory(name="甲镇驿站", region=town, latitude=30.0, longitude=120.0)

    def wp(name, dlat_km, dlng_deg, workers, mode=CoverageMode.NONE):
        return WorkplaceFactory(
            name=name,
            region=town,
            latitude=f"{30.0 + dlat_km * KM:.6f}",
            longitude=f"{120.0 + dlng_deg:.6f}",
            reported_worker_count=workers,
            coverage_mode=mode,
        )

    w1 = wp("驿站旁快递网点", 0, 0, 50, CoverageMode.OWN_BRANCH)
    w2 = wp("物流园分拨中心", 3, 0, 80)
    w3 = wp("物流园货运点", 4, 0, 20)
    w4 = wp("东郊外卖站", 0, 0.1, 30)
    # W4 has a roster of two active workers: the roster count wins over the reported 30.
    WorkerFactory(region=town, workplace=w4)
    WorkerFactory(region=town, workplace=w4)
    return {**two_townships, "admin": county_admin, "w": [w1, w2, w3, w4], "town": town}


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def ask(client, plan, **extra):
    body = {"region": plan["town"].pk, "kind": "station", "k": 1, "radius_km": 1.5, **extra}
    return post(client, "/planning/propose/", body)


@pytest.mark.django_db
def test_the_gap_is_found_and_figures_are_exact(client, plan):
    client.force_login(plan["admin"])
    r = ask(client, plan)
    assert r.status_code == 200, r.content
    res = r.json()
    _w1, w2, _w3, _w4 = plan["w"]
    assert res["workers_total"] == 50 + 80 + 20 + 2
    assert res["workers_before"] == 50
    assert [c["key"] for c in res["chosen"]] == [f"w{w2.pk}"]
    assert res["chosen"][0]["workers_new"] == 100  # W2 and W3 (1 km apart), counted once
    assert res["workers_after"] == 150
    assert res["rate_before"] == 32.9
    assert res["rate_after"] == 98.7
    assert res["exact"]["workers_after"] == 150
    assert res["exact"]["gap_percent"] == 0.0
    assert res["exact"]["optimal"] is True
    assert Proposal.objects.count() == 0  # asking saves nothing


@pytest.mark.django_db
def test_pinned_site_is_chosen_and_excluded_never(client, plan):
    client.force_login(plan["admin"])
    _w1, w2, w3, w4 = plan["w"]
    res = ask(client, plan, k=2, pinned=[f"w{w4.pk}"], excluded=[f"w{w2.pk}"]).json()
    assert [c["key"] for c in res["chosen"]] == [f"w{w4.pk}", f"w{w3.pk}"]
    assert res["chosen"][0]["pinned"] is True
    assert [c["workers_new"] for c in res["chosen"]] == [2, 100]


@pytest.mark.django_db
def test_branch_kind_counts_branches_at_covered_workplaces(client, plan):
    client.force_login(plan["admin"])
    res = ask(client, plan, kind="branch").json()
    w1, _w2, *_ = plan["w"]
    assert res["workers_before"] == 50  # W1 has its own branch
    assert f"w{w1.pk}" not in [c["key"] for c in res["chosen"]]
    assert res["existing"] == [
        {"name": "驿站旁快递网点", "lat": 30.0, "lng": 120.0, "source": "workplace"}
    ]


@pytest.mark.django_db
def test_k_larger_than_candidates_gives_all_with_a_message(client, plan):
    client.force_login(plan["admin"])
    res = ask(client, plan, k=10).json()
    assert len(res["chosen"]) == 4
    assert res["notes"][0] == "候选点只有 4 个（少于要求的 10 个），已全部列入方案。"
    assert res["workers_after"] == res["workers_total"]


@pytest.mark.django_db
def test_clicked_candidates_only(client, plan):
    client.force_login(plan["admin"])
    cands = [
        {"key": "p1", "name": "点1", "lat": 30.0 + 3.5 * KM, "lng": 120.0},
        {"key": "p2", "name": "点2", "lat": 31.0, "lng": 121.0},
    ]
    res = ask(client, plan, k=1, candidates=cands, use_workplaces=False).json()
    assert [c["key"] for c in res["chosen"]] == ["p1"]
    assert res["chosen"][0]["workers_new"] == 100
    assert res["candidate_count"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra, field, message",
    [
        ({"k": 0}, "k", "新增个数应为 1 到 200 之间的整数。"),
        ({"radius_km": 50}, "radius_km", "服务半径应在 0.1 到 20 公里之间。"),
        ({"kind": "hotel"}, "kind", "站点类型不正确。"),
        (
            {"candidates": [{"lat": 95, "lng": 120}]},
            "candidates.0.lat",
            "纬度应为 -89 到 89 之间的数字。",
        ),
        ({"pinned": ["nope"]}, "pinned", "候选点 nope 不在候选列表中。"),
    ],
)
def test_bad_input_is_a_422_in_chinese(client, plan, extra, field, message):
    client.force_login(plan["admin"])
    r = ask(client, plan, **extra)
    assert r.status_code == 422
    assert r.json()["errors"][field] == [message]


@pytest.mark.django_db
def test_a_region_outside_the_scope_is_refused_and_nothing_saved(client, plan):
    client.force_login(plan["b"]["admin"])  # township B asks for township A
    events = AuditEvent.objects.count()
    assert ask(client, plan).status_code == 403
    body = {"name": "越权", "region": plan["town"].pk, "kind": "station", "k": 1}
    assert post(client, "/planning/save/", body).status_code == 403
    r = post(client, "/api/v1/planning/proposals", body)
    assert r.status_code == 403
    assert r.json()["detail"] == "该区域不在您的管理范围内，不能规划。"
    assert Proposal.objects.count() == 0
    assert AuditEvent.objects.count() == events
    assert client.get(f"/planning/layers/?region={plan['town'].pk}").status_code == 404


@pytest.mark.django_db
def test_inspector_reads_but_cannot_save(client, plan):
    inspector = UserFactory(role="inspector", scope_region=plan["county"])
    client.force_login(inspector)
    assert ask(client, plan).status_code == 200
    body = {"name": "检查", "region": plan["town"].pk, "kind": "station", "k": 1}
    assert post(client, "/planning/save/", body).status_code == 403
    assert Proposal.objects.count() == 0


@pytest.mark.django_db
def test_save_audit_detail_and_export(client, plan):
    client.force_login(plan["admin"])
    body = {"name": "甲镇驿站方案", "region": plan["town"].pk, "kind": "station", "k": 1}
    r = post(client, "/planning/save/", body)
    assert r.status_code == 201
    proposal = Proposal.objects.get()
    assert (proposal.workers_before, proposal.workers_after, proposal.workers_total) == (
        50,
        150,
        152,
    )
    event = AuditEvent.objects.get(action="planning.proposal_saved")
    assert event.object_id == str(proposal.pk)
    assert event.changes["workers_after"] == 150
    page = client.get(r.json()["url"])
    assert page.status_code == 200
    assert "物流园分拨中心" in page.content.decode()
    xlsx = client.get(f"/planning/proposals/{proposal.pk}/export/")
    assert xlsx.status_code == 200
    ws = load_workbook(
        io.BytesIO(b"".join(xlsx.streaming_content if xlsx.streaming else [xlsx.content]))
    ).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == ("序号", "名称", "纬度", "经度", "来源", "必选", "新增覆盖人数")
    assert rows[2][1] == "物流园分拨中心" and rows[2][6] == 100
    assert ("", "方案覆盖人数", "", "", "", "98.7%", 150) in rows or rows[6][6] == 150
    # Another township's admin cannot open it.
    client.force_login(plan["b"]["admin"])
    assert client.get(r.json()["url"]).status_code == 404
    assert client.get(f"/planning/proposals/{proposal.pk}/export/").status_code == 404


@pytest.mark.django_db
def test_api_post_and_get(client, plan):
    client.force_login(plan["admin"])
    body = {"name": "接口方案", "region": plan["town"].pk, "kind": "station", "k": 1}
    r = post(client, "/api/v1/planning/proposals", body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["workers_after"] == 150
    assert out["chosen"][0]["name"] == "物流园分拨中心"
    got = client.get(f"/api/v1/planning/proposals/{out['id']}")
    assert got.status_code == 200
    assert got.json()["chosen"] == out["chosen"]
    bad = post(client, "/api/v1/planning/proposals", {**body, "k": 0})
    assert bad.status_code == 422
    assert bad.json()["errors"]["k"] == ["不能小于1。"]


@pytest.mark.django_db
def test_layers_give_demand_hexes_and_sites(client, plan):
    client.force_login(plan["admin"])
    r = client.get(f"/planning/layers/?region={plan['town'].pk}&zoom=12")
    assert r.status_code == 200
    data = r.json()
    assert data["hexes"]["resolution"] == 8
    assert sum(f["properties"]["workers"] for f in data["hexes"]["features"]) == 152
    assert [s[2] for s in data["stations"]] == ["甲镇驿站"]
    assert [b[2] for b in data["branches"]] == ["驿站旁快递网点"]
    page = client.get("/planning/")
    assert page.status_code == 200
    assert "选址规划" in page.content.decode()


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "c.xlsx"
    return buf


@pytest.mark.django_db
def test_uploaded_candidates_report_bad_coordinates_by_row(client, plan):
    client.force_login(plan["admin"])
    f = workbook(
        [
            ("名称", "地址", "纬度", "经度"),
            ("东门", "路1号", 30.03, 120.0),
            ("西门", "路2号", "abc", 120.0),
            ("北门", "路3号", 30.0, 181),
            (None, None, None, None),
            ("南门", "", 29.99, 120.01),
        ]
    )
    r = client.post("/planning/candidates/upload/", {"file": f})
    assert r.status_code == 200
    data = r.json()
    assert [row["name"] for row in data["rows"]] == ["东门", "南门"]
    assert [row["key"] for row in data["rows"]] == ["x2", "x6"]
    assert data["errors"] == [
        "第3行：纬度“abc”不是 -89 到 89 之间的数字。",
        "第4行：经度“181”不是 -180 到 180 之间的数字。",
    ]
    not_excel = io.BytesIO(b"hello")
    not_excel.name = "x.xlsx"
    r = client.post("/planning/candidates/upload/", {"file": not_excel})
    assert r.json()["errors"] == ["文件不是有效的Excel（.xlsx）文件，请使用下载的模板。"]
