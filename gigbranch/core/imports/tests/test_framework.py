"""The import framework on its own (ADR 0052), with a small spec that keeps its records
in memory: bad files, header aliases, row errors with row numbers, dry run, valid rows
only, idempotent re-import, progress, template and error report."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Hashable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from gigbranch.core import imports
from gigbranch.core.imports import Cells, Column, ImportRefused, ImportSpec, RowError, RowResult
from gigbranch.core.imports.batches import Batch, batched, validated_batches
from gigbranch.core.models import AuditEvent

pytestmark = pytest.mark.django_db


class Shelf(ImportSpec):
    """Books on a shelf, matched by code: enough to exercise every part of the engine."""

    name = "books"
    title = "图书导入模板"
    columns = [
        Column("编码", "code", True, "B-1", max_length=10, aliases=("书号",)),
        Column("书名", "title", True, "党章", max_length=20),
        Column("册数", "copies", False, 1),
        Column("出版日期", "published", False, "2022-10-22"),
        Column("在架", "on_shelf", False, "是"),
    ]
    audit_action = "books.imported"
    audit_object_type = "tests.book"

    def __init__(self) -> None:
        self.books: dict[str, dict[str, Any]] = {}
        self.writes = 0

    def clean(self, ctx: Any, cells: Cells) -> dict[str, Any]:
        return {
            "code": cells.text("code"),
            "title": cells.text("title"),
            "copies": cells.integer("copies", 0, 99) or 0,
            "published": cells.date("published"),
            "on_shelf": cells.yes_no("on_shelf"),
        }

    def key(self, values: dict[str, Any]) -> tuple[str, Hashable] | None:
        return ("编码", values["code"]) if values["code"] else None

    def match(self, ctx: Any, values: dict[str, Any], result: RowResult, actor: Any) -> Any:
        return self.books.get(values["code"])

    def differs(self, target: Any, values: dict[str, Any]) -> bool:
        return target != values

    def write(self, row: RowResult, actor: Any) -> None:
        self.books[row.values["code"]] = dict(row.values)
        self.writes += 1


HEAD = ["编码", "书名", "册数", "出版日期", "在架"]


def xlsx(rows: list[list[Any]], head: list[str] = HEAD) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(head)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [["B-1", "党章", 3, "2022-10-22", "是"], ["B-2", "准则", 1, None, "否"]]


def test_dry_run_writes_nothing_then_apply_then_reimport_changes_nothing(county_admin):
    spec = Shelf()
    result = imports.parse(spec, xlsx(GOOD), actor=county_admin)
    assert result.counts() == {"total": 2, "bad": 0, "create": 2, "update": 0, "unchanged": 0}
    assert (spec.books, AuditEvent.objects.filter(action="books.imported").count()) == ({}, 0)

    assert imports.apply(spec, result, actor=county_admin) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    assert spec.books["B-1"]["copies"] == 3 and spec.writes == 2

    again = imports.parse(spec, xlsx(GOOD), actor=county_admin)
    assert again.counts()["unchanged"] == 2
    assert imports.apply(spec, again, actor=county_admin)["unchanged"] == 2
    assert spec.writes == 2  # the second import wrote nothing
    event = AuditEvent.objects.filter(action="books.imported").latest("pk")
    assert event.changes["unchanged"] == 2 and event.actor == county_admin

    changed = imports.parse(spec, xlsx([[*GOOD[0][:2], 4, *GOOD[0][3:]]]), actor=county_admin)
    assert changed.counts()["update"] == 1
    assert imports.apply(spec, changed, actor=county_admin)["updated"] == 1
    assert spec.books["B-1"]["copies"] == 4


def test_errors_carry_row_number_column_and_chinese_reason(county_admin):
    rows = [
        ["B-1", "党章", "三", "2022-10-22", "是"],  # row 2: copies not a number
        ["B-2", "", 1, "昨天", "也许"],  # row 3: title empty, date, yes/no
        [None, None, None, None, None],  # row 4: blank, skipped
        ["B-3", "=HYPERLINK(1)", 1, None, None],  # row 5: formula
        ["B-4", "规则", 1, None, None],  # row 6: valid
        ["B-4", "规则", 1, None, None],  # row 7: duplicate of row 6
        ["B-5", "长" * 21, 1, None, None],  # row 8: over the limit
    ]
    result = imports.parse(Shelf(), xlsx(rows), actor=county_admin)
    assert [(e.row, e.column, e.reason) for e in result.errors()] == [
        (2, "册数", "“三”不是整数"),
        (3, "书名", "必填项为空"),
        (3, "出版日期", "“昨天”不是有效日期，应为如2024-07-01的格式"),
        (3, "在架", "请填“是”或“否”"),
        (5, "书名", "不接受公式，请填写数值或文字"),
        (7, "编码", "与第6行重复"),
        (8, "书名", "超过20个字（现为21个字），请缩短后重新导入"),
    ]
    assert 4 not in {r.row for r in result.rows}
    assert [r.row for r in result.good_rows] == [6]


def test_control_characters_are_refused_by_the_cell_reader():
    # openpyxl cannot write them; the roster's fast reader can read them (&#11;).
    from gigbranch.core.imports.cells import raw_cells

    result = RowResult(row=9)
    header = {"code": 0, "title": 1}
    raw = raw_cells(["B-6", "a\x0bb"], header, Shelf.columns, result)
    assert raw["title"] is None
    assert result.row_errors() == [RowError(9, "书名", "含有不可见的控制字符，请删除后重新导入")]


def test_errors_refuse_everything_unless_valid_rows_only(county_admin):
    spec = Shelf()
    result = imports.parse(spec, xlsx([GOOD[0], ["B-9", "", 1, None, None]]), actor=county_admin)
    with pytest.raises(ValidationError, match="有1行存在错误，未导入任何数据"):
        imports.apply(spec, result, actor=county_admin)
    assert spec.books == {}
    assert not AuditEvent.objects.filter(action="books.imported").exists()
    counts = imports.apply(spec, result, actor=county_admin, valid_only=True)
    assert counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}
    assert list(spec.books) == ["B-1"]


def test_headers_by_alias_in_any_order_and_missing_required_refused(county_admin):
    data = xlsx([["党章", "B-1"]], head=["书名", " 书号* "])
    result = imports.parse(Shelf(), data, actor=county_admin)
    assert result.good_rows[0].values["code"] == "B-1"
    with pytest.raises(ImportRefused, match="表头缺少必填列：编码") as caught:
        imports.parse(Shelf(), xlsx([["党章"]], head=["书名"]), actor=county_admin)
    assert caught.value.missing == ["编码"]


def test_progress_reports_rows_done_of_total(county_admin, monkeypatch):
    from gigbranch.core.imports import engine

    monkeypatch.setattr(engine, "PROGRESS_EVERY", 2)
    rows = [[f"B-{n}", f"书{n}", 1, None, None] for n in range(5)]
    spec = Shelf()
    seen: list[tuple[int, int]] = []
    result = imports.parse(spec, xlsx(rows), actor=county_admin)
    imports.apply(spec, result, actor=county_admin, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 5), (4, 5), (5, 5)]


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", "0" * (20 * 1024 * 1024))
    return out.getvalue()


def _entity_bomb() -> bytes:
    src = xlsx(GOOD)
    out = io.BytesIO()
    entities = '<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                if text.startswith("<?xml"):
                    head, text = text.split("?>", 1)
                    entities = head + "?>" + entities
                body = (entities + text).encode()
            zout.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,title\n", "不是有效的Excel"),
        (_zip_bomb(), "压缩炸弹"),
        (_entity_bomb(), "不安全的XML内容"),
        (b"", "不是有效的Excel"),
    ],
    ids=["not-xlsx", "zip-bomb", "entity-bomb", "empty"],
)
def test_bad_files_are_refused_whole_and_nothing_is_written(county_admin, data, message):
    spec = Shelf()
    with pytest.raises(ImportRefused, match=message):
        imports.parse(spec, data, actor=county_admin)
    assert spec.books == {}


def test_file_over_the_size_limit_and_too_many_rows(county_admin, settings, monkeypatch):
    spec = Shelf()
    monkeypatch.setattr(Shelf, "max_rows", 3)
    with pytest.raises(ImportRefused, match="文件超过3行，请分批导入"):
        imports.parse(spec, xlsx([GOOD[0]] * 5), actor=county_admin)
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ImportRefused, match="超过上限"):
        imports.parse(spec, xlsx(GOOD), actor=county_admin)


def test_template_and_error_report():
    wb = load_workbook(io.BytesIO(imports.template_bytes("图书导入模板", Shelf.columns)))
    assert [c.value for c in wb.active[1]] == ["编码*", "书名*", "册数", "出版日期", "在架"]
    assert [c.value for c in wb.active[2]][:2] == ["B-1", "党章"]
    report = imports.error_report([RowError(3, "书名", "必填项为空")], note="仅列出前1条")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(report)).active.iter_rows()]
    assert rows == [
        ["行号", "列", "原因", "内容（已脱敏）"],
        [3, "书名", "必填项为空", None],
        [None, None, "仅列出前1条", None],
    ]


def test_guess_and_check_mapping():
    cols = Shelf.columns
    assert imports.guess_mapping(["书号", "书名", "备注"], cols) == {
        "书号": "code",
        "书名": "title",
    }
    assert imports.guess_mapping(["甲", "书名"], cols, {"甲": "code"}) == {
        "甲": "code",
        "书名": "title",
    }
    with pytest.raises(ValidationError) as caught:
        imports.check_mapping({"书名": "title"}, cols)
    assert caught.value.message_dict == {"required": ["必须指定以下字段对应的列：编码"]}


def test_batches_in_file_order_with_unchanged_and_errors():
    seen: set[str] = set()

    def check(rownum: int, raw: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return rownum, raw

    def settle(item: tuple[int, dict[str, Any]]) -> tuple[int | None, Any, list[RowError]]:
        rownum, raw = item
        if raw["code"] in seen:
            return None, None, [RowError(rownum, "编码", "重复")]
        seen.add(raw["code"])
        return (rownum if raw.get("same") else None), raw, []

    rows = [(n + 2, {"code": c, "same": c == "b"}) for n, c in enumerate("abac")]
    got = list(validated_batches(check, settle, rows, 3))
    assert [(b.size, [v["code"] for v in b.valid], b.same) for b in got] == [
        (3, ["a"], [3]),
        (1, ["c"], []),
    ]
    assert got[0].errors == [RowError(4, "编码", "重复")]
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert Batch(0).valid == []
