"""The roster's columns (with the headers platforms use for them), the mapping of a
file's headers onto them, and reading the file — through the import framework
(`core/imports`: columns and aliases, the upload gate, the fast reader)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError

from gigbranch.core import imports as framework
from gigbranch.core.imports import Column, ImportRefused

from ..models import Occupation, PoliticalStatus

COLUMNS = [
    Column("姓名", "name", True, aliases=("骑手姓名", "员工姓名", "司机姓名", "名字")),
    Column(
        "公民身份号码",
        "id_number",
        True,
        aliases=("身份证号", "身份证号码", "证件号码", "身份证"),
    ),
    Column("手机号码", "mobile", aliases=("手机号", "联系电话", "手机", "电话")),
    Column(
        "平台工号",
        "platform_worker_id",
        aliases=("工号", "骑手id", "骑手编号", "司机id", "员工编号", "账号id"),
    ),
    Column(
        "所属站点",
        "workplace",
        True,
        aliases=("站点", "站点名称", "网点", "所属网点", "配送站", "所属企业", "企业/站点"),
    ),
    Column("职业", "occupation", aliases=("岗位", "工种")),
    Column("从业开始日期", "started_on", aliases=("入职日期", "注册日期", "入职时间")),
    Column("政治面貌", "political_status"),
    Column("籍贯", "hometown", aliases=("户籍地",)),
    Column("工会会员", "union_member", aliases=("是否工会会员", "已入会")),
]
# field → (label, required)
FIELDS: dict[str, tuple[str, bool]] = {c.key: (c.header, c.required) for c in COLUMNS}
SYNONYMS: dict[str, tuple[str, ...]] = {c.key: (c.header, *c.aliases) for c in COLUMNS}
OCCUPATION_LABELS = (
    {label: value for value, label in Occupation.choices}
    | {
        "骑手": Occupation.DELIVERY_RIDER,
        "配送员": Occupation.DELIVERY_RIDER,
        "快递小哥": Occupation.COURIER,
        "网约车": Occupation.RIDE_HAILING_DRIVER,
        "司机": Occupation.RIDE_HAILING_DRIVER,
        "货车": Occupation.TRUCK_DRIVER,
        "主播": Occupation.ONLINE_HOST,
    }
    | {value: value for value in Occupation.values}
)
POLITICAL_LABELS = (
    {label: value for value, label in PoliticalStatus.choices}
    | {
        "党员": PoliticalStatus.PARTY_MEMBER,
        "预备党员": PoliticalStatus.PROBATIONARY,
        "团员": PoliticalStatus.LEAGUE_MEMBER,
        "无党派": PoliticalStatus.MASSES,
    }
    | {value: value for value in PoliticalStatus.values}
)
YES = {"是", "y", "yes", "1", "true", "√", "已入会"}
NO = {"否", "n", "no", "0", "false", "", "未入会"}
YES_OR_NO = frozenset(YES | NO)
_OTHER, _MASSES = Occupation.OTHER, PoliticalStatus.MASSES  # defaults for blank cells


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """header → field. The platform's remembered mapping first, then headers and aliases."""
    return framework.guess_mapping(headers, COLUMNS, remembered)


def check_mapping(mapping: dict[str, str]) -> None:
    framework.check_mapping(mapping, COLUMNS)


class RosterFileError(ValidationError):
    pass


def open_sheet(data: bytes) -> Any:
    """The fast reader behind the framework's upload gate."""
    try:
        return framework.files.open_fast(data, unreadable=UNREADABLE)
    except ImportRefused as exc:
        raise RosterFileError(str(exc)) from None


UNREADABLE = "无法读取Excel文件，请确认为.xlsx格式且未加密。"


def _sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows; a file that turns out unreadable half-way is a RosterFileError
    (a Chinese message for the user), never an internal error."""
    from gigbranch.core.workbook import READ_ERRORS

    try:
        yield from sheet.rows()
    except READ_ERRORS:
        raise RosterFileError(UNREADABLE) from None


def read_headers(data: bytes) -> tuple[list[str], int]:
    """Header row and number of data rows."""
    sheet = open_sheet(data)
    first = next(_sheet_rows(sheet), None)
    if not first:
        raise RosterFileError("Excel文件为空。")
    headers = [_text(h) for h in first]
    return headers, max(sheet.row_count() - 1, 0)


def iter_mapped_rows(data: bytes, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row number, {field: raw value}) for each non-empty data row."""
    rows = _sheet_rows(open_sheet(data))
    first = next(rows, None) or ()
    headers = [_text(h) for h in first]
    index = [(i, mapping[h]) for i, h in enumerate(headers) if mapping.get(h)]
    width = max((i for i, _ in index), default=-1) + 1
    for rownum, row in enumerate(rows, start=2):
        # () or only None / "" (a 0 or False cell is a value; any() rules most rows out)
        if not any(row) and (not row or all(v is None or v == "" for v in row)):
            continue
        if len(row) < width:
            row = (*row, *(None,) * (width - len(row)))
        yield rownum, {f: row[i] for i, f in index}


EXCEL_EPOCH = dt.date(1899, 12, 30)


def _text(v: Any) -> str:
    if type(v) is str:  # the common case first: called ~20 times per roster row
        return v.strip()
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _date(v: Any) -> dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool) and 1 < v < 2958466:
        return EXCEL_EPOCH + dt.timedelta(days=int(v))  # Excel serial date
    s = _text(v)
    if len(s) == 10 and s[4] == "-":
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(s)
