"""Background jobs for stations and appointments: thin wrappers over services."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def booking_reminders() -> int:
    """SMS reminders for appointments in the next 24 hours (idempotent: once per booking)."""
    return services.send_reminders()
