"""A lean streaming reader for the first sheet of an .xlsx roster.

openpyxl's read-only mode spends most of its time in per-cell Python code (styles, types),
which caps a 100,000-row roster at a few thousand rows/s. Rosters need only values, so
this reader yields rows of plain values: through calamine (Rust) when the sheet has no
formulas, else by scanning the sheet XML with compiled patterns. The workbook part and the
relationships are parsed with defusedxml; a sheet or shared-string part with a DTD is
refused when the file is opened, before either reader sees it (no entity expansion: XML
bombs are refused).
Formula cells come back as "=…" strings so that the import can refuse them. Numbers come
back as int/float; dates as date/datetime (calamine) or Excel serial numbers (scanner);
roster.py converts either. Zip bombs are refused by checking the declared uncompressed
sizes first.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from defusedxml.ElementTree import fromstring, iterparse
from python_calamine import CalamineError, CalamineWorkbook

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
        self.data = data
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise XlsxError("not a zip file") from None
        total = sum(i.file_size for i in self.zf.infolist())
        if total > MAX_UNCOMPRESSED:
            raise XlsxError("uncompressed size too large")
        self.sheet_path = self._first_sheet_path()
        # Refuse DTDs in every part either reader parses, before any parsing (entity
        # bombs, XXE), so that a refusal is raised here and not half-way through the rows.
        self._sheet_xml: bytes | None = None
        for part in (self.sheet_path, "xl/sharedStrings.xml"):
            try:
                raw = self.zf.read(part)
            except KeyError:
                continue
            if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
                raise XlsxError("DTD not allowed")
            if part == self.sheet_path:
                self._sheet_xml = raw  # read once: rows() needs it next

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
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                return path
        raise XlsxError("sheet relationship missing")

    @functools.cached_property
    def shared(self) -> list[str]:
        """The shared-string table (read only by the scanner)."""
        try:
            raw = self.zf.read("xl/sharedStrings.xml")
        except KeyError:
            return []
        out = []
        for _, el in iterparse(io.BytesIO(raw), events=("end",)):
            if el.tag == f"{NS}si":
                out.append(
                    "".join(t.text or "" for t in el.iter(f"{NS}t") if not _in_phonetic(el, t))
                )
                el.clear()
        return out

    def row_count(self) -> int:
        """Rows in the sheet (a byte count of <row> elements; no XML parse)."""
        raw = self.zf.read(self.sheet_path)
        return raw.count(b"<row ") + raw.count(b"<row>")

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Rows of values (empty cells are None), the first tuple being Excel row 1.

        A DTD is refused before anything is parsed. A sheet without formulas is read by
        calamine (a compiled reader, about five times faster on a 100,000-row roster); a
        sheet with formulas by the pattern scanner below, which reports formula cells as
        "=…" so that the import can refuse them (calamine would return their cached values).
        """
        raw, self._sheet_xml = self._sheet_xml or self.zf.read(self.sheet_path), None
        if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise XlsxError("DTD not allowed")
        # A formula element is "<f" or "<prefix:f": plain byte searches rule it out on
        # a formula-free sheet several times faster than the pattern.
        if (b"<f" not in raw and b":f" not in raw) or _F.search(raw) is None:
            del raw
            yield from self._rows_compiled()
        else:
            yield from self._rows_scanned(raw)

    def _rows_compiled(self) -> Iterator[tuple[Any, ...]]:
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            sheet = book.get_sheet_by_index(0)
        except (CalamineError, ValueError, OSError) as exc:
            raise XlsxError(f"unreadable workbook: {exc.__class__.__name__}") from None
        # Rows start at Excel row 1; columns start at the used range's first column.
        start = sheet.start
        pad = (None,) * start[1] if start is not None and sheet.height else ()
        for row in sheet.iter_rows():
            yield pad + tuple([None if v == "" else v for v in row])

    def _rows_scanned(self, raw: bytes) -> Iterator[tuple[Any, ...]]:
        """The sheet XML scanned with compiled patterns over the bytes (sheetData has a
        fixed, simple grammar: row > c > v | f | is/t), an order of magnitude faster than
        building elements."""
        shared = self.shared
        cols: dict[bytes, int] = {}
        expected_row = 1
        for m in _ROW.finditer(raw):
            attrs, body = m.group(1), m.group(2) or b""
            rm = _ATTR_R.search(attrs)
            r = int(rm.group(1)) if rm else expected_row
            while expected_row < r:
                yield ()
                expected_row += 1
            expected_row += 1
            values: dict[int, Any] = {}
            for c in _CELL.finditer(body):
                letters, cattrs, inner = c.group(1), c.group(2), c.group(3) or b""
                idx = cols.get(letters)
                if idx is None:
                    idx = cols[letters] = _col_index(letters.decode()) if letters else len(values)
                if b"<" not in inner:
                    values[idx] = None
                    continue
                if b"f" in inner and _F.search(inner):
                    fm = _F_TEXT.search(inner)
                    values[idx] = "=" + (_unescape(fm.group(1)) if fm else "")
                    continue
                tm = _ATTR_T.search(cattrs) if b"t=" in cattrs else None
                kind = tm.group(1) if tm else b"n"
                if kind == b"inlineStr":
                    values[idx] = "".join(_unescape(t) for t in _T.findall(inner))
                    continue
                vm = _V.search(inner)
                if vm is None:
                    values[idx] = None
                    continue
                text = vm.group(1)
                if kind == b"s":
                    values[idx] = shared[int(text)]
                elif kind in (b"str", b"e"):
                    values[idx] = _unescape(text)
                elif kind == b"b":
                    values[idx] = text == b"1"
                else:
                    values[idx] = _number(text.decode())
            width = max(values) + 1 if values else 0
            yield tuple(values.get(i) for i in range(width))


