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
