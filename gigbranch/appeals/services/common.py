"""What every appeal write shares: the state machine, the event log, the notification
outbox, the work calendar, and the one permission gate (appeals.actions through `can`)."""

from __future__ import annotations

import datetime as dt
import secrets
import weakref
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.utils import timezone

from gigbranch.core import actors, audit, jobs
from gigbranch.core.actors import Actor
from gigbranch.core.permissions import can
from gigbranch.core.workcalendar import WorkCalendar

from .. import config, rules
from ..models import Appeal, AppealEvent, Category

#: The task that delivers one event's notifications (addressed by name: tasks call
#: services, services never import tasks).
DELIVER_NOTIFICATIONS = "gigbranch.appeals.tasks.deliver_notifications"


def require(actor: Actor, action: str, appeal: Appeal, message: str) -> None:
    """PermissionDenied(message) unless the actor may take `action` on the appeal
    (appeals.actions). The system (core.actors) is not a person and is not asked."""
    if actors.is_system(actor):
        return
    if not can(actor, action, appeal):
        raise PermissionDenied(message)


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

    task = jobs.task(DELIVER_NOTIFICATIONS)
    backend = task.get_backend()
    if connection.in_atomic_block and type(backend).__module__.startswith("django_tasks_db"):
        task.enqueue(event_id)
    else:
        transaction.on_commit(lambda: task.enqueue(event_id))


def _actor_label(actor: Actor | None) -> str:
    user = actors.person(actor)
    if user is None:
        return actors.SYSTEM_LABEL
    if user.department_id:
        return user.department.name
    return user.full_name or user.username


def new_event(
    *,
    appeal: Appeal,
    action: str,
    actor: Actor | None,
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
        actor=actors.person(actor),
        actor_label=_actor_label(actor),
        note=note,
        public_text=public_text,
        data=data or {},
    )


def add_event(**fields: Any) -> AppealEvent:
    """`new_event(**fields)`, saved, with its notifications enqueued."""
    event = new_event(**fields)
    event.save(force_insert=True)
    enqueue_notifications(event.pk)
    return event


_validated: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def notification_outbox_row(using: str) -> tuple[Any, Any] | None:
    """(backend, unsaved task row) that `deliver_notifications.enqueue(event_id)` would
    insert with the database task backend, its event id a placeholder (rows.Ref), so the
    row can go into the submission's statement; None with any other backend, whose tasks
    are enqueued after commit (`enqueue_notifications`)."""
    task = jobs.task(DELIVER_NOTIFICATIONS)
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


# --- the state machine -------------------------------------------------------------------


def locked(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("region", "department")
        .get(pk=appeal.pk)
    )


def transition(
    *,
    appeal: Appeal,
    action: str,
    actor: Actor,
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
    add_event(
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


def reason_text(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({field: "请填写理由。"})
    return reason[:1000]
