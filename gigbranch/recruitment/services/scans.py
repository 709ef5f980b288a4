"""Scans attached to a case: type sniffed from the first bytes, stored under a random name."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from gigbranch.core import audit

from .. import policy
from ..models import (
    Attachment,
    Case,
)
from .facts import CHANGE, _require, _user

# --- Scans ------------------------------------------------------------------------------

MAGIC = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    """Content type and extension from the magic bytes (the file name is not trusted)."""
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    return None


@transaction.atomic
def attach_scan(
    *, actor: Any, case: Case, title: str, uploaded: Any, step: int | None = None
) -> Attachment:
    """Attach a scan: PDF, JPEG or PNG by content, at most settings.UPLOAD_MAX_BYTES."""
    _require(actor, CHANGE)
    if step is not None and step not in policy.STEPS:
        raise ValidationError({"step": f"没有第{step}步。"})
    size = int(getattr(uploaded, "size", 0) or 0)
    if size <= 0:
        raise ValidationError({"file": "文件为空。"})
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"file": f"文件大小{size}字节，超过上限{settings.UPLOAD_MAX_BYTES}字节。"}
        )
    uploaded.seek(0)
    content = uploaded.read()
    kind = sniff(content[:16])
    if kind is None:
        raise ValidationError(
            {"file": "只能上传PDF、JPEG或PNG格式的扫描件（按文件内容识别，而非文件名）。"}
        )
    content_type, ext = kind
    att = Attachment(
        case=case,
        step=step,
        title=(title or getattr(uploaded, "name", "扫描件"))[:100],
        token=secrets.token_hex(16),
        extension=ext,
        content_type=content_type,
        original_name=str(getattr(uploaded, "name", ""))[:200],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=_user(actor),
    )
    att.file.save(f"{att.token}{ext}", ContentFile(content), save=False)
    att.save()
    audit.record(
        actor=actor,
        action="recruitment.scan_attached",
        obj=case,
        changes={
            "attachment": att.pk,
            "step": step,
            "content_type": content_type,
            "size": att.size,
        },
    )
    return att
