"""Pages: tree with counts (no N+1), coverage, findings, import flow, export."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gigbranch.core.models import Finding
from gigbranch.organizations.models import CoverageMode, Organization, OrgKind, Workplace
from tests.factories import OrganizationFactory, WorkplaceFactory

from .conftest import add_members
from .test_excel import GOOD_CODE, row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def covered(network):
    WorkplaceFactory(
        name="甲网点",
        region=network["town_a"],
        organization=network["branch_a"],
        coverage_mode=CoverageMode.OWN_BRANCH,
        reported_worker_count=30,
        latitude=29.8,
        longitude=120.3,
    )
    WorkplaceFactory(
        name="乙站1",
        region=network["town_b"],
        organization=network["joint_b"],
        coverage_mode=CoverageMode.JOINT_BRANCH,
        reported_worker_count=10,
    )
    WorkplaceFactory(
        name="乙站2",
        region=network["town_b"],
        organization=network["committee_b"],
        coverage_mode=CoverageMode.INSTRUCTOR,
        reported_worker_count=20,
    )
    WorkplaceFactory(
        name="乙站3",
        region=network["town_b"],
        coverage_mode=CoverageMode.NONE,
        reported_worker_count=40,
    )
    add_members(n=4, organization=network["branch_a"])
    add_members(n=2, organization=network["joint_b"])
    return network


def test_tree_counts_per_node(client, covered):
    client.force_login(covered["county_admin"])
    response = client.get(reverse("organizations:tree"))
    assert response.status_code == 200
    [root] = response.context["rows"]
    assert (
        root.name,
        root.n_descendants,
        root.n_workplaces,
        root.n_workers,
        root.n_full_members,
    ) == ("县委组织部", 6, 3, 60, 6)
    response = client.get(reverse("organizations:tree_children", args=[covered["root"].pk]))
    counts = {
        r.name: (r.n_descendants, r.n_workplaces, r.n_workers, r.n_full_members)
        for r in response.context["rows"]
    }
    assert counts == {
        "行业党委": (2, 1, 30, 4),
        "甲镇党委": (0, 0, 0, 0),
        "乙镇党委": (1, 2, 30, 2),
    }


def test_tree_children_query_count_does_not_grow_with_nodes(
    client, covered, django_assert_max_num_queries
):
    client.force_login(covered["county_admin"])
    url = reverse("organizations:tree_children", args=[covered["industry"].pk])
    client.get(url)
    for i in range(15):
        OrganizationFactory(
            name=f"新支部{i}",
            kind=OrgKind.BRANCH,
            region=covered["town_a"],
            parent=covered["industry"],
        )
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["rows"]) == 17


def test_tree_for_township_is_a_forest_of_its_region(client, covered):
    client.force_login(covered["town_b_admin"])
    response = client.get(reverse("organizations:tree"))
    assert sorted(r.name for r in response.context["rows"]) == ["乙镇党委", "乙镇配送站党支部"]
    assert (
        client.get(reverse("organizations:detail", args=[covered["branch_a"].pk])).status_code
        == 404
    )


def test_tree_search(client, covered):
    client.force_login(covered["county_admin"])
    response = client.get(reverse("organizations:tree"), {"q": "快递"})
    assert [r.name for r in response.context["rows"]] == ["甲镇快递网点党支部"]


def test_coverage_rates(client, covered):
    client.force_login(covered["county_admin"])
    response = client.get(reverse("organizations:coverage"))
    assert response.status_code == 200
    overall = response.context["overall"]
    assert (overall.workplaces, overall.org_rate, overall.work_rate) == (4, 50.0, 75.0)
    assert (overall.workers, overall.org_rate_weighted, overall.work_rate_weighted) == (
        100,
        40.0,
        60.0,
    )
    per_region = {
        r.label: (r.workplaces, r.org_rate, r.work_rate)
        for r in response.context["report"]["per_region"]
    }
    assert per_region == {"甲镇": (1, 100.0, 100.0), "乙镇": (3, 33.3, 66.7)}
    assert [w["name"] for w in response.context["uncovered"]] == ["乙站3"]
    points = client.get(response.context["mapdata"]["points_url"]).json()["points"]
    assert points == [[29.8, 120.3, "own_branch", "甲网点"]]
    assert response.context["mapdata"]["tiles"] == ""
    content = response.content.decode()
    assert 'id="coverage-chart"' in content and 'id="coverage-map"' in content
    # Drill down to the township.
    response = client.get(reverse("organizations:coverage"), {"region": covered["town_b"].pk})
    assert response.context["overall"].workplaces == 3


def test_coverage_township_cannot_drill_into_other(client, covered):
    client.force_login(covered["town_a_admin"])
    assert (
        client.get(reverse("organizations:coverage"), {"region": covered["town_b"].pk}).status_code
        == 404
    )
    response = client.get(reverse("organizations:coverage"))
    assert response.context["overall"].workplaces == 1


def test_coverage_industry_line(client, covered):
    client.force_login(covered["industry_admin"])
    response = client.get(reverse("organizations:coverage"))
    assert response.context["overall"].workplaces == 1


def test_findings_page_filters_and_recheck(client, covered):
    wp = Workplace.objects.get(name="乙站3")
    add_members(n=3, workplace=wp)
    client.force_login(covered["town_b_admin"])
    response = client.post(reverse("organizations:findings_recheck"), follow=True)
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [(f.rule_id, f.object_label) for f in rows if f.rule_id != "ORG-5"] == [
        ("ORG-1", "乙站3")
    ]
    assert "ORG-1" in response.content.decode() and "应建未建" in response.content.decode()
    response = client.get(reverse("organizations:findings"), {"rule": "ORG-8"})
    assert list(response.context["page"]) == []
    client.force_login(covered["town_a_admin"])
    assert (
        list(client.get(reverse("organizations:findings"), {"rule": "ORG-1"}).context["page"]) == []
    )


def test_findings_recheck_denied_for_department_handler(client, covered):
    from tests.factories import UserFactory

    user = UserFactory(role="department_handler")
    client.force_login(user)
    assert client.post(reverse("organizations:findings_recheck")).status_code == 403
    assert Finding.objects.count() == 0


def test_import_flow_dry_run_then_apply(client, covered, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(covered["county_admin"])
    template = client.get(reverse("organizations:import_template", args=["workplaces"]))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "名称*"
    bad = io.BytesIO(xlsx([row("新站", GOOD_CODE), row("坏站", region="丙镇")]))
    bad.name = "wp.xlsx"
    response = client.post(reverse("organizations:import", args=["workplaces"]), {"file": bad})
    assert response.status_code == 200
    assert "第3行" in response.content.decode() and "未找到属地“丙镇”" in response.content.decode()
    token = response.context["token"]
    # Plain import refused while errors remain; nothing written.
    client.post(reverse("organizations:import_apply", args=["workplaces"]), {"token": token})
    assert not Workplace.objects.filter(name="新站").exists()
    response = client.post(
        reverse("organizations:import_apply", args=["workplaces"]),
        {"token": token, "valid_only": "1"},
    )
    assert Workplace.objects.filter(name="新站").exists()


def test_import_too_large_is_refused_with_message(client, covered, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 100
    client.force_login(covered["county_admin"])
    f = io.BytesIO(xlsx([row("新站")]))
    f.name = "wp.xlsx"
    before = Workplace.objects.count()
    response = client.post(reverse("organizations:import", args=["workplaces"]), {"file": f})
    assert response.status_code == 400
    assert "超过大小上限" in response.content.decode()
    assert Workplace.objects.count() == before


def test_import_denied_for_inspector(client, covered):
    client.force_login(covered["inspector"])
    assert client.get(reverse("organizations:import", args=["workplaces"])).status_code == 403


def test_export_ledgers(client, covered):
    client.force_login(covered["town_b_admin"])
    response = client.get(reverse("organizations:export", args=["workplaces"]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)) == [
        "乙站1",
        "乙站2",
        "乙站3",
    ]
    response = client.get(reverse("organizations:export", args=["organizations"]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)) == [
        "乙镇党委",
        "乙镇联合党支部",
        "乙镇配送站党支部",
    ]


def test_detail_move_and_history(client, covered):
    client.force_login(covered["county_admin"])
    url = reverse("organizations:move", args=[covered["branch_a"].pk])
    client.post(url, {"new_parent": covered["committee_a"].pk})
    assert (
        Organization.objects.get(pk=covered["branch_a"].pk).parent_id == covered["committee_a"].pk
    )
    response = client.get(reverse("organizations:detail", args=[covered["branch_a"].pk]))
    assert [e.action for e in response.context["history"]] == ["organization.moved"]


def test_workplace_detail_scoped(client, covered):
    wp = Workplace.objects.get(name="乙站3")
    client.force_login(covered["town_a_admin"])
    assert client.get(reverse("organizations:workplace", args=[wp.pk])).status_code == 404
    client.force_login(covered["town_b_admin"])
    assert client.get(reverse("organizations:workplace", args=[wp.pk])).status_code == 200
    assert client.get(reverse("organizations:instructors")).status_code == 200
    assert (
        client.get(reverse("organizations:workplaces"), {"coverage": "none"})
        .context["page"]
        .paginator.count
        == 1
    )


def _list_queries(client, url="/org/workplaces/"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def test_workplace_list_counts_workers_for_the_shown_page_only(client, network):
    """Issue 17: counting workers inside the list query grouped every workplace in scope
    before the page of 50 was cut (3.3 s cold at county scale)."""
    from tests.factories import WorkerFactory

    client.force_login(network["county_admin"])
    for i in range(5):
        WorkplaceFactory(name=f"网点{i:02d}", region=network["town_a"])
    _list_queries(client)  # first request of the session: caches filled
    _, few = _list_queries(client)
    for i in range(5, 60):
        WorkplaceFactory(name=f"网点{i:02d}", region=network["town_a"])
    busy = Workplace.objects.get(name="网点03")
    for _ in range(3):
        WorkerFactory(region=network["town_a"], workplace=busy)
    response, many = _list_queries(client)

    assert len(few) == len(many), "\n".join(
        q[:150] for q in many
    )  # 5 rows or a full page of 50: the same queries
    page_query = next(q for q in many if "LIMIT 50" in q)
    assert "members_worker" not in page_query
    rows = {w.name: w.worker_count for w in response.context["page"]}
    assert len(rows) == 50 and rows["网点03"] == 3 and rows["网点04"] == 0


def test_workplace_ledger_counts_workers_without_grouping_the_workplaces(client, network):
    """Issue 17: the ledger export grouped every workplace joined to its workers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import WorkerFactory

    client.force_login(network["county_admin"])
    busy = WorkplaceFactory(name="忙网点", region=network["town_a"])
    WorkplaceFactory(name="空网点", region=network["town_a"])
    for _ in range(3):
        WorkerFactory(region=network["town_a"], workplace=busy)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("organizations:export", args=["workplaces"]))
        ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    column = [c.value for c in ws[1]].index("登记劳动者")
    counts = {r[0]: r[column] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert counts == {"忙网点": 3, "空网点": 0}
    grouped = [
        q["sql"]
        for q in ctx.captured_queries
        if 'FROM "organizations_workplace"' in q["sql"] and "GROUP BY" in q["sql"]
    ]
    assert grouped == []
