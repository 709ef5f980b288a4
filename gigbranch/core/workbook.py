"""One gate for every uploaded Excel workbook (.xlsx is a zip archive), before any reader
touches it: size, a real zip, a plausible uncompressed size (zip bombs), and every entry
readable — a bad CRC, an unknown compression method or a corrupt deflate stream is a
Chinese file error here instead of an exception half-way through the rows.

The readers (roster, organisation and station imports) call `check_upload` first and
catch READ_ERRORS around their own parsing.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from django.conf import settings

MAX_UNCOMPRESSED = 800 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; real workbooks stay far below

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
            damaged = archive.testzip()  # reads every entry, checks each CRC
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
