"""Writes for appeals. Every function is keyword-only, atomic, and audited.

Status changes go through `_transition()` (table: rules.TRANSITIONS) and append an
AppealEvent; notifications are delivered by a task queued with `transaction.on_commit`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, router, transaction
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core.validators import normalize_mobile
from gigbranch.core.workcalendar import WorkCalendar

from . import config, rows, rules
from .models import (
    Appeal,
    AppealEvent,
    AppealPhoto,
    Category,
    Channel,
    Escalation,
    Open311Client,
    RoutingRule,
)
from .rules import Priority, Status

MAX_PHOTOS = 3
PHOTO_SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


# --- who may do what (one helper per resource) -------------------------------------------


def can_handle(user: Any, appeal: Appeal) -> bool:
    """The assigned department's handlers; for township fallback, the township's staff."""
    if not has_capability(user, "appeals.handle"):
        return False
    if appeal.department_id is not None:
        return user.department_id == appeal.department_id
    if user.scope_region_id is None:
        return False
    return appeal.region.path.startswith(user.scope_region.path)


def can_route(user: Any, appeal: Appeal) -> bool:
    if not has_capability(user, "appeals.route") or user.scope_region_id is None:
        return False
    return appeal.region.path.startswith(user.scope_region.path)


def can_rate(user: Any, appeal: Appeal) -> bool:
    return (
        getattr(user, "role", "") == "worker"
        and user.worker_id is not None
        and user.worker_id == appeal.worker_id
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- helpers ------------------------------------------------------------------------------


def calendar() -> WorkCalendar:
    """The work calendar with the administrator's overrides (cached per process, config.py)."""
    return config.snapshot().calendar


def route_department(*, category: Category, region: Any) -> int | None:
    return config.route(config.snapshot(), category_code=category.code, region=region)


def new_tracking_no(now: dt.datetime) -> str:
    """SQ + local date + 8 random digits, known before the INSERT (no second UPDATE).

    A collision is caught by the unique constraint and retried with a new number.
    """
    return f"SQ{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**8):08d}"


def enqueue_notifications(event_id: int) -> None:
    """Queue delivery of one event's notifications, visible to workers only after commit.

    With the database task backend the task row is inserted in the caller's transaction (a
    transactional outbox: it commits or rolls back with the event, and costs no second
    commit); with any other backend it is enqueued by `transaction.on_commit`.
    """
    from django.db import connection

    from . import tasks

    backend = tasks.deliver_notifications.get_backend()
    if connection.in_atomic_block and type(backend).__module__.startswith("django_tasks_db"):
        tasks.deliver_notifications.enqueue(event_id)
    else:
        transaction.on_commit(lambda: tasks.deliver_notifications.enqueue(event_id))


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "系统"
    if getattr(actor, "department_id", None):
        return actor.department.name
    return actor.full_name or actor.username


def _new_event(
    *,
    appeal: Appeal,
    action: str,
    actor: Any,
    from_status: str,
    to_status: str,
    note: str = "",
    public_text: str = "",
    now: dt.datetime,
    data: dict[str, Any] | None = None,
) -> AppealEvent:
    return AppealEvent(
        appeal=appeal,
        created_at=now,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
        note=note,
        public_text=public_text,
        data=data or {},
    )


def _add_event(**fields: Any) -> AppealEvent:
    """`_new_event(**fields)`, saved, with its notifications enqueued."""
    event = _new_event(**fields)
    event.save(force_insert=True)
    enqueue_notifications(event.pk)
    return event


_validated: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _notification_outbox_row(using: str) -> tuple[Any, Any] | None:
    """(backend, unsaved task row) that `deliver_notifications.enqueue(event_id)` would
    insert with the database task backend, its event id a placeholder (rows.Ref), so the
    row can go into the submission's statement; None with any other backend, whose tasks
    are enqueued after commit (`enqueue_notifications`)."""
    from . import tasks

    task = tasks.deliver_notifications
    backend: Any = task.get_backend()
    if not type(backend).__module__.startswith("django_tasks_db"):
        return None
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult

    if router.db_for_write(DBTaskResult) != using:
        return None
    if _validated.get(backend) is not task:  # what enqueue() checks; a task does not change
        backend.validate_task(task)
        _validated[backend] = task
    # As DatabaseBackend._task_to_db_task (test_intake_fast_path checks the two agree).
    row: Any = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": [0], "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=cast(Any, task.run_after),  # None → the model's pre_save receiver
        backend_name=backend.alias,
    )
    return backend, row


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


# --- intake (APL-5) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    appeal: Appeal
    created: bool


