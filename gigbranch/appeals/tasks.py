"""Background jobs for appeals: thin wrappers around services, run as the system."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def deliver_notifications(event_id: int) -> int:
    return services.deliver_notifications(event_id=event_id)


@task()
def sla_sweep() -> dict[str, int]:
    return services.sweep()
