"""Blind-index columns keep only their equality index on PostgreSQL (see
core.fields.BlindIndexField.db_type): drop the LIKE-pattern companions."""

from django.db import migrations

from gigbranch.core.fields import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_client_role")]

    operations = [drop_pattern_indexes("accounts")]
