"""Issue 3 journey: template → import with errors → fix → coverage changes → ORG-1 finding."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from gigbranch.members.models import MemberKind, PartyMember
from gigbranch.organizations.models import CoverageMode, OrgKind, OrgRuleSet
from tests.browser.conftest import login, screenshot
from tests.factories import (
    PASSWORD,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
    WorkerFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _book(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "名称*",
            "统一社会信用代码",
            "类型*",
            "所属平台品牌",
            "属地*",
            "地址",
            "纬度",
            "经度",
            "联系人",
            "联系电话",
            "从业人数",
            "覆盖方式",
            "覆盖党组织",
            "党建工作指导员",
        ]
    )
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def county_world(db):
    county = RegionFactory(
        name="云溪县", level="county", code="339021", latitude=29.87, longitude=120.35
    )
    town_a = RegionFactory(name="城关街道", parent=county, latitude=29.88, longitude=120.36)
    town_b = RegionFactory(name="青石镇", parent=county, latitude=29.80, longitude=120.30)
    root = OrganizationFactory(
        name="县委组织部（两新工委）", kind=OrgKind.ORG_DEPARTMENT, region=county
    )
    industry = OrganizationFactory(
        name="新就业群体行业党委",
        kind=OrgKind.INDUSTRY_COMMITTEE,
        region=county,
        parent=root,
        secretary_name="周建华",
    )
    branch = OrganizationFactory(
        name="城关顺丰网点党支部",
        kind=OrgKind.BRANCH,
        region=town_a,
        parent=industry,
        secretary_name="刘建军",
    )
    WorkplaceFactory(
        name="城关顺丰网点",
        region=town_a,
        organization=branch,
        coverage_mode=CoverageMode.OWN_BRANCH,
        reported_worker_count=40,
        latitude=29.881,
        longitude=120.361,
    )
    uncovered = WorkplaceFactory(
        name="青石美团配送站",
        region=town_b,
        coverage_mode=CoverageMode.NONE,
        reported_worker_count=60,
        latitude=29.801,
        longitude=120.302,
    )
    for i in range(2):
        w = WorkerFactory(region=town_b, workplace=uncovered)
        PartyMember.objects.create(worker=w, kind=MemberKind.FULL)
    UserFactory(username="county_admin", role="county_admin", scope_region=county)
    return {"uncovered": uncovered, "town_b": town_b, "branch": branch}


def test_county_admin_imports_workplaces_and_sees_coverage_and_findings(
    desktop, county_world, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    page = desktop
    login(page, "county_admin", PASSWORD)
    page.goto("/org/coverage/")
    assert page.locator("#org-rate").inner_text() == "50.0%"

    # Download the template.
    page.goto("/org/workplaces/")
    page.click("text=导入企业/站点")
    with page.expect_download() as download:
        page.click("#download-template")
    assert download.value.suggested_filename == "企业站点导入模板.xlsx"
    template = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert template.active["A1"].value == "名称*" and template.active["E1"].value == "属地*"

    # A file with two bad rows.
    bad = tmp_path / "企业站点.xlsx"
    bad.write_bytes(
        _book(
            [
                [
                    "城关中通网点",
                    "91330100MA27XL3X0T",
                    "快递网点",
                    "中通快递",
                    "城关街道",
                    "",
                    29.882,
                    120.362,
                    "",
                    "",
                    20,
                    "单独建立党组织",
                    "城关顺丰网点党支部",
                    "",
                ],
                [
                    "青石饿了么站",
                    "91330100MA27XL3X0A",
                    "外卖配送站点",
                    "饿了么",
                    "青石镇",
                    "",
                    29.802,
                    120.303,
                    "",
                    "",
                    30,
                    "",
                    "",
                    "",
                ],
                [
                    "白沙货拉拉",
                    "",
                    "货运平台/企业",
                    "货拉拉",
                    "白沙镇",
                    "",
                    "",
                    "",
                    "",
                    "",
                    10,
                    "",
                    "",
                    "",
                ],
            ]
        )
    )
    page.set_input_files("#id_file", str(bad))
    page.click("text=上传并校验")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 2
    assert errors.nth(0).inner_text().split("\t") == [
        "第3行",
        "统一社会信用代码",
        "统一社会信用代码校验位不正确，请核对。",
    ]
    assert errors.nth(1).inner_text().split("\t") == [
        "第4行",
        "属地",
        "未找到属地“白沙镇”，或不在您的数据范围内",
    ]
    assert page.locator("#import-confirm").count() == 0
    screenshot(page, "organizations-import-errors")

    # Fix the two rows and import.
    good = tmp_path / "企业站点-修改.xlsx"
    good.write_bytes(
        _book(
            [
                [
                    "城关中通网点",
                    "91330100MA27XL3X0T",
                    "快递网点",
                    "中通快递",
                    "城关街道",
                    "",
                    29.882,
                    120.362,
                    "",
                    "",
                    20,
                    "单独建立党组织",
                    "城关顺丰网点党支部",
                    "",
                ],
                [
                    "青石饿了么站",
                    "913301007125894828",
                    "外卖配送站点",
                    "饿了么",
                    "青石镇",
                    "",
                    29.802,
                    120.303,
                    "",
                    "",
                    30,
                    "",
                    "",
                    "",
                ],
                [
                    "青石货拉拉",
                    "",
                    "货运平台/企业",
                    "货拉拉",
                    "青石镇",
                    "",
                    "",
                    "",
                    "",
                    "",
                    10,
                    "",
                    "",
                    "",
                ],
            ]
        )
    )
    page.set_input_files("#id_file", str(good))
    page.click("text=上传并校验")
    assert "有错误 0 行" in page.locator("#import-summary").inner_text()
    page.click("#import-confirm")
    assert "导入完成：新增3条" in page.locator("main").inner_text()

    # Coverage changes: 2 of 5 workplaces covered.
    page.goto("/org/coverage/")
    assert page.locator("#org-rate").inner_text() == "40.0%"

    # A third full member is recorded at the uncovered station → ORG-1 after a re-check.
    w = WorkerFactory(region=county_world["town_b"], workplace=county_world["uncovered"])
    PartyMember.objects.create(worker=w, kind=MemberKind.FULL)
    page.goto("/org/findings/")
    page.click("#recheck")
    row = page.locator("#findings tbody tr", has_text="青石美团配送站")
    assert row.count() == 1
    text = row.inner_text()
    assert "ORG-1" in text and "应建未建：有正式党员3名" in text and "按照ORG-1" in text
    screenshot(page, "organizations-findings")

    page.goto("/org/coverage/")
    page.wait_for_selector("#coverage-chart canvas")
    page.wait_for_selector("#coverage-map[data-points]")
    assert page.get_attribute("#coverage-map", "data-points") == "4"  # located workplaces
    path = screenshot(page, "organizations-coverage")
    assert path.stat().st_size > 20_000


def test_tree_expands_and_collapses(desktop, county_world):
    page = desktop
    login(page, "county_admin", PASSWORD)
    page.goto("/org/")
    rows = page.locator("#org-tree tbody tr")
    assert rows.count() == 1
    page.click(".gb-tree-toggle")
    page.wait_for_selector("text=新就业群体行业党委")
    assert rows.count() == 2
    page.locator("#org-tree tbody tr", has_text="新就业群体行业党委").locator(
        ".gb-tree-toggle"
    ).click()
    page.wait_for_selector("text=城关顺丰网点党支部")
    assert rows.count() == 3
    screenshot(page, "organizations-tree")
    page.locator("#org-tree tbody tr").first.locator(".gb-tree-toggle").click()
    assert rows.count() == 1


def test_county_admin_creates_workplace_and_edits_rules(desktop, county_world):
    page = desktop
    login(page, "county_admin", PASSWORD)
    page.goto("/org/workplaces/")
    page.click("#workplace-create")
    page.fill("#id_name", "城关外卖配送站")
    page.select_option("#id_kind", "delivery_station")
    page.select_option("#id_region", label=county_world["town_b"].name)
    page.fill("#id_reported_worker_count", "18")
    screenshot(page, "organizations-workplace-create")
    page.click(".gb-form button[type=submit]")
    page.wait_for_selector("text=已新增企业/站点")
    page.goto("/org/findings/")
    page.click("#ruleset-link")
    page.fill("#id_joint_branch_max_units", "4")
    assert not OrgRuleSet.objects.exists()
    page.click("#ruleset-form button[type=submit]")
    # Only a successful save redirects with this message; a form re-rendered with errors
    # shows the same title and the typed value too.
    page.wait_for_selector("text=已保存云溪县的组织设置规则参数。")
    assert "本区域已单独设置参数" in page.inner_text("main")
    assert page.input_value("#id_joint_branch_max_units") == "4"
    saved = OrgRuleSet.objects.get(region__name="云溪县")
    assert saved.joint_branch_max_units == 4
    screenshot(page, "organizations-ruleset")
