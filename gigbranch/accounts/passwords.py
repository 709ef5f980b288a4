from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import password_validation as _django_validation
from django.core.exceptions import ValidationError
from django.utils import timezone


class CharacterClassValidator:
    """At least N of: lower-case, upper-case, digits, symbols (configurable)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes_in(password: str) -> int:
        return sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )

    def validate(self, password: str, user: Any = None) -> None:
        if self.classes_in(password) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类。",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类。"


class MinimumLengthValidator(_django_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message: the message of Django 5.2 has no
    Simplified Chinese translation yet, so it appeared in English."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"


class PasswordHistoryValidator:
    """A new password equal to one of the account's last PASSWORD_HISTORY passwords is
    refused (GB/T 22239-2019 8.1.4.1 identification; ADR 0045). Only hashes are kept."""

    def validate(self, password: str, user: Any = None) -> None:
        from django.conf import settings
        from django.contrib.auth.hashers import check_password

        keep = int(getattr(settings, "PASSWORD_HISTORY", 0))
        if keep <= 0 or user is None or getattr(user, "pk", None) is None:
            return
        from .models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                :keep
            ]
        )
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                f"新密码不能与最近{keep}次使用过的密码相同。", code="password_reused"
            )

    def get_help_text(self) -> str:
        from django.conf import settings

        return f"不能与最近{getattr(settings, 'PASSWORD_HISTORY', 0)}次使用过的密码相同。"


def password_expires_on(changed_at: dt.datetime | None, max_age_days: int) -> dt.date | None:
    """The local date from which a password set at `changed_at` must be changed: the day
    `max_age_days` after the local day it was set (ADR 0045). None: it does not expire."""
    if changed_at is None or max_age_days <= 0:
        return None
    return timezone.localdate(changed_at) + dt.timedelta(days=max_age_days)


def password_expired(changed_at: dt.datetime | None, max_age_days: int, now: dt.datetime) -> bool:
    expires_on = password_expires_on(changed_at, max_age_days)
    return expires_on is not None and timezone.localdate(now) >= expires_on
