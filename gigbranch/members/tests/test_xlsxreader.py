"""The lean xlsx reader: shared strings, inline strings, numbers, dates, gaps, formulas,
refused DTDs and non-xlsx input."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from gigbranch.members import roster
from gigbranch.members.xlsxreader import Sheet, XlsxError


def book(rows, write_only=False) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("s") if write_only else wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("write_only", [True, False])
def test_values_roundtrip(write_only):
    data = book(
        [
            ["姓名", "手机", "日期", "空", "公式"],
            ["张三 & <李四>", 13800001111, dt.date(2024, 3, 1), None, "=SUM(1,2)"],
            [],
            ["王五", "13800002222", "2024-05-06", None, None],
        ],
        write_only,
    )
    rows = list(Sheet(data).rows())
    assert rows[0] == ("姓名", "手机", "日期", "空", "公式")
    assert rows[1][0] == "张三 & <李四>" and rows[1][1] == 13800001111
    assert roster._date(rows[1][2]) == dt.date(2024, 3, 1)
    assert rows[1][4] == "=SUM(1,2)"
    assert rows[-1][:3] == ("王五", "13800002222", "2024-05-06")
    assert Sheet(data).row_count() in (3, 4)


def test_dtd_refused():
    data = book([["a"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                content = content.replace(
                    b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1
                )
            z.writestr(item, content)
    with pytest.raises(XlsxError):
        list(Sheet(out.getvalue()).rows())


def test_not_a_workbook():
    with pytest.raises(XlsxError):
        Sheet(b"PK\x03\x04garbage")
    with pytest.raises(roster.RosterFileError):
        roster.read_headers(b"%PDF-1.4")


def _scanned(data: bytes) -> list[tuple]:
    sheet = Sheet(data)
    return list(sheet._rows_scanned(sheet.zf.read(sheet.sheet_path)))


@pytest.mark.parametrize("write_only", [True, False])
def test_compiled_and_scanned_readers_agree(write_only):
    """A formula-free sheet goes to the compiled reader; it must yield what the scanner
    yields (row numbers, column positions, None for empty cells, unescaped text)."""
    rows = [
        ["骑手姓名", "身份证号", "手机", "站点"],
        ["张三 & <李四>", "11010119900307123X", 13800001111, "城关站"],
        [],
        [None, None, None, None],
        ["王五", "110101199003071234", "13800002222", None],
    ]
    data = book(rows, write_only)
    compiled = list(Sheet(data).rows())
    assert compiled[0] == ("骑手姓名", "身份证号", "手机", "站点")

    def filled(rows):  # non-empty rows, trailing empty cells dropped
        out = []
        for r in rows:
            r = list(r)
            while r and r[-1] is None:
                r.pop()
            if r:
                out.append(tuple(r))
        return out

    assert filled(compiled) == filled(_scanned(data))
    # Excel row numbers survive blank rows (error reports cite them).
    numbered = {i: r for i, r in enumerate(compiled, start=1) if any(v is not None for v in r)}
    assert numbered[5][0] == "王五" and numbered[2][2] == 13800001111


def test_compiled_reader_keeps_row_and_column_positions():
    wb = Workbook()
    ws = wb.active
    ws["C3"] = "姓名"
    ws["D3"] = "入职日期"
    ws["C5"] = "赵六"
    ws["D5"] = dt.date(2024, 1, 2)
    buf = io.BytesIO()
    wb.save(buf)
    rows = list(Sheet(buf.getvalue()).rows())
    assert rows[2][2:4] == ("姓名", "入职日期")
    assert rows[2][:2] == (None, None)
    assert rows[4][2] == "赵六" and roster._date(rows[4][3]) == dt.date(2024, 1, 2)


def test_formula_anywhere_uses_the_scanner_and_is_reported():
    data = book([["姓名", "手机"], ["张三", "=1+1"]])
    rows = list(Sheet(data).rows())
    assert rows[1] == ("张三", "=1+1")


def test_a_date_cell_has_the_same_fingerprint_through_either_reader():
    """Fingerprints stored by an import through one reader must match a re-import of the
    same file through the other (calamine gives dates, the scanner serial numbers)."""
    data = book([["骑手姓名", "入职日期"], ["张三", dt.date(2024, 3, 1)]])
    compiled = list(Sheet(data).rows())[1]
    scanned = _scanned(data)[1]
    assert compiled[1] != scanned[1]  # a date and a serial number
    as_raw = lambda row: {"name": row[0], "started_on": row[1]}  # noqa: E731
    assert roster.raw_fingerprint(1, as_raw(compiled)) == roster.raw_fingerprint(1, as_raw(scanned))


def test_dtd_in_shared_strings_is_refused_when_the_file_is_opened():
    data = book([["姓名"], ["张三"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, src.read(item.filename))
        z.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aa">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<si><t>&a;</t></si></sst>",
        )
    with pytest.raises(XlsxError):
        Sheet(out.getvalue())
    with pytest.raises(roster.RosterFileError):
        roster.read_headers(out.getvalue())


def test_a_sheet_unreadable_half_way_is_a_file_error_not_a_crash(monkeypatch):
    data = book([["姓名"], ["张三"]])

    def broken(self):
        yield ("姓名",)
        raise XlsxError("truncated")

    monkeypatch.setattr(Sheet, "rows", broken)
    with pytest.raises(roster.RosterFileError):
        list(roster.iter_mapped_rows(data, {"姓名": "name"}))
