"""Model fields for sensitive personal data (DESIGN §2, ADR 0003).

`EncryptedTextField` stores ciphertext and hands plaintext to Python; the database never
sees the plaintext. `BlindIndexField` stores a keyed hash of another attribute of the same
instance for exact lookup and uniqueness; use `blind_index()` to build lookup values.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .crypto import get_cipher


class EncryptedTextField(models.TextField):
    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def _aad(self) -> str:
        return self.context or f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return get_cipher().decrypt(value, context=self._aad())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return get_cipher().encrypt(str(value), context=self._aad())


def blind_index(value: str, *, context: str) -> str:
    return get_cipher().blind_index(value, context=context)


class BlindIndexField(models.CharField):
    """Keyed hash (HMAC-SM3) of `source`, recomputed on every save."""

    def __init__(self, *args: Any, source: str = "", context: str = "", **kwargs: Any) -> None:
        self.source = source
        self.context = context
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = getattr(model_instance, self.source)
        value = blind_index(raw, context=self.context) if raw else None
        setattr(model_instance, self.attname, value)
        return value
