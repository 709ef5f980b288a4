"""Background jobs: thin wrappers that call services (DESIGN §3)."""

from __future__ import annotations

from django_tasks import task

from . import services, sweeps


@task()
def heartbeat() -> str:
    return services.beat(name="default").beat_at.isoformat()


@task()
def calendar_sweep() -> int | None:
    return sweeps.check_calendar()


@task()
def findings_sweep() -> dict[str, int]:
    return services.recompute_findings()


@task()
def stash_sweep() -> int:
    from . import stash

    return stash.sweep()


@task()
def daily_backup() -> str:
    from . import backup

    return backup.run_backup(trigger="scheduled").path.name


@task()
def audit_verify_sweep() -> dict[str, int]:
    checks = services.verify_audit_chain()
    return {"days": len(checks), "broken": sum(not c.ok for c in checks)}
