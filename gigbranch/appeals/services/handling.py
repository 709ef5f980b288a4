"""Handling an appeal: accept, return, re-route, extend, reply; the worker's rating and
withdrawal. Each is atomic, goes through `common.transition`, and is audited there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.core.actors import Actor

from .. import rules
from ..models import Appeal
from .common import calendar, locked, reason_text, require, transition


@transaction.atomic
def accept(*, actor: Actor, appeal: Appeal, now: dt.datetime | None = None) -> Appeal:
    appeal = locked(appeal)
    require(actor, "appeals.handle", appeal, "只有承办部门可以受理此诉求。")
    now = now or timezone.now()
    late = now > appeal.accept_due_at
    return transition(
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
    *, actor: Actor, appeal: Appeal, reason: str, now: dt.datetime | None = None
) -> Appeal:
    appeal = locked(appeal)
    require(actor, "appeals.handle", appeal, "只有承办部门可以退回此诉求。")
    reason = reason_text(reason)
    rules.next_status(appeal.status, "return")
    if appeal.return_used:
        raise rules.TransitionRefused("每件诉求只能退回一次，请承办部门首接负责办理。")
    now = now or timezone.now()
    return transition(
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
    *, actor: Actor, appeal: Appeal, department: Any, reason: str, now: dt.datetime | None = None
) -> Appeal:
    """The county re-assigns a returned appeal; department None = township fallback."""
    appeal = locked(appeal)
    require(actor, "appeals.route", appeal, "只有县级管理员可以改派诉求。")
    reason = reason_text(reason)
    now = now or timezone.now()
    cal = calendar()
    label = department.name if department is not None else f"{appeal.region.name}（属地兜底）"
    return transition(
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
    *, actor: Actor, appeal: Appeal, reason: str, now: dt.datetime | None = None
) -> Appeal:
    """APL-2: extend the reply deadline once, with a reason."""
    appeal = locked(appeal)
    require(actor, "appeals.handle", appeal, "只有承办部门可以申请延期。")
    reason = reason_text(reason)
    rules.next_status(appeal.status, "extend")
    if appeal.extension_used:
        raise rules.TransitionRefused("答复时限只能延长一次（APL-2）。")
    now = now or timezone.now()
    new_due = rules.extended_due(calendar(), appeal.reply_due_at, appeal.priority)
    return transition(
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
def reply(*, actor: Actor, appeal: Appeal, text: str, now: dt.datetime | None = None) -> Appeal:
    appeal = locked(appeal)
    require(actor, "appeals.handle", appeal, "只有承办部门可以答复此诉求。")
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError({"text": "请填写不少于5个字的办理结果。"})
    now = now or timezone.now()
    return transition(
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
    actor: Actor,
    appeal: Appeal,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Appeal:
    """APL-4: the worker rates the reply; unresolved reopens the appeal with a new clock."""
    appeal = locked(appeal)
    require(actor, "appeals.rate", appeal, "只有提出诉求的本人可以评价。")
    if satisfaction not in dict(rules.SATISFACTION_CHOICES):
        raise ValidationError({"satisfaction": "请选择满意度。"})
    now = now or timezone.now()
    fields: dict[str, Any] = {"resolved": resolved, "satisfaction": satisfaction, "rated_at": now}
    label = dict(rules.SATISFACTION_CHOICES)[satisfaction]
    if resolved:
        fields["closed_at"] = now
        return transition(
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
    return transition(
        appeal=appeal,
        action="rate_unresolved",
        actor=actor,
        now=now,
        note=f"未解决，{label}。{comment}".strip(),
        fields=fields,
        public_text="您评价：未解决。诉求已重新交办，承办部门将继续办理。",
    )


@transaction.atomic
def withdraw(*, actor: Actor, appeal: Appeal, now: dt.datetime | None = None) -> Appeal:
    appeal = locked(appeal)
    require(actor, "appeals.rate", appeal, "只有提出诉求的本人可以撤回。")
    now = now or timezone.now()
    return transition(
        appeal=appeal,
        action="withdraw",
        actor=actor,
        now=now,
        fields={"closed_at": now},
        public_text="您已撤回诉求。",
    )
