"""Background jobs of the people domain: thin wrappers over services."""

from __future__ import annotations

from django_tasks import task

from .services import roster_run as roster


@task()
def run_roster_import(roster_import_id: int) -> int:
    return roster.run_import(roster_import_id=roster_import_id).created_count


@task()
def check_roster_import(roster_import_id: int, actor_id: int) -> int:
    return roster.run_check(roster_import_id=roster_import_id, actor_id=actor_id).error_rows


@task()
def resume_interrupted_imports() -> dict[str, int]:
    from .services import recovery

    return recovery.resume_interrupted_imports()
