"""Build roster workbooks for tests and benchmarks."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook

HEADERS = ["骑手姓名", "身份证号", "手机", "骑手ID", "所属站点", "岗位", "入职日期", "政治面貌"]


def xlsx(rows: Iterable[list], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