_P = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW = re.compile(rb"<" + _P + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"row>)", re.S)
_CELL = re.compile(
    rb"<" + _P + rb'c\b(?:\s+r="([A-Z]*)\d*")?([^>]*?)(?:/>|>(.*?)</' + _P + rb"c>)", re.S
)
_ATTR_R = re.compile(rb'\br="(\d+)"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_V = re.compile(rb"<" + _P + rb"v>(.*?)</" + _P + rb"v>", re.S)
_F = re.compile(rb"<" + _P + rb"f\b")
_F_TEXT = re.compile(rb"<" + _P + rb"f\b[^>]*>(.*?)</" + _P + rb"f>", re.S)
_T = re.compile(rb"<" + _P + rb"t(?:\s[^>]*)?>(.*?)</" + _P + rb"t>", re.S)


_REF = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_REF_CHARS: dict[str, str] = {}
_TEXTS: dict[bytes, str] = {}


def _ref(m: re.Match[str]) -> str:
    key = m.group(1)
    char = _REF_CHARS.get(key)
    if char is None:
        if key[0] == "#":
            code = int(key[2:], 16) if key[1] in "xX" else int(key[1:])
            char = chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        else:
            char = _NAMED[key]
        _REF_CHARS[key] = char
    return char


def _unescape(b: bytes) -> str:
    """XML text → str: the five predefined entities and character references (writers
    such as openpyxl store every non-ASCII character as one). Decoded texts are cached:
    station, occupation and status values repeat on every row of a roster."""
    text = _TEXTS.get(b)
    if text is None:
        text = b.decode("utf-8")
        if "&" in text:
            text = _REF.sub(_ref, text)
        if len(_TEXTS) > 50_000:
            _TEXTS.clear()
        _TEXTS[b] = text
    return text


def _in_phonetic(si: Any, t: Any) -> bool:
    return any(any(x is t for x in rph.iter()) for rph in si.iter(f"{NS}rPh"))


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
