"""Excel import/export: template, dry run, bad rows, refusals, idempotent re-import."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from gigbranch.core.models import AuditEvent
from gigbranch.organizations import excel
from gigbranch.organizations.models import Organization, Workplace

pytestmark = pytest.mark.django_db

HEAD = [
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
GOOD_CODE = "91330100MA27XL3X0T"  # valid check character (GB 32100)
GOOD_CODE_2 = "913301007125894828"


def xlsx(rows, head=HEAD):
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(name, code="", kind="快递网点", region="甲镇", workers=10, mode="", org=""):
    return [
        name,
        code,
        kind,
        "顺丰速运",
        region,
        "人民路1号",
        29.8,
        120.3,
        "王",
        "13900000000",
        workers,
        mode,
        org,
        "",
    ]


def db_state():
    return (
        list(Workplace.objects.order_by("pk").values()),
        list(Organization.objects.order_by("pk").values()),
    )


def test_codes_are_valid():
    from gigbranch.core.validators import normalize_uscc

    assert normalize_uscc(GOOD_CODE) == GOOD_CODE
    assert normalize_uscc(GOOD_CODE_2) == GOOD_CODE_2


def test_template_has_chinese_headers():
    wb = load_workbook(io.BytesIO(excel.template_bytes("workplaces")))
    assert [c.value for c in wb.active[1]] == HEAD
    wb = load_workbook(io.BytesIO(excel.template_bytes("organizations")))
    assert [c.value for c in wb.active[1]][:5] == [
        "名称*",
        "类型*",
        "组建方式",
        "上级党组织*",
        "属地*",
    ]


def test_import_valid_file_then_reimport_changes_nothing(network):
    admin = network["county_admin"]
    data = xlsx(
        [
            row("甲镇顺丰网点", GOOD_CODE),
            row("甲镇中通网点", "", mode="单独建立党组织", org="甲镇快递网点党支部"),
            row(
                "乙镇京东站",
                GOOD_CODE_2,
                region="乙镇",
                mode="联合党支部覆盖",
                org="乙镇联合党支部",
            ),
        ]
    )
    result = excel.parse("workplaces", data, actor=admin)
    assert result.bad_rows == []
    assert result.counts() == {"total": 3, "bad": 0, "create": 3, "update": 0, "unchanged": 0}
    assert excel.apply(result, actor=admin) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    wp = Workplace.objects.get(name="甲镇中通网点")
    assert (wp.coverage_mode, wp.organization.name, wp.reported_worker_count) == (
        "own_branch",
        "甲镇快递网点党支部",
        10,
    )
    before = db_state()
    events = AuditEvent.objects.count()
    again = excel.parse("workplaces", data, actor=admin)
    assert again.counts()["unchanged"] == 3
    assert excel.apply(again, actor=admin)["unchanged"] == 3
    assert db_state() == before
    assert AuditEvent.objects.count() == events + 1  # only the import summary


def test_changed_row_updates_by_credit_code(network):
    admin = network["county_admin"]
    excel.apply(
        excel.parse("workplaces", xlsx([row("甲镇顺丰网点", GOOD_CODE)]), actor=admin), actor=admin
    )
    result = excel.parse(
        "workplaces", xlsx([row("甲镇顺丰速运网点", GOOD_CODE, workers=30)]), actor=admin
    )
    assert result.counts()["update"] == 1
    excel.apply(result, actor=admin)
    assert list(Workplace.objects.values_list("name", "reported_worker_count")) == [
        ("甲镇顺丰速运网点", 30)
    ]


BAD_CASES = {
    "wrong credit code": (
        [row("甲镇顺丰网点", "91330100MA27XL3X0A")],
        2,
        "统一社会信用代码",
        "统一社会信用代码校验位不正确，请核对。",
    ),
    "duplicate": (
        [row("甲站", GOOD_CODE), row("乙站", GOOD_CODE)],
        3,
        "统一社会信用代码",
        "与第2行重复",
    ),
    "unknown region": (
        [row("甲镇顺丰网点", region="丙镇")],
        2,
        "属地",
        "未找到属地“丙镇”，或不在您的数据范围内",
    ),
    "formula": (
        [row("甲镇顺丰网点", workers="=SUM(1,2)")],
        2,
        "从业人数",
        "不接受公式，请填写数值或文字",
    ),
    "bad kind": ([row("甲镇顺丰网点", kind="小卖部")], 2, "类型", None),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_rows_are_listed_and_nothing_is_written(network, case):
    rows, line, column, reason = BAD_CASES[case]
    admin = network["county_admin"]
    before = db_state()
    result = excel.parse("workplaces", xlsx(rows), actor=admin)
    [bad] = result.bad_rows
    assert bad.row == line
    assert bad.errors[0][0] == column
    if reason:
        assert bad.errors[0][1] == reason
    with pytest.raises(ValidationError):
        excel.apply(result, actor=admin)
    assert db_state() == before


def test_valid_only_imports_the_good_rows(network):
    admin = network["county_admin"]
    result = excel.parse(
        "workplaces", xlsx([row("好站", GOOD_CODE), row("坏站", region="丙镇")]), actor=admin
    )
    assert excel.apply(result, actor=admin, valid_only=True) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
    }
    assert list(Workplace.objects.values_list("name", flat=True)) == ["好站"]


def test_township_admin_cannot_import_into_other_township(network):
    result = excel.parse(
        "workplaces", xlsx([row("乙站", region="乙镇")]), actor=network["town_a_admin"]
    )
    assert result.bad_rows[0].errors == [("属地", "未找到属地“乙镇”，或不在您的数据范围内")]


def _bomb() -> bytes:
    """A workbook whose sheet XML declares entities (billion laughs)."""
    data = xlsx([row("甲站")])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                entities = (
                    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                )
                text = body.decode()
                if text.startswith("<?xml"):
                    head, text = text.split("?>", 1)
                    entities = head + "?>" + entities
                body = (entities + text).encode()
            dst.writestr(info, body)
    return out.getvalue()


def test_xml_bomb_is_refused(network):
    before = db_state()
    with pytest.raises(excel.ImportRefused, match="不安全的XML内容"):
        excel.parse("workplaces", _bomb(), actor=network["county_admin"])
    assert db_state() == before


def test_zip_bomb_ratio_is_refused(network):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", "0" * (20 * 1024 * 1024))
    with pytest.raises(excel.ImportRefused, match="压缩炸弹"):
        excel.parse("workplaces", out.getvalue(), actor=network["county_admin"])


def test_file_over_size_limit_is_refused(network, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    before = db_state()
    with pytest.raises(excel.ImportRefused, match="超过上限"):
        excel.parse("workplaces", xlsx([row("甲站")]), actor=network["county_admin"])
    assert db_state() == before


def test_not_an_excel_file_is_refused(network):
    with pytest.raises(excel.ImportRefused, match="不是有效的Excel"):
        excel.parse("workplaces", b"name,kind\n", actor=network["county_admin"])


def test_missing_required_header_is_refused(network):
    with pytest.raises(excel.ImportRefused, match="表头缺少必填列：属地"):
        excel.parse(
            "workplaces",
            xlsx([["甲站", "快递网点"]], head=["名称*", "类型*"]),
            actor=network["county_admin"],
        )


def test_import_organizations_upserts_by_name_and_parent(network):
    admin = network["county_admin"]
    head = [c.header for c in excel.ORGANIZATION_COLUMNS]
    data = xlsx(
        [
            [
                "甲镇美团站党支部",
                "党支部",
                "单独组建",
                "行业党委",
                "甲镇",
                "2024-07-01",
                "2024-07-01",
                3,
                "刘",
                "",
                "",
                "",
                "",
            ]
        ],
        head=head,
    )
    result = excel.parse("organizations", data, actor=admin)
    assert result.bad_rows == []
    excel.apply(result, actor=admin)
    org = Organization.objects.get(name="甲镇美团站党支部")
    assert org.path.startswith(network["industry"].path) and org.secretary_name == "刘"
    assert excel.parse("organizations", data, actor=admin).counts()["unchanged"] == 1


def test_export_escapes_formula_like_text(network):
    from tests.factories import WorkplaceFactory

    WorkplaceFactory(name="=HYPERLINK(1)", region=network["town_a"])
    wb = load_workbook(io.BytesIO(excel.export_workplaces(Workplace.objects.all())))
    assert wb.active["A2"].value == "=HYPERLINK(1)"
    assert wb.active["A2"].data_type == "s" and wb.active["A2"].quotePrefix


def test_long_text_is_refused_with_its_limit_not_cut(network):
    admin = network["county_admin"]
    result = excel.parse("workplaces", xlsx([row("长" * 500)]), actor=admin)
    reasons = [error for r in result.bad_rows for error in r.errors]
    assert ("名称", "超过120个字（现为500个字），请缩短后重新导入") in reasons
    assert result.counts()["create"] == 0