def submit_appeal(
    *,
    actor: Any,
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
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
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
        event = _new_event(
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
        outbox = _notification_outbox_row(using)
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


# --- the state machine -------------------------------------------------------------------


def _locked(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("region", "department")
        .get(pk=appeal.pk)
    )


def _transition(
    *,
    appeal: Appeal,
    action: str,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    public_text: str = "",
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Appeal:
    """The one place an appeal's status changes (DESIGN §3.3)."""
    fields = dict(fields or {})
    old = appeal.status
    new = rules.next_status(old, action)
    fields["status"] = new
    for name, value in fields.items():
        setattr(appeal, name, value)
    appeal.save(update_fields=[*fields.keys(), "updated_at"])
    _add_event(
        appeal=appeal,
        action=action,
        actor=actor,
        from_status=old,
        to_status=new,
        note=note,
        public_text=public_text,
        now=now,
        data=data,
    )
    audit.record(
        actor=actor,
        action=f"appeal.{action}",
        obj=appeal,
        changes={"status": [old, new], **({"note": note} if note else {})},
    )
    return appeal


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({field: "请填写理由。"})
    return reason[:1000]


@transaction.atomic
def accept(*, actor: Any, appeal: Appeal, now: dt.datetime | None = None) -> Appeal:
    appeal = _locked(appeal)
    _require(can_handle(actor, appeal), "只有承办部门可以受理此诉求。")
    now = now or timezone.now()
    late = now > appeal.accept_due_at
    return _transition(
        appeal=appeal,
        action="accept",
        actor=actor,
        now=now,
        fields={"accepted_at": now},
        note="超过受理时限（APL-1）" if late else "",
        public_text=f"{appeal.handler_label}已受理，正在办理。",
    )


@transaction.atomic
def return_appeal(
    *, actor: Any, appeal: Appeal, reason: str, now: dt.datetime | None = None
) -> Appeal:
    appeal = _locked(appeal)
    _require(can_handle(actor, appeal), "只有承办部门可以退回此诉求。")
    reason = _reason(reason)
    rules.next_status(appeal.status, "return")
    if appeal.return_used:
        raise rules.TransitionRefused("每件诉求只能退回一次，请承办部门首接负责办理。")
    now = now or timezone.now()
    return _transition(
        appeal=appeal,
        action="return",
        actor=actor,
        now=now,
        note=reason,
        fields={"return_used": True, "accepted_at": None},
        public_text="诉求正在重新确定承办部门。",
    )


@transaction.atomic
def reroute(
    *, actor: Any, appeal: Appeal, department: Any, reason: str, now: dt.datetime | None = None
) -> Appeal:
    """The county re-assigns a returned appeal; department None = township fallback."""
    appeal = _locked(appeal)
    _require(can_route(actor, appeal), "只有县级管理员可以改派诉求。")
    reason = _reason(reason)
    now = now or timezone.now()
    cal = calendar()
    label = department.name if department is not None else f"{appeal.region.name}（属地兜底）"
    return _transition(
        appeal=appeal,
        action="reroute",
        actor=actor,
        now=now,
        note=f"改派至{label}：{reason}",
        fields={
            "department": department,
            "accept_due_at": rules.accept_due(cal, now, appeal.priority),
        },
        public_text=f"诉求已转交{label}办理。",
    )


@transaction.atomic
def request_extension(
    *, actor: Any, appeal: Appeal, reason: str, now: dt.datetime | None = None
) -> Appeal:
    """APL-2: extend the reply deadline once, with a reason."""
    appeal = _locked(appeal)
    _require(can_handle(actor, appeal), "只有承办部门可以申请延期。")
    reason = _reason(reason)
    rules.next_status(appeal.status, "extend")
    if appeal.extension_used:
        raise rules.TransitionRefused("答复时限只能延长一次（APL-2）。")
    now = now or timezone.now()
    new_due = rules.extended_due(calendar(), appeal.reply_due_at, appeal.priority)
    return _transition(
        appeal=appeal,
        action="extend",
        actor=actor,
        now=now,
        note=reason,
        fields={"extension_used": True, "reply_due_at": new_due},
        data={"old_due": appeal.reply_due_at.isoformat(), "new_due": new_due.isoformat()},
        public_text=f"办理时限延长至{timezone.localtime(new_due):%Y-%m-%d %H:%M}。",
    )


@transaction.atomic
def reply(*, actor: Any, appeal: Appeal, text: str, now: dt.datetime | None = None) -> Appeal:
    appeal = _locked(appeal)
    _require(can_handle(actor, appeal), "只有承办部门可以答复此诉求。")
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError({"text": "请填写不少于5个字的办理结果。"})
    now = now or timezone.now()
    return _transition(
        appeal=appeal,
        action="reply",
        actor=actor,
        now=now,
        note=text[:2000],
        fields={
            "reply_text": text[:2000],
            "replied_at": now,
            "resolved": None,
            "satisfaction": "",
            "rated_at": None,
        },
        public_text="已答复，请查看办理结果并评价。",
    )


@transaction.atomic
def rate(
    *,
    actor: Any,
    appeal: Appeal,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Appeal:
    """APL-4: the worker rates the reply; unresolved reopens the appeal with a new clock."""
    appeal = _locked(appeal)
    _require(can_rate(actor, appeal), "只有提出诉求的本人可以评价。")
    if satisfaction not in dict(rules.SATISFACTION_CHOICES):
        raise ValidationError({"satisfaction": "请选择满意度。"})
    now = now or timezone.now()
    fields: dict[str, Any] = {"resolved": resolved, "satisfaction": satisfaction, "rated_at": now}
    label = dict(rules.SATISFACTION_CHOICES)[satisfaction]
    if resolved:
        fields["closed_at"] = now
        return _transition(
            appeal=appeal,
            action="rate_resolved",
            actor=actor,
            now=now,
            note=f"已解决，{label}。{comment}".strip(),
            fields=fields,
            public_text=f"您评价：已解决，{label}。诉求已办结。",
        )
    cal = calendar()
    fields.update(
        {
            "reopen_count": appeal.reopen_count + 1,
            "clock_started_at": now,
            "reply_due_at": rules.reply_due(cal, now, appeal.priority),
            "replied_at": None,
            "extension_used": False,
        }
    )
    return _transition(
        appeal=appeal,
        action="rate_unresolved",
        actor=actor,
        now=now,
        note=f"未解决，{label}。{comment}".strip(),
        fields=fields,
        public_text="您评价：未解决。诉求已重新交办，承办部门将继续办理。",
    )


@transaction.atomic
def withdraw(*, actor: Any, appeal: Appeal, now: dt.datetime | None = None) -> Appeal:
    appeal = _locked(appeal)
    _require(can_rate(actor, appeal), "只有提出诉求的本人可以撤回。")
    now = now or timezone.now()
    return _transition(
        appeal=appeal,
        action="withdraw",
        actor=actor,
        now=now,
        fields={"closed_at": now},
        public_text="您已撤回诉求。",
    )


# --- the SLA sweep (idempotent) -----------------------------------------------------------


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn before a breach, escalate after it, close unrated replies after 7 days.

    Each (appeal, clock, phase, cycle) is recorded once, so a second run changes nothing.
    """
    now = now or timezone.now()
    stats = {"warnings": 0, "escalations": 0, "closed_unrated": 0}
    candidates = Appeal.objects.filter(
        status__in=[Status.SUBMITTED, Status.ACCEPTED, Status.REOPENED]
    ).only(
        "id",
        "status",
        "received_at",
        "accept_due_at",
        "clock_started_at",
        "reply_due_at",
        "reopen_count",
        "accepted_at",
    )
    for appeal in candidates.iterator(chunk_size=500):
        clocks: list[tuple[str, dt.datetime, dt.datetime]] = []
        if appeal.status == Status.SUBMITTED:
            clocks.append(("accept", appeal.received_at, appeal.accept_due_at))
        clocks.append(("reply", appeal.clock_started_at, appeal.reply_due_at))
        for clock, start, due in clocks:
            phase = rules.sla_phase(now, start, due)
            if phase == "ok":
                continue
            if _raise_escalation(appeal=appeal, clock=clock, phase=phase, due=due, now=now):
                stats["warnings" if phase == "warning" else "escalations"] += 1
    for appeal in Appeal.objects.filter(
        status=Status.REPLIED, replied_at__lte=now - rules.UNRATED_AFTER
    ):
        with transaction.atomic():
            locked = _locked(appeal)
            if locked.status != Status.REPLIED or not rules.unrated_expired(now, locked.replied_at):
                continue
            _transition(
                appeal=locked,
                action="expire_unrated",
                actor=None,
                now=now,
                fields={"closed_at": now, "unrated": True},
                public_text="超过7日未评价，诉求已自动办结（计为未评价）。",
            )
            stats["closed_unrated"] += 1
    return stats


def _raise_escalation(
    *, appeal: Appeal, clock: str, phase: str, due: dt.datetime, now: dt.datetime
) -> bool:
    try:
        with transaction.atomic():
            Escalation.objects.create(
                appeal=appeal, clock=clock, phase=phase, cycle=appeal.reopen_count, due_at=due
            )
            label = "受理" if clock == "accept" else "答复"
            local_due = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
            if phase == "warning":
                note = f"{label}时限将至（{local_due}），请抓紧办理（APL-1/APL-2）。"
            else:
                note = (
                    f"已超过{label}时限（{local_due}），已督办至部门负责人和县级（APL-1/APL-2）。"
                )
            _add_event(
                appeal=appeal,
                action="warn" if phase == "warning" else "escalate",
                actor=None,
                from_status=appeal.status,
                to_status=appeal.status,
                note=note,
                now=now,
                data={"clock": clock, "phase": phase},
            )
            audit.record(
                actor=None,
                action=f"appeal.{phase}",
                obj=appeal,
                changes={"clock": clock, "due": due.isoformat()},
            )
    except IntegrityError:
        return False
    return True


# --- notifications ------------------------------------------------------------------------

SMS_ACTIONS = {"submit", "reply", "rate_unresolved", "expire_unrated"}


def _staff_for(appeal: Appeal) -> Iterable[Any]:
    from gigbranch.accounts.models import User

    if appeal.department_id:
        return User.objects.filter(
            department_id=appeal.department_id, is_active=True, role="department_handler"
        )
    return [
        u
        for u in User.objects.filter(
            role="township_admin", is_active=True, scope_region__isnull=False
        ).select_related("scope_region")
        if appeal.region.path.startswith(u.scope_region.path)
    ]


def _county_for(appeal: Appeal) -> Iterable[Any]:
    from gigbranch.accounts.models import User

    return [
        u
        for u in User.objects.filter(
            role="county_admin", is_active=True, scope_region__isnull=False
        ).select_related("scope_region")
        if appeal.region.path.startswith(u.scope_region.path)
    ]


def deliver_notifications(*, event_id: int) -> int:
    """In-app notifications and SMS for one event. Idempotent: a second call sends nothing."""
    from gigbranch.core.sms import send_sms

    from .models import EventDelivery, Notification

    event = (
        AppealEvent.objects.select_related("appeal__region", "appeal__worker")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    with transaction.atomic():
        _, created = EventDelivery.objects.get_or_create(event=event)
        if not created:
            return 0
        appeal = event.appeal
        recipients: dict[int, str] = {}
        staff_text = (
            f"诉求{appeal.tracking_no}：{rules.ACTION_LABELS.get(event.action, event.action)}"
        )
        if event.action in {"submit", "reroute", "rate_unresolved", "warn", "escalate"}:
            for user in _staff_for(appeal):
                recipients[user.pk] = staff_text
        if event.action in {"return", "escalate"}:
            for user in _county_for(appeal):
                recipients[user.pk] = staff_text
        worker_account = getattr(appeal.worker, "account", None) if appeal.worker_id else None
        if event.public_text and worker_account is not None:
            recipients[worker_account.pk] = f"您的诉求{appeal.tracking_no}：{event.public_text}"
        Notification.objects.bulk_create(
            [
                Notification(recipient_id=uid, appeal=appeal, event=event, text=text[:200])
                for uid, text in recipients.items()
            ]
        )
        sent = len(recipients)
        if event.action in SMS_ACTIONS and appeal.contact_mobile and event.public_text:
            send_sms(
                mobile=appeal.contact_mobile,
                text=f"【新就业群体服务】您的诉求{appeal.tracking_no}{event.public_text[:60]}",
            )
            sent += 1
    return sent


@transaction.atomic
def mark_notifications_read(*, actor: Any) -> int:
    from .models import Notification

    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- configuration -----------------------------------------------------------------------


@transaction.atomic
def set_routing_rule(
    *, actor: Any, category: Category, region: Any, department: Any
) -> RoutingRule:
    _require(has_capability(actor, "appeals.route"), "只有县级管理员可以维护派单规则。")
    rule, _ = RoutingRule.objects.update_or_create(
        category=category, region=region, defaults={"department": department}
    )
    audit.record(
        actor=actor,
        action="appeal.routing_rule_set",
        obj=rule,
        changes={
            "category": category.code,
            "region": getattr(region, "pk", None),
            "department": department.pk,
        },
    )
    return rule


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_open311_client(
    *, actor: Any, name: str, account: Any = None, raw_key: str | None = None
) -> tuple[Open311Client, str]:
    """Register an Open311 client. Returns the raw api_key once; only its hash is kept."""
    raw_key = raw_key or secrets.token_hex(16)
    client = Open311Client.objects.create(
        name=name, key_prefix=raw_key[:8], key_hash=hash_api_key(raw_key), account=account
    )
    audit.record(
        actor=actor,
        action="open311.client_created",
        obj=client,
        changes={"name": name, "prefix": raw_key[:8]},
    )
    return client, raw_key


def client_for_key(raw: str) -> Open311Client | None:
    if not raw:
        return None
    return Open311Client.objects.filter(key_hash=hash_api_key(raw), revoked_at__isnull=True).first()
