"""Portal accounts: one-time SMS codes.

The portal keeps only what registration needs. Mobile numbers are stored as a blind index
(keyed hash) here; the account itself (accounts.User) holds the encrypted number.
Consent (PIPL) is kept in the one consent store, `members.ConsentRecord`, read and
written through `gigbranch.members.consent` (ADR 0026).
"""

from __future__ import annotations

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
