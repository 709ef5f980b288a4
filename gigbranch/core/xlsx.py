"""One way to write an Excel file (台账 exports, import templates, error reports).

Every cell goes through `cell_for`:
- text a spreadsheet would run as a formula (starting with =, +, -, @, or a tab/carriage
  return) is written as a text cell marked with Excel's quote prefix, so a name typed as
  ``=HYPERLINK(...)`` in a roster or an appeal is shown as the text it is and never becomes
  a live formula in a ledger someone opens (formula injection); the text itself is kept
  intact, so an exported file imports back unchanged;
- control characters that XML 1.0 cannot carry (a vertical tab pasted into a text field,
  NUL ...) are replaced by a space instead of making the whole export fail;
- Decimal values (money) are shown to the fen.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "0.00"
# C0 controls but tab, line feed and carriage return (openpyxl refuses them), DEL and C1.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")


def clean_text(value: str) -> str:
    """Text with the control characters a workbook cannot hold replaced by a space."""
    return CONTROL_CHARACTERS.sub(" ", value)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def cell_for(ws: Any, value: Any, *, bold: bool = False) -> Any:
    """`value` as it is safe to write (see the module docstring): plain values as they
    are, a styled write-only cell where a style is needed."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, str):
        value = clean_text(value)
    if not (bold or is_formula_like(value) or isinstance(value, Decimal)):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if is_formula_like(value):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    heading: str = "",
) -> bytes:
    """A one-sheet workbook: an optional heading line, a bold header row, the rows.

    Written in write-only mode (constant memory for county-scale ledgers).
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE_FORBIDDEN.sub("_", clean_text(title))[:31] or "Sheet1")
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(header) * 2 + 4)
    if heading:
        ws.append([cell_for(ws, heading)])
    ws.append([cell_for(ws, header, bold=True) for header in headers])
    for row in rows:
        ws.append([cell_for(ws, value) for value in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
