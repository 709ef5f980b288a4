"""Who acts: a person (a `User`) or the system itself, named explicitly (ADR 0049).

Scheduled sweeps, the task worker, imports, operators' commands and the demo seed act as
the system. They pass one of the `SystemActor` values below instead of `None`, so a
service can tell "the system, for this reason" from "nobody", and the audit log records
the event as 系统 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from gigbranch.accounts.models import User

SYSTEM_LABEL = "系统"
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class SystemActor:
    """The system acting on its own, for `reason` (written to the audit log)."""

    reason: str

    # What services and templates read from an actor: never a person, never in a scope.
    is_authenticated = False
    is_active = True
    role = SYSTEM_ROLE
    username = SYSTEM_LABEL
    pk = None
    department_id = None
    scope_region_id = None
    scope_organization_id = None
    worker_id = None

    def __str__(self) -> str:
        return f"{SYSTEM_LABEL}（{self.reason}）"


SCHEDULER = SystemActor("定时任务")
TASK_WORKER = SystemActor("后台任务")
IMPORT = SystemActor("批量导入")
OPERATOR = SystemActor("运维命令")
DEMO_SEED = SystemActor("演示数据")

#: What a service's `actor` is: a signed-in user or the system.
Actor: TypeAlias = "User | SystemActor"


def is_system(actor: Any) -> TypeGuard[SystemActor]:
    return isinstance(actor, SystemActor)


def person(actor: Any) -> User | None:
    """The signed-in user behind `actor`, or None for the system and for nobody."""
    if is_system(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return cast("User", actor)


def of(request: HttpRequest) -> User:
    """The signed-in user making `request` (views behind a login or capability check)."""
    user = person(request.user)
    if user is None:
        raise PermissionDenied("请先登录。")
    return user
