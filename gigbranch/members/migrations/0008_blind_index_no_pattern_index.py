"""Blind-index columns keep only their equality index on PostgreSQL (see
core.fields.BlindIndexField.db_type): drop the LIKE-pattern companions."""

from django.db import migrations

from gigbranch.core.fields import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [("members", "0007_consent_carry_over_portal")]

    operations = [drop_pattern_indexes("members")]
