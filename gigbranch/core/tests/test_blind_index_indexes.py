"""Blind-index columns carry only their equality index on PostgreSQL: no LIKE-pattern
companion (a keyed hash is never searched by prefix; each extra index slows inserts)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from gigbranch.core import fields
from gigbranch.core.fields import BlindIndexField, drop_pattern_indexes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL schema"),
]


def blind_columns():
    return [
        (m._meta.db_table, f.column)
        for m in apps.get_models()
        for f in m._meta.local_fields
        if isinstance(f, BlindIndexField)
    ]


def pattern_indexes(table, column):
    return fields.pattern_indexes(connection, table, [column])


def test_migrated_schema_has_no_pattern_index_on_blind_indexes():
    columns = blind_columns()
    assert ("members_worker", "id_number_hash") in columns
    assert all(pattern_indexes(t, c) == [] for t, c in columns)


def test_an_older_database_loses_its_pattern_indexes():
    with connection.cursor() as cur:
        cur.execute("CREATE INDEX old_like ON members_worker (mobile_hash varchar_pattern_ops)")
        cur.execute("CREATE INDEX keep_name_like ON members_worker (name varchar_pattern_ops)")
    assert pattern_indexes("members_worker", "mobile_hash") == ["old_like"]
    operation = drop_pattern_indexes("members")
    with connection.schema_editor() as editor:
        operation.code(apps, editor)
    assert pattern_indexes("members_worker", "mobile_hash") == []
    assert pattern_indexes("members_worker", "name") == ["keep_name_like"]  # not a blind index
    with connection.cursor() as cur:
        cur.execute("DROP INDEX keep_name_like")
