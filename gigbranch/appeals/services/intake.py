"""Intake (APL-5): one appeal in one transaction, idempotent by its key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from gigbranch.core import actors, audit
from gigbranch.core.actors import Actor
from gigbranch.core.validators import normalize_mobile

from .. import config, rows, rules
from ..models import Appeal, AppealPhoto, Category, Channel, Open311Client
from ..rules import Priority, Status
from .common import enqueue_notifications, new_event, new_tracking_no, notification_outbox_row

MAX_PHOTOS = 3
PHOTO_SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


def _validate_photo(upload: UploadedFile) -> tuple[str, str]:
    if upload.size and upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError({"photos": f"照片“{upload.name}”超过大小上限。"})
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    raise ValidationError({"photos": f"“{upload.name}”不是JPEG、PNG或WebP图片。"})


@dataclass(frozen=True)
class Submission:
    appeal: Appeal
    created: bool


def submit_appeal(
    *,
    actor: Actor | None,
    category: Category,
    description: str,
    channel: str,
    region: Any = None,
    worker: Any = None,
    workplace: Any = None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_mobile: str = "",
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    priority: str | None = None,
    idempotency_key: str | None = None,
    photos: Sequence[UploadedFile] = (),
    open311_client: Open311Client | None = None,
    now: dt.datetime | None = None,
    snapshot: config.Snapshot | None = None,
) -> Submission:
    """Create one appeal in one transaction. A key seen before returns the first appeal (APL-5).

    `actor` is None only for an Open311 client with no account (recorded as nobody).

    The key is not looked up first: the INSERT is tried, and the unique constraint on
    `idempotency_key` decides (a retry costs one failed INSERT; a first submission no extra
    query). Invalid input with a known key also returns the first appeal. The appeal, its
    first event, the notification task row and the audit event are written together
    (`rows.insert`: one statement on PostgreSQL), so a refused INSERT leaves none of them.
    """
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if len(description) < 5:
        errors["description"] = "请用至少5个字描述您的诉求。"
    elif len(description) > 2000:
        errors["description"] = "诉求内容不能超过2000字。"
    if channel not in Channel.values:
        errors["channel"] = "来源渠道无效。"
    if not category.active:
        errors["category"] = "该诉求类别已停用。"
    if priority is not None and priority not in dict(Priority.CHOICES):
        errors["priority"] = "办理时限类别无效。"
    if contact_mobile:
        try:
            contact_mobile = normalize_mobile(contact_mobile)
        except ValidationError as exc:
            errors["contact_mobile"] = exc.messages[0]
    elif worker is not None:
        contact_mobile = worker.mobile or ""
    if anonymous and not contact_mobile:
        errors["contact_mobile"] = "匿名反映诉求时，请留下接收答复的手机号码。"
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = f"最多上传{MAX_PHOTOS}张照片。"
    region = (
        region
        or (workplace.region if workplace is not None else None)
        or (worker.region if worker is not None else None)
    )
    if region is None:
        errors["region"] = "请选择诉求发生的乡镇（街道）。"
    try:
        if errors:
            raise ValidationError(errors)
        kinds = [_validate_photo(p) for p in photos]
    except ValidationError:
        existing = _by_key(idempotency_key)
        if existing is not None:
            # A known key with a body that fails validation cannot be a retry of the
            # valid first submission: the key was reused for something else.
            raise _key_reused(existing) from None
        raise

    now = now or timezone.now()
    snap = snapshot or config.snapshot()
    cal = snap.calendar
    priority = priority or category.default_priority
    department_id = config.route(snap, category_code=category.code, region=region)
    department = snap.departments.get(department_id) if department_id else None
    accept_due_at = rules.accept_due(cal, now, priority)
    reply_due_at = rules.reply_due(cal, now, priority)
    using = router.db_for_write(Appeal)
    error: IntegrityError | None = None
    for _attempt in range(5):
        appeal = Appeal(
            tracking_no=new_tracking_no(now),
            category=category,
            priority=priority,
            description=description,
            status=Status.SUBMITTED,
            channel=channel,
            worker=worker,
            submitted_by=actors.person(actor),
            anonymous=anonymous,
            contact_name=contact_name[:40],
            contact_mobile=contact_mobile,
            region=region,
            workplace=workplace,
            address=address[:200],
            latitude=latitude,
            longitude=longitude,
            department_id=department_id,
            idempotency_key=idempotency_key or None,
            open311_client=open311_client,
            received_at=now,
            accept_due_at=accept_due_at,
            clock_started_at=now,
            reply_due_at=reply_due_at,
        )
        if department is not None:
            appeal.department = department
        handler = appeal.handler_label if department_id else f"{region.name}（属地兜底）"
        # The appeal, its first event and the notification task (outbox) go in one
        # statement on PostgreSQL (rows.insert), the audit event after it in the same
        # transaction: all of them or none.
        event = new_event(
            appeal=appeal,
            action="submit",
            actor=actor,
            from_status="",
            to_status=Status.SUBMITTED,
            now=now,
            note=f"来源：{appeal.get_channel_display()}；派单至{handler}",
            public_text=f"诉求已提交，受理编号{appeal.tracking_no}，已转交{handler}办理。",
        )
        new = [rows.Row(appeal), rows.Row(event, {"appeal_id": rows.Ref(0)})]
        outbox = notification_outbox_row(using)
        if outbox is not None:
            new.append(rows.Row(outbox[1], {"args_kwargs": rows.Ref(1, ("args", 0))}))
        audit_event = audit.build(
            actor=actor,
            action="appeal.submitted",
            obj=appeal,
            changes={
                "channel": channel,
                "category": category.code,
                "department": department_id,
                "region": region.pk,
            },
        )
        try:
            # The audit event is saved after the statement, in the same transaction: its
            # save() locks the day's audit chain head and hashes the row, which needs the
            # appeal's id (ADR 0046).
            with transaction.atomic(using=using):
                rows.insert(new, using=using)
                for upload, (content_type, _ext) in zip(photos, kinds, strict=True):
                    AppealPhoto.objects.create(
                        appeal=appeal, file=upload, content_type=content_type, size=upload.size or 0
                    )
                audit_event.object_id = str(appeal.pk)
                audit_event.save(force_insert=True, using=using)
        except IntegrityError as exc:
            error = exc
            # Either the same key committed first (a retry or a concurrent duplicate):
            # return that appeal; or the random tracking number collided: try another.
            existing = _by_key(idempotency_key)
            if existing is not None:
                if not _same_request(existing, appeal):
                    raise _key_reused(existing) from None
                return Submission(existing, False)
            continue
        if outbox is not None:
            from django_tasks_db.compat import task_enqueued

            backend, task_row = outbox
            task_enqueued.send(type(backend), task_result=task_row.task_result)
        else:
            enqueue_notifications(event.pk)
        return Submission(appeal, True)
    assert error is not None
    raise error


# What a retry must repeat for the key to return the first appeal (APL-5). The IETF
# Idempotency-Key draft: the same key with a different payload is an error (422), not a
# silent return of the first resource.
_RETRY_FIELDS = (
    "category_id",
    "description",
    "channel",
    "region_id",
    "worker_id",
    "workplace_id",
    "anonymous",
    "contact_name",
    "contact_mobile",
    "address",
    "latitude",
    "longitude",
    "priority",
)


def _same_request(existing: Appeal, attempt: Appeal) -> bool:
    def value(appeal: Appeal, field: str) -> Any:
        raw = getattr(appeal, field)
        if field in ("latitude", "longitude") and raw is not None:
            return Decimal(raw).quantize(Decimal("0.000001"))
        return raw

    return all(value(existing, f) == value(attempt, f) for f in _RETRY_FIELDS)


def _key_reused(existing: Appeal) -> ValidationError:
    return ValidationError(
        {
            "Idempotency-Key": (
                f"该 Idempotency-Key 已用于内容不同的另一份诉求（受理编号{existing.tracking_no}）。"
                "重试请发送与第一次完全相同的内容；提交新的诉求请使用新的 Idempotency-Key。"
            )
        },
        code="idempotency_key_reused",
    )


def _by_key(idempotency_key: str | None) -> Appeal | None:
    if not idempotency_key:
        return None
    return (
        Appeal.objects.select_related("category", "department", "region")
        .filter(idempotency_key=idempotency_key)
        .first()
    )
