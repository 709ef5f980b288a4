"""One gate for every uploaded Excel workbook (.xlsx is a zip archive), before any reader
touches it: size, a real zip, a plausible uncompressed size (zip bombs), and every entry
readable — a bad CRC, an unknown compression method or a corrupt deflate stream is a
Chinese file error here instead of an exception half-way through the rows.

Every entry is inflated here, in bounded chunks, and must end exactly at the size its
directory record declares (ADR 0046 §upload bound). Python's zipfile stops reading at the
declared size, but the compiled reader (calamine) inflates the whole stream: an entry
that claims a few kilobytes and inflates to gigabytes would otherwise pass the declared-
size check and be expanded in full by the reader (measured: 800 MB resident for a
0.6 MB upload).

The readers (roster, organisation and station imports) call `check_upload` first and
catch READ_ERRORS around their own parsing.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from django.conf import settings

MAX_UNCOMPRESSED = 800 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; real workbooks stay far below
_CHUNK = 64 * 1024  # compressed bytes read at a time
_MAX_OUT = 1024 * 1024  # inflated bytes produced at a time (the gate's own memory bound)
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., name length, extra length

#: What a damaged archive raises while an entry is read (zipfile, zlib, openpyxl, XML).
READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,  # an unknown compression method
    EOFError,
    KeyError,
    ValueError,
    SyntaxError,  # xml.etree ParseError
    OSError,
)


class WorkbookRefused(ValueError):
    """The file is refused; `str(exc)` is the message for the user (Chinese)."""


def check_upload(data: bytes, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise WorkbookRefused(
            f"文件大小为{len(data) / 1024 / 1024:.1f}MB，超过上限{limit / 1024 / 1024:.0f}MB，已拒绝。"
        )
    if not data.startswith(b"PK"):
        raise WorkbookRefused("文件不是有效的Excel（.xlsx）文件，请使用下载的模板。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            total = sum(entry.file_size for entry in entries)
            if total > max_uncompressed or total > MAX_RATIO * max(len(data), 1):
                raise WorkbookRefused("文件解压后体积异常（疑似压缩炸弹），已拒绝。")
            for entry in entries:
                if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise WorkbookRefused(
                        f"文件已损坏：其中“{entry.filename[:60]}”使用了Excel不会使用的压缩方式。"
                    )
            damaged = next((e.filename for e in entries if not _entry_is_sound(data, e)), None)
    except WorkbookRefused:
        raise
    except READ_ERRORS:
        raise WorkbookRefused(
            "文件已损坏，无法解压读取，请重新从Excel另存为.xlsx后上传。"
        ) from None
    if damaged is not None:
        raise WorkbookRefused(
            f"文件已损坏：其中“{damaged[:60]}”校验失败，请重新从Excel另存为.xlsx后上传。"
        )


def _entry_is_sound(data: bytes, entry: zipfile.ZipInfo) -> bool:
    """Inflate `entry` in bounded chunks: True when it yields exactly its declared size
    with its declared CRC. Inflating stops one byte past the declared size, so a stream
    that would inflate further is never expanded (a refusal, "校验失败")."""
    if entry.flag_bits & 0x1:  # encrypted
        return False
    try:
        signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, entry.header_offset)
    except struct.error:  # the directory points past the end of the file
        return False
    if signature != b"PK\x03\x04":
        return False
    start = entry.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start : start + entry.compress_size]
    if len(raw) != entry.compress_size:
        return False
    crc = 0
    size = 0
    if entry.compress_type == zipfile.ZIP_STORED:
        crc = zlib.crc32(raw)
        size = len(raw)
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        for at in range(0, len(raw), _CHUNK):
            pending = bytes(raw[at : at + _CHUNK])
            while pending:
                out = inflater.decompress(pending, _MAX_OUT)
                size += len(out)
                if size > entry.file_size:
                    return False  # inflates past its declared size: a disguised bomb
                crc = zlib.crc32(out, crc)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        if not inflater.eof:
            return False
    return size == entry.file_size and crc == entry.CRC
