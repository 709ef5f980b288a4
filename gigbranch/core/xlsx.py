"""One way to write an Excel file (台账 exports, import templates, error reports).

Every cell value goes through `safe_cell`: text a spreadsheet would run as a formula
(starting with =, +, -, @, or a tab/carriage return before one) is written as plain text
with a leading apostrophe, so a name typed as ``=HYPERLINK(...)`` in a roster or an appeal
never becomes a live formula in a ledger someone opens (CSV/formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "0.00"


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


def xlsx_bytes(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    heading: str = "",
) -> bytes:
    """A one-sheet workbook: an optional heading line, a bold header row, the rows.

    Written in write-only mode (constant memory for county-scale ledgers). Decimal values
    (money) are shown to the fen.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(header) * 2 + 4)
    if heading:
        ws.append([safe_cell(heading)])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=safe_cell(header))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        out: list[Any] = []
        for value in row:
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = MONEY_FORMAT
                out.append(cell)
            else:
                out.append(safe_cell(value))
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
