"""A hard byte cap on every uploaded file, counted while the request body streams in.

Django's own limits do not bound a file part: `DATA_UPLOAD_MAX_MEMORY_SIZE` counts only
the non-file fields and `FILE_UPLOAD_MAX_MEMORY_SIZE` only chooses between memory and a
temporary file. This handler runs first (settings.FILE_UPLOAD_HANDLERS) and counts the
bytes actually received for each file, whatever the request or the part declared. Past
`UPLOAD_MAX_BYTES` it stops handing data to the memory and temporary-file handlers, so
nothing more is kept, and the file arrives as an `OversizeUpload`: empty, with `size` one
past the cap, which every upload path already refuses with its Chinese size message
("文件超过…上限") before reading anything (ADR 0046).
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizeUpload(InMemoryUploadedFile):
    """A refused file: no content, a size past the cap."""

    oversize = True


class CappedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.cap = int(settings.UPLOAD_MAX_BYTES)
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.cap:
            return None  # the later handlers keep nothing more of this file
        return raw_data

    def file_complete(self, file_size: int) -> OversizeUpload | None:
        if self.received <= self.cap:
            return None  # the memory or temporary-file handler returns the file
        return OversizeUpload(
            file=io.BytesIO(),
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.cap + 1,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
