"""Reading one row's cells: each reader returns the value or None and, for a bad value,
adds the column and a Chinese reason to the row (`RowResult.error`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from gigbranch.core.text import has_control_characters

from .columns import Column
from .files import Formula
from .rows import RowResult

FORMULA = "不接受公式，请填写数值或文字"
CONTROL = "含有不可见的控制字符，请删除后重新导入"
REQUIRED = "必填项为空"


def too_long(limit: int, length: int) -> str:
    return f"超过{limit}个字（现为{length}个字），请缩短后重新导入"


def is_formula(raw: Any) -> bool:
    return isinstance(raw, Formula) or (isinstance(raw, str) and raw.startswith("="))


def raw_cells(
    values: Sequence[Any],
    header: dict[str, int],
    columns: Iterable[Column],
    result: RowResult,
    *,
    required_message: str = REQUIRED,
    formula_message: str = FORMULA,
) -> dict[str, Any]:
    """key → the cell's value (text stripped, a leading quote prefix dropped), or None
    when it is empty or refused: formulas, control characters, text over the column's
    limit, an empty required cell."""
    out: dict[str, Any] = {}
    for col in columns:
        idx = header.get(col.key)
        raw = values[idx] if idx is not None and idx < len(values) else None
        out[col.key] = None
        if is_formula(raw):
            result.error(col.header, formula_message)
            continue
        if isinstance(raw, str):
            raw = raw.strip()
            if raw.startswith("'"):
                raw = raw[1:]
            if has_control_characters(raw):
                result.error(col.header, CONTROL)
                continue
            if col.max_length and len(raw) > col.max_length:
                result.error(col.header, too_long(col.max_length, len(raw)))
                continue
        if raw in ("", None):
            if col.required:
                result.error(col.header, required_message)
            continue
        out[col.key] = raw
    return out


class Cells:
    """Typed readers over one row's raw values (`raw_cells`), reporting to its result."""

    def __init__(self, raw: dict[str, Any], result: RowResult, columns: Iterable[Column]):
        self.raw = raw
        self.result = result
        self.headers = {c.key: c.header for c in columns}

    def error(self, key: str, reason: str) -> None:
        self.result.error(self.headers.get(key, key), reason)

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def choice(self, key: str, choices: Iterable[tuple[Any, Any]]) -> str | None:
        """A value or label of `choices`; None when empty or unknown (an error)."""
        value = self.raw.get(key)
        if value is None:
            return None
        text = str(value).strip()
        options = list(choices)
        for val, label in options:
            if text in (val, label):
                return str(val)
        self.error(key, f"“{text}”不是有效选项，可选：{'、'.join(str(lbl) for _, lbl in options)}")
        return None

    def decimal(self, key: str, lo: float, hi: float) -> Decimal | None:
        value = self.raw.get(key)
        if value is None:
            return None
        try:
            d = Decimal(str(value)).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            self.error(key, f"“{value}”不是数字")
            return None
        if not lo <= float(d) <= hi:
            self.error(key, f"{value}超出有效范围（{lo}～{hi}）")
            return None
        return d

    def integer(self, key: str, lo: int = 0, hi: int = 1_000_000) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        try:
            number = int(Decimal(str(value)))
            if Decimal(str(value)) != number:
                raise ValueError
        except (InvalidOperation, ValueError):
            self.error(key, f"“{value}”不是整数")
            return None
        if not lo <= number <= hi:
            self.error(key, f"{number}超出有效范围（{lo}～{hi}）")
            return None
        return number

    def date(self, key: str) -> dt.date | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip().replace("/", "-").replace(".", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.error(key, f"“{value}”不是有效日期，应为如2024-07-01的格式")
            return None

    def yes_no(self, key: str) -> bool:
        """是 → True; 否 or empty → False; anything else is an error."""
        text = self.text(key)
        if text not in ("", "是", "否"):
            self.error(key, "请填“是”或“否”")
        return text == "是"
