"""Second factor at sign-in: TOTP authenticators and one-time recovery codes (ADR 0045).

GB/T 22239-2019 level 3 (8.1.4.1 d) asks for two or more authentication techniques
for administrators; OWASP ASVS 5.0 V6.3 for privileged accounts. Required for the three
administrators (三员) and county administrators (MFA_REQUIRED_ROLES), optional for the
other staff. Every write here is audited in its transaction. A holder who lost the
authenticator and the codes is reset by a security administrator, never by themself or
by the system administrator.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.core import audit
from gigbranch.core.fields import blind_index

from .models import MfaDevice, RecoveryCode, User
from .roles import Role

# No 0/O, 1/I/L: codes are read off paper.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def required_for_role(role: str) -> bool:
    return bool(settings.MFA_REQUIRED) and role in set(settings.MFA_REQUIRED_ROLES)


def required_for(user: Any) -> bool:
    return required_for_role(getattr(user, "role", ""))


def device_of(user: Any, *, confirmed: bool | None = True) -> MfaDevice | None:
    devices = MfaDevice.objects.filter(user_id=user.pk)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.first()


def is_enrolled(user: Any) -> bool:
    return MfaDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def _normalise_code(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def _recovery_hash(code: str) -> str:
    return blind_index(_normalise_code(code), context="mfa_recovery")


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def start_enrolment(*, user: User, secret_hex: str | None = None) -> MfaDevice:
    """A new, unconfirmed authenticator for `user` (an earlier unconfirmed one is replaced).

    `secret_hex` is for the demo seed and tests only; pages always use a random key."""
    if is_enrolled(user):
        raise ValidationError("该账号已启用双因素认证；如认证器丢失，请联系安全管理员重置。")
    MfaDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    device = MfaDevice.objects.create(
        user=user,
        name="TOTP",
        confirmed=False,
        secret=secret_hex or secrets.token_hex(20),
    )
    audit.record(actor=user, action="mfa.enrolment_started", obj=user)
    return device


@transaction.atomic
def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with a first code from it; return the recovery
    codes in clear text (shown once; only their hashes are kept)."""
    device = MfaDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": "请先扫描二维码添加认证器。"})
    if not device.verify_token(code):
        audit.record(actor=user, action="mfa.enrolment_failed", obj=user)
        raise ValidationError({"code": "验证码不正确，请输入认证器上当前显示的6位数字。"})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_recovery_codes(user)
    audit.record(
        actor=user, action="mfa.enrolled", obj=user, changes={"recovery_codes": len(codes)}
    )
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    codes = [_new_recovery_code() for _ in range(settings.MFA_RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """New codes for a signed-in, enrolled holder; the old ones stop working."""
    if not is_enrolled(user):
        raise ValidationError("尚未启用双因素认证。")
    codes = _replace_recovery_codes(user)
    audit.record(actor=user, action="mfa.recovery_codes_replaced", obj=user)
    return codes


def verify(*, user: User, code: str) -> str:
    """Check a second factor: "totp", "recovery" or "" (refused). Audited either way.

    A 6-digit code is checked against the authenticator (django-otp: one step of drift,
    no step accepted twice); anything else as a recovery code, which works once."""
    normalised = _normalise_code(code)
    with transaction.atomic():
        device = (
            MfaDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        )
        if device is None:
            return ""
        method = ""
        if normalised.isdigit() and len(normalised) == MfaDevice.DIGITS:
            if device.verify_token(normalised):
                method = "totp"
        elif normalised:
            used = RecoveryCode.objects.filter(
                user_id=user.pk, code_hash=_recovery_hash(normalised), used_at__isnull=True
            ).update(used_at=timezone.now())
            if used:
                method = "recovery"
        if method == "recovery":
            left = RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()
            audit.record(
                actor=user, action="mfa.recovery_code_used", obj=user, changes={"left": left}
            )
        elif method:
            audit.record(actor=user, action="mfa.verified", obj=user)
    if not method:
        audit.record(actor=None, action="mfa.failed", obj=user)
    return method


def recovery_codes_left(user: Any) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()


def may_reset(actor: Any, user: Any) -> str:
    """Why `actor` may not reset `user`'s second factor ("" when it may)."""
    if getattr(actor, "role", "") != Role.SECURITY_ADMIN or not getattr(actor, "is_active", False):
        return "只有安全管理员可以重置双因素认证。"
    if actor.pk == user.pk:
        return "不能重置本人的双因素认证，请由另一名安全管理员办理。"
    return ""


@transaction.atomic
def reset(*, actor: Any, user: User) -> User:
    """Remove `user`'s authenticator and recovery codes: the next sign-in enrols again."""
    refusal = may_reset(actor, user)
    if refusal:
        raise PermissionDenied(refusal)
    user = User.objects.select_for_update().get(pk=user.pk)
    had = MfaDevice.objects.filter(user_id=user.pk).exists()
    MfaDevice.objects.filter(user_id=user.pk).delete()
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    audit.record(actor=actor, action="mfa.reset", obj=user, changes={"had_device": had})
    return user


@transaction.atomic
def enrol_with_secret(*, user: User, secret_hex: str) -> MfaDevice:
    """Enrol with a known key, confirmed at once: the demo seed and tests only (the
    operator prints the demo key; no page calls this)."""
    MfaDevice.objects.filter(user_id=user.pk).delete()
    device = MfaDevice.objects.create(user=user, name="TOTP", confirmed=True, secret=secret_hex)
    audit.record(actor=None, action="mfa.enrolled", obj=user, changes={"seeded": True})
    return device
