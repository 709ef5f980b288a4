"""Take over the appeals app's notification and SMS outbox tables (ADR 0049).

State only: `db_table` names the existing tables, so no data migration is needed; on a new
database appeals.0001 creates them as before."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import gigbranch.core.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("appeals", "0006_notifications_to_their_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SmsMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("mobile", gigbranch.core.fields.EncryptedTextField(context="mobile", verbose_name="手机号")),
                        ("text", models.CharField(max_length=500, verbose_name="内容")),
                        ("backend", models.CharField(max_length=40)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("event", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="appeals.appealevent")),
                    ],
                    options={
                        "verbose_name": "开发环境短信",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "appeals_smsmessage",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("text", models.CharField(max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("appeal", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="appeals.appeal")),
                        ("event", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="appeals.appealevent")),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="appeal_notifications", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "db_table": "appeals_notification",
                        "constraints": [models.UniqueConstraint(fields=("recipient", "event"), name="appeal_notify_once")],
                    },
                ),
            ],
            database_operations=[],
        )
    ]
