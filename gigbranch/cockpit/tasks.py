"""Background jobs of the cockpit: thin wrappers that call services (DESIGN §3)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def quarterly_report_sweep() -> list[str]:
    """Hourly: the previous quarter's report once the first working day after it came."""
    return [r.period for r in services.generate_quarterly_reports()]
