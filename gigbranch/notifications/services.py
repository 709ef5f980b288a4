"""Writes for notifications: deliver in-app messages, mark them read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.models import User

from .models import Notification


def notify(*, texts_by_recipient: Mapping[int, str], appeal: Any = None, event: Any = None) -> int:
    """One in-app notification per recipient id (text cut to 200 characters). Returns how
    many were written. The caller's transaction makes it all-or-nothing."""
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, appeal=appeal, event=event, text=text[:200])
            for uid, text in texts_by_recipient.items()
        ]
    )
    return len(texts_by_recipient)


@transaction.atomic
def mark_read(*, actor: User) -> int:
    """Mark the actor's unread notifications read (their own inbox only)."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
