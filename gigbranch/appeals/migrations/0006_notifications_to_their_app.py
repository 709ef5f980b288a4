"""Notification and SmsMessage now belong to the notifications app (ADR 0049).

State only: the tables keep their names (`db_table` in notifications.models), so no row
moves and nothing is copied."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("appeals", "0005_blind_index_no_pattern_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="SmsMessage"),
            ],
            database_operations=[],
        )
    ]
