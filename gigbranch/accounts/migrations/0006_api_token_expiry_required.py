# A separate migration from the data fill of 0005: PostgreSQL refuses ALTER TABLE on a
# table with pending trigger events from rows updated in the same transaction.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_mfa_password_history_token_lifecycle"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="有效期至"),
        ),
    ]
