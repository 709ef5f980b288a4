"""Django system checks for deployment safety (run by `manage.py check` and at startup)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register("security")
def check_sms_backend(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """core.E001: the development SMS backend sends nothing and must not run in production."""
    from gigbranch.core.sms import DEVELOPMENT_BACKEND

    if getattr(settings, "PRODUCTION", False) and settings.SMS_BACKEND == DEVELOPMENT_BACKEND:
        return [
            Error(
                "生产环境不得使用开发用短信后端（DevelopmentLogSmsBackend）。",
                hint="请将 SMS_BACKEND 配置为运营商短信网关的实现类。",
                obj="settings.SMS_BACKEND",
                id="core.E001",
            )
        ]
    return []
