from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gigbranch.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.conf import settings

        from . import (
            checks,
            lookups,  # noqa: F401  (registers field__anyof)
        )

        if getattr(settings, "PRODUCTION", False):
            checks.refuse_unsafe_production_settings()
