"""A lean streaming reader for the first sheet of an .xlsx roster.

openpyxl's read-only mode spends most of its time in per-cell Python code (styles, types),
which caps a 100,000-row roster at a few thousand rows/s. Rosters need only values, so
this reader walks the sheet XML once with the C ElementTree parser through defusedxml
(no DTDs, no entity expansion: XML bombs are refused) and yields rows of plain values.
Formula cells come back as "=…" strings so that the import can refuse them. Numbers come
back as int/float; dates are left as Excel serial numbers (roster.py converts the date
columns). Zip bombs are refused by checking the declared uncompressed sizes first.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from defusedxml.ElementTree import fromstring, iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_UNCOMPRESSED = 800 * 1024 * 1024
_COL = re.compile(r"([A-Z]+)")


class XlsxError(ValueError):
    pass


def _col_index(ref: str) -> int:
    m = _COL.match(ref)
    if not m:
        return -1
    n = 0
    for ch in m.group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


class Sheet:
    def __init__(self, data: bytes) -> None:
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise XlsxError("not a zip file") from None
        total = sum(i.file_size for i in self.zf.infolist())
        if total > MAX_UNCOMPRESSED:
            raise XlsxError("uncompressed size too large")
        self.sheet_path = self._first_sheet_path()
        self.shared = self._shared_strings()

    def _first_sheet_path(self) -> str:
        try:
            wb = fromstring(self.zf.read("xl/workbook.xml"))
            rels = fromstring(self.zf.read("xl/_rels/workbook.xml.rels"))
        except KeyError:
            raise XlsxError("workbook part missing") from None
        sheet = wb.find(f"{NS}sheets/{NS}sheet")
        if sheet is None:
            raise XlsxError("no sheet")
        rid = sheet.get(f"{REL_NS}id")
        for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
            if rel.get("Id") == rid:
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join("xl", target))
                return path
        raise XlsxError("sheet relationship missing")

    def _shared_strings(self) -> list[str]:
        try:
            raw = self.zf.read("xl/sharedStrings.xml")
        except KeyError:
            return []
        out = []
        for _, el in iterparse(io.BytesIO(raw), events=("end",)):
            if el.tag == f"{NS}si":
                out.append("".join(t.text or "" for t in el.iter(f"{NS}t")
                                   if not _in_phonetic(el, t)))
                el.clear()
        return out

    def row_count(self) -> int:
        """Rows in the sheet (a byte count of <row> elements; no XML parse)."""
        raw = self.zf.read(self.sheet_path)
        return raw.count(b"<row ") + raw.count(b"<row>")

    def rows(self) -> Iterator[tuple[Any, ...]]:
        shared = self.shared
        c_tag, v_tag, f_tag, is_tag, t_tag, row_tag = (
            f"{NS}c", f"{NS}v", f"{NS}f", f"{NS}is", f"{NS}t", f"{NS}row")
        with self.zf.open(self.sheet_path) as fh:
            values: dict[int, Any] = {}
            expected_row = 1
            for _, el in iterparse(fh, events=("end",)):
                tag = el.tag
                if tag == c_tag:
                    idx = _col_index(el.get("r", "")) if el.get("r") else len(values)
                    f = el.find(f_tag)
                    if f is not None:
                        values[idx] = "=" + (f.text or "")
                    else:
                        kind = el.get("t", "n")
                        if kind == "inlineStr":
                            node = el.find(is_tag)
                            values[idx] = "".join(t.text or "" for t in node.iter(t_tag)) if node is not None else ""
                        else:
                            v = el.find(v_tag)
                            text = v.text if v is not None else None
                            if text is None:
                                values[idx] = None
                            elif kind == "s":
                                values[idx] = shared[int(text)]
                            elif kind in ("str", "e"):
                                values[idx] = text
                            elif kind == "b":
                                values[idx] = text == "1"
                            else:
                                values[idx] = _number(text)
                    el.clear()
                elif tag == row_tag:
                    r = int(el.get("r") or expected_row)
                    while expected_row < r:  # skipped empty rows
                        yield ()
                        expected_row += 1
                    width = max(values) + 1 if values else 0
                    yield tuple(values.get(i) for i in range(width))
                    expected_row += 1
                    values = {}
                    el.clear()


def _in_phonetic(si: Any, t: Any) -> bool:
    for rph in si.iter(f"{NS}rPh"):
        if any(x is t for x in rph.iter()):
            return True
    return False


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
