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

    def db_type(self, connection: Any) -> str | None:
        # The same column type, spelled so that PostgreSQL's schema editor adds no second
        # `varchar_pattern_ops` index next to the field's index: a keyed hash is only ever
        # compared for equality, never with LIKE, and every extra index slows each insert
        # (a 100,000-row roster import writes three of these columns per row).
        if connection.vendor == "postgresql":
            return f"character varying({self.max_length})"
        return super().db_type(connection)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        raw = getattr(model_instance, self.source)
        value = blind_index(raw, context=self.context) if raw else None
        setattr(model_instance, self.attname, value)
        return value


def drop_pattern_indexes(app_label: str) -> Any:
    """A migration operation that drops the `varchar_pattern_ops` ("_like") indexes which
    PostgreSQL databases created before `BlindIndexField.db_type` still have on the app's
    blind-index columns. Nothing to do elsewhere, or where they never existed."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        for model in apps.get_app_config(app_label).get_models():
            table = model._meta.db_table
            columns = {f.column for f in model._meta.local_fields if isinstance(f, BlindIndexField)}
            if not columns:
                continue
            for name in pattern_indexes(connection, table, sorted(columns)):
                schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    from django.db import migrations

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def pattern_indexes(connection: Any, table: str, columns: list[str]) -> list[str]:
    """Names of the single-column, non-unique `varchar_pattern_ops` indexes on `columns`
    of `table` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]"
            " JOIN pg_opclass o ON o.oid = x.indclass[0]"
            " WHERE t.relname = %s AND x.indnatts = 1 AND a.attname = ANY(%s)"
            " AND o.opcname = 'varchar_pattern_ops' AND NOT x.indisunique",
            [table, columns],
        )
        return [name for (name,) in cursor.fetchall()]
