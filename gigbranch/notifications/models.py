"""In-app notifications and the development SMS outbox, for every domain (ADR 0049).

Both tables were created by the appeals app and keep their names (`db_table`): moving the
models here changed Django's state only, not the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from gigbranch.core.fields import EncryptedTextField
from gigbranch.core.masking import mask_mobile


class Notification(models.Model):
    """An in-app notification for a staff member or a worker.

    `appeal` and `event` link it to what it is about (by model name, so this app imports
    no domain app); other domains leave them empty.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeal_notifications"
    )
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "appeals.AppealEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "appeals_notification"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="appeal_notify_once")
        ]

    def __str__(self) -> str:
        return self.text


class SmsMessage(models.Model):
    """Outbox of the DEVELOPMENT SMS backend (nothing is sent). Read at /appeals/sms-outbox/."""

    mobile = EncryptedTextField("手机号", context="mobile")
    text = models.CharField("内容", max_length=500)
    backend = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.ForeignKey(
        "appeals.AppealEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "appeals_smsmessage"
        ordering = ["-created_at", "-id"]
        verbose_name = "开发环境短信"

    def __str__(self) -> str:
        return f"{self.masked_mobile} {self.text[:20]}"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)
