"""Django system checks for deployment safety (run by `manage.py check` and at startup)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

DEVELOPMENT_SMS_BACKEND = "DevelopmentLogSmsBackend"


@register("security")
def check_sms_backend(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E001: the development SMS backend sends nothing and must not run in production.

    Named by its dotted path (core imports no app): notifications.sms, or its old module."""
    backend = settings.SMS_BACKEND.rsplit(".", 1)
    if getattr(settings, "PRODUCTION", False) and backend[-1] == DEVELOPMENT_SMS_BACKEND:
        return [
            Error(
                "生产环境不得使用开发用短信后端（DevelopmentLogSmsBackend）。",
                hint="请将 SMS_BACKEND 配置为运营商短信网关的实现类。",
                obj="settings.SMS_BACKEND",
                id="core.E001",
            )
        ]
    return []


# Key lengths the field cipher needs (core/crypto.py): SM4-GCM takes 16-byte keys (the
# cipher refuses any other length, but only at first use); the blind-index HMAC key should
# be at least as long as its output.
ENCRYPTION_KEY_BYTES = 16
MIN_HASH_KEY_BYTES = 32


def _hex_bytes(value: str) -> bytes | None:
    try:
        return bytes.fromhex(value.strip())
    except ValueError:
        return None


@register("security")
def check_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E002/E003: field encryption and blind-index keys are hex and long enough.

    A short key would otherwise be accepted at start-up and fail (or weaken every blind
    index) only at first use."""
    errors: list[Error] = []
    for pair in settings.FIELD_ENCRYPTION_KEYS:
        kid, _, hexkey = pair.partition(":")
        key = _hex_bytes(hexkey)
        if not kid.strip() or "." in kid or key is None or len(key) != ENCRYPTION_KEY_BYTES:
            errors.append(
                Error(
                    f"字段加密密钥“{kid.strip() or '（无编号）'}”无效：须为“编号:十六进制密钥”，"
                    f"编号不含“.”，密钥为 {ENCRYPTION_KEY_BYTES} 字节"
                    f"（{ENCRYPTION_KEY_BYTES * 2} 个十六进制字符）。",
                    obj="settings.FIELD_ENCRYPTION_KEYS",
                    id="core.E002",
                )
            )
    hash_key = _hex_bytes(settings.FIELD_HASH_KEY)
    if hash_key is None or len(hash_key) < MIN_HASH_KEY_BYTES:
        errors.append(
            Error(
                f"盲索引密钥 FIELD_HASH_KEY 须为十六进制，至少 {MIN_HASH_KEY_BYTES} 字节"
                f"（{MIN_HASH_KEY_BYTES * 2} 个十六进制字符）。",
                obj="settings.FIELD_HASH_KEY",
                id="core.E003",
            )
        )
    return errors


@register("security")
def check_sms_gateway(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E004: in production the SMS gateway (it receives login codes) is reached over
    HTTPS only."""
    url = (settings.SMS_GATEWAY_URL or "").strip()
    if getattr(settings, "PRODUCTION", False) and url and not url.lower().startswith("https://"):
        return [
            Error(
                "生产环境的短信网关地址必须使用 https://（短信含登录验证码和一次性密码）。",
                obj="settings.SMS_GATEWAY_URL",
                id="core.E004",
            )
        ]
    return []


@register()
def check_backup_schedule(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E020: the daily backup time must be "HH:MM" local time (or empty = off)."""
    from gigbranch.core.schedule import parse_daily_at

    at = getattr(settings, "BACKUP_DAILY_AT", "")
    if not at.strip():
        return []
    try:
        parse_daily_at(at)
    except ValueError:
        return [
            Error(
                f"每日备份时间 BACKUP_DAILY_AT 格式错误：{at!r}。",
                hint="请写成 24 小时制的“时:分”，例如 02:30；留空表示不自动备份。",
                obj="settings.BACKUP_DAILY_AT",
                id="core.E020",
            )
        ]
    return []


MIN_AUDIT_KEY_BYTES = 32


@register("security")
def check_audit_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E005: the audit hash-chain keys (ADR 0046) are "kid:hex", at least 32 bytes,
    with unique ids, and not the blind-index key (a key serves one purpose)."""
    keys = list(getattr(settings, "AUDIT_HMAC_KEYS", []))
    seen: set[str] = set()
    bad = not keys
    for pair in keys:
        kid, _, hexkey = pair.partition(":")
        kid = kid.strip()
        key = _hex_bytes(hexkey)
        if (
            not kid
            or len(kid) > 16
            or kid in seen
            or key is None
            or len(key) < MIN_AUDIT_KEY_BYTES
            or key == _hex_bytes(settings.FIELD_HASH_KEY)
        ):
            bad = True
        seen.add(kid)
    if not bad:
        return []
    return [
        Error(
            f"审计哈希链密钥 AUDIT_HMAC_KEYS 无效：须为“编号:十六进制密钥”（编号不超过16个字符、"
            f"互不相同），每个密钥至少 {MIN_AUDIT_KEY_BYTES} 字节"
            f"（{MIN_AUDIT_KEY_BYTES * 2} 个十六进制字符），且不得与盲索引密钥相同。",
            obj="settings.AUDIT_HMAC_KEYS",
            id="core.E005",
        )
    ]


def refuse_unsafe_production_settings() -> None:
    """Run the security checks at start-up in production (gunicorn does not run
    `manage.py check`): a misconfigured key or gateway stops the process at once."""
    from django.core.exceptions import ImproperlyConfigured

    errors = check_sms_backend() + check_keys() + check_sms_gateway() + check_audit_keys()
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg}" for e in errors))
