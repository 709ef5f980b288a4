"""Who hears of an appeal event: in-app notifications and SMS through the notifications
app. Run by the task worker; idempotent (EventDelivery)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from gigbranch.accounts.models import User
from gigbranch.core.scoping import ScopeSpec, covers
from gigbranch.notifications import services as notifications
from gigbranch.notifications.sms import send_sms

from .. import rules
from ..models import Appeal, AppealEvent, EventDelivery

# Staff told of an appeal by region: those whose region scope holds it (as their lists).
IN_REGION = ScopeSpec(capability="appeals.view", region_path="region__path")

SMS_ACTIONS = {"submit", "reply", "rate_unresolved", "expire_unrated"}


def _staff_for(appeal: Appeal) -> Iterable[Any]:
    if appeal.department_id:
        return User.objects.filter(
            department_id=appeal.department_id, is_active=True, role="department_handler"
        )
    return [
        u
        for u in User.objects.filter(
            role="township_admin", is_active=True, scope_region__isnull=False
        ).select_related("scope_region")
        if covers(u, IN_REGION, appeal)
    ]


def _county_for(appeal: Appeal) -> Iterable[Any]:
    return [
        u
        for u in User.objects.filter(
            role="county_admin", is_active=True, scope_region__isnull=False
        ).select_related("scope_region")
        if covers(u, IN_REGION, appeal)
    ]


def deliver_notifications(*, event_id: int) -> int:
    """In-app notifications and SMS for one event. Idempotent: a second call sends nothing."""
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
        sent = notifications.notify(texts_by_recipient=recipients, appeal=appeal, event=event)
        if event.action in SMS_ACTIONS and appeal.contact_mobile and event.public_text:
            send_sms(
                mobile=appeal.contact_mobile,
                text=f"【新就业群体服务】您的诉求{appeal.tracking_no}{event.public_text[:60]}",
            )
            sent += 1
    return sent


def mark_notifications_read(*, actor: User) -> int:
    """The actor's own inbox (notifications app)."""
    return notifications.mark_read(actor=actor)
