"""Reading an uploaded workbook, writing the template and the error report.

Every file passes `core/workbook.py`'s gate first (size, a real zip, zip bombs, damaged
entries). `read_rows` then reads the first sheet with openpyxl in read-only mode, whose
XML goes through defusedxml (an entity declaration — XML bomb, XXE — refuses the file);
formula cells come back as `Formula` so that the row is refused, never evaluated.
`open_fast` is the roster's reader for very large files (`xlsxreader.py`, ADR 0011/0052)
behind the same gate.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from gigbranch.core.workbook import READ_ERRORS, WorkbookRefused, check_upload
from gigbranch.core.xlsx import xlsx_bytes

from .columns import Column
from .rows import RowError

MAX_ROWS = 20_000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
UNSAFE_XML = "文件包含不安全的XML内容（实体声明），已拒绝。"
UNREADABLE = "无法读取该Excel文件，请使用下载的模板重新填写。"


class ImportRefused(Exception):
    """The whole file is refused (size, format, XML or zip bomb, missing columns);
    nothing was written. `str(exc)` is the message for the user (Chinese); `missing`
    lists the required headers absent from the file, when that is the reason."""

    def __init__(self, message: str, *, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)


class Formula(str):
    """A formula cell's text: a row holding one is refused."""


def gate(data: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    try:
        check_upload(data, max_uncompressed=max_uncompressed)
    except WorkbookRefused as exc:
        raise ImportRefused(str(exc)) from None


def read_rows(
    data: bytes, *, max_rows: int = MAX_ROWS, max_uncompressed: int = MAX_UNCOMPRESSED
) -> list[tuple[int, list[Any]]]:
    """(sheet row number, values) of the first sheet, header row included."""
    gate(data, max_uncompressed=max_uncompressed)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # defusedxml raises on entity declarations (XML bombs)
        raise ImportRefused(UNSAFE_XML if _unsafe_xml(exc) else UNREADABLE) from None
    rows: list[tuple[int, list[Any]]] = []
    try:
        ws = wb.worksheets[0]
        for index, row in enumerate(ws.iter_rows(), start=1):
            rows.append(
                (
                    index,
                    [
                        Formula(str(cell.value))
                        if getattr(cell, "data_type", None) == "f"
                        else cell.value
                        for cell in row
                    ],
                )
            )
            if index > max_rows + 1:
                raise ImportRefused(f"文件超过{max_rows}行，请分批导入。")
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(UNSAFE_XML if _unsafe_xml(exc) else UNREADABLE) from None
    finally:
        wb.close()
    return rows


def _unsafe_xml(exc: BaseException | None) -> bool:
    """True when defusedxml refused the XML anywhere in the exception chain."""
    from defusedxml import DefusedXmlException

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def open_fast(data: bytes, *, unreadable: str = UNREADABLE) -> Any:
    """The fast streaming reader (`xlsxreader.Sheet`) behind the same gate."""
    from .xlsxreader import Sheet

    gate(data, max_uncompressed=800 * 1024 * 1024)
    try:
        return Sheet(data)
    except READ_ERRORS:
        raise ImportRefused(unreadable) from None


def template_bytes(title: str, columns: Sequence[Column], *, mark_required: bool = True) -> bytes:
    """The template to download: the headers (required ones marked *) and an example row."""
    headers = [c.header + ("*" if c.required and mark_required else "") for c in columns]
    return xlsx_bytes(title, headers, [[c.example for c in columns]])


def error_report(errors: Iterable[RowError], *, note: str = "") -> bytes:
    """The errors as a workbook: row, column, reason, value (masked where personal)."""
    rows: list[list[Any]] = [[e.row, e.column, e.reason, e.value] for e in errors]
    if note:
        rows.append(["", "", note, ""])
    return xlsx_bytes("错误明细", ["行号", "列", "原因", "内容（已脱敏）"], rows)
