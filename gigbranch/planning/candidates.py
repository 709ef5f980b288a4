"""The candidate list from Excel (名称, 地址, 纬度, 经度): one small reader behind one function,
`read_candidates`, so it can move onto the shared import framework unchanged for callers.

Nothing is written: the rows become candidates of the proposal being prepared. Every bad
row is reported with its row number (as Excel numbers it), and the good rows are kept.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

from gigbranch.core.xlsx import xlsx_bytes

from .maxcover import MAX_ABS_LAT

HEADERS = ("名称", "地址", "纬度", "经度")
REQUIRED = ("名称", "纬度", "经度")
MAX_ROWS = 5000


@dataclass
class CandidateList:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _coordinate(value: Any, low: float, high: float) -> float | None:
    try:
        number = float(_text(value))
    except ValueError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def read_candidates(data: bytes) -> CandidateList:
    """Read the first sheet; a file-level refusal is one error with no row number."""
    from openpyxl import load_workbook

    from gigbranch.core.workbook import READ_ERRORS, WorkbookRefused, check_upload

    out = CandidateList()
    try:
        check_upload(data)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            out.errors.append(f"第1行：缺少必填列“{'、'.join(missing)}”，请使用下载的模板。")
            return out
        col = {name: header.index(name) for name in HEADERS if name in header}
        for number, row in enumerate(rows, start=2):
            values = {name: (row[i] if i < len(row) else None) for name, i in col.items()}
            if all(_text(v) == "" for v in values.values()):
                continue
            if len(out.rows) >= MAX_ROWS:
                out.errors.append(f"第{number}行起：候选点超过 {MAX_ROWS} 个，其余未读取。")
                break
            if any(isinstance(v, str) and v.startswith("=") for v in values.values()):
                out.errors.append(f"第{number}行：不接受公式，请粘贴为数值。")
                continue
            name = _text(values.get("名称"))[:60]
            lat = _coordinate(values.get("纬度"), -MAX_ABS_LAT, MAX_ABS_LAT)
            lng = _coordinate(values.get("经度"), -180.0, 180.0)
            problems = []
            if not name:
                problems.append("名称必填")
            if lat is None:
                problems.append(f"纬度“{_text(values.get('纬度'))}”不是 -89 到 89 之间的数字")
            if lng is None:
                problems.append(f"经度“{_text(values.get('经度'))}”不是 -180 到 180 之间的数字")
            if problems:
                out.errors.append(f"第{number}行：{'；'.join(problems)}。")
                continue
            out.rows.append(
                {
                    "key": f"x{number}",
                    "name": name,
                    "address": _text(values.get("地址"))[:200],
                    "lat": round(lat, 6),  # type: ignore[arg-type]
                    "lng": round(lng, 6),  # type: ignore[arg-type]
                    "source": "upload",
                }
            )
    except WorkbookRefused as exc:
        out.errors.append(str(exc))
    except READ_ERRORS:
        out.errors.append("无法读取文件，请上传 .xlsx 格式的 Excel 文件。")
    return out


def template() -> bytes:
    return xlsx_bytes(
        "候选点",
        HEADERS,
        [("示例：物流园东门（坐标为 WGS-84 经纬度，小数度）", "某某路 1 号", 30.2741, 120.1551)],
    )
