"""A workbook whose sheet entry claims a few kilobytes but inflates to hundreds of MB.

The directory records (local and central) declare the size and CRC of the honest small
sheet, which are also the size and CRC of the first bytes of the bomb's deflate stream:
Python's zipfile stops at the declared size and finds the CRC right, so only a reader
that inflates the whole stream (calamine) sees the rest.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def disguised_bomb(inflated_mb: int = 400) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "手机号码"])
    ws.append(["骑手", "11010519491231002X", "13900000000"])
    raw = io.BytesIO()
    wb.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    sheet = src.read(SHEET)
    head, tail = sheet.split(b"</sheetData>")
    row = b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + b"A" * 4000 + b"</t></is></c></row>"
    chunk = row * 256
    deflater = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [deflater.compress(head)]
    for _ in range(inflated_mb * 1024 * 1024 // len(chunk)):
        parts.append(deflater.compress(chunk))
    parts += [deflater.compress(b"</sheetData>" + tail), deflater.flush()]
    stream = b"".join(parts)
    prefix = zlib.decompressobj(-zlib.MAX_WBITS).decompress(stream, len(sheet))

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != SHEET:
                dst.writestr(info.filename, src.read(info.filename))
    data = out.getvalue()
    directory = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    name = SHEET.encode()
    crc = zlib.crc32(prefix)
    offset = directory
    local = (
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            0,
            8,
            0,
            0,
            crc,
            len(stream),
            len(prefix),
            len(name),
            0,
        )
        + name
        + stream
    )
    central = data[directory:end] + (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(stream),
            len(prefix),
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + name
    )
    count = struct.unpack("<H", data[end + 10 : end + 12])[0] + 1
    eocd = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), offset + len(local), 0
    )
    return data[:directory] + local + central + eocd
