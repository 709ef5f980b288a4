"""Portal accounts: one-time SMS codes and consent records (PIPL).

The portal keeps only what registration needs. Mobile numbers are stored as a blind index
(keyed hash) here; the account itself (accounts.User) holds the encrypted number.
Consent is append-only: every grant or withdrawal is a new row; the latest row per
(user, purpose) is the current state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SmsCode(models.Model):
    mobile_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"SMS code {self.pk}"


class ConsentPurpose(models.TextChoices):
    BASIC = "basic", "基本服务所需个人信息"
    POLITICAL_STATUS = "political_status", "政治面貌（敏感个人信息）"


CONSENT_VERSION = "2026-01"


class ConsentRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_records"
    )
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    version = models.CharField(max_length=10, default=CONSENT_VERSION)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}：{'同意' if self.granted else '撤回'}"
