from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gigbranch.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django import forms
        from django.conf import settings

        from .text import no_control_characters

        # Every text field of every form refuses control characters (core/text.py): one
        # line here instead of a validator on each of ~35 forms, and new forms inherit it.
        # Subclasses with their own default validators (email, URL, slug) already
        # refuse them through their own patterns.
        if no_control_characters not in forms.CharField.default_validators:
            forms.CharField.default_validators = [
                *forms.CharField.default_validators,
                no_control_characters,
            ]

        from django.db.backends.signals import connection_created

        from . import (
            auditchain,
            checks,
            lookups,  # noqa: F401  (registers field__anyof)
        )
        from .auditchain import register_sqlite_function

        # AuditEvent.save seals each row into its day's chain (ADR 0046).
        self.audit_chain = auditchain

        # The SQLite audit trigger's condition function (ADR 0046).
        connection_created.connect(register_sqlite_function, dispatch_uid="audit_erasable")

        if getattr(settings, "PRODUCTION", False):
            checks.refuse_unsafe_production_settings()
