"""The one place where a user's scope becomes a query filter (DESIGN §2).

Each scoped model declares a `ScopeSpec`: the lookups from the model to the organisation
materialised path (line of leadership) and to the region path (属地), and optionally to
a department or to the worker who owns the record. `scope_filter(user, spec)` returns the
Q object; `ScopedQuerySet.visible_to(user)` applies it. A user whose role has no reading
capability for the model gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from django.db import models
from django.db.models import Q

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopeSpec:
    capability: str
    org_path: str | None = None
    region_path: str | None = None
    department: str | None = None
    owner_worker: str | None = None


NOTHING = Q(pk__in=[])


def scope_filter(user: Any, spec: ScopeSpec) -> Q:
    from gigbranch.accounts.roles import has_capability

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if spec.owner_worker and user.role == "worker":
        worker_id = getattr(user, "worker_id", None)
        return Q(**{spec.owner_worker: worker_id}) if worker_id else NOTHING
    if not has_capability(user, spec.capability):
        return NOTHING
    if user.scope_region_id is not None and spec.region_path:
        if "__" in spec.region_path and _scope_covers_every_region(user):
            # The whole county: every region's path starts with the scope's, so the path
            # test only says "has a region". Say that without joining the region table.
            return Q(**{f"{spec.region_path.rsplit('__', 1)[0]}__isnull": False})
        return Q(**{f"{spec.region_path}__startswith": user.scope_region.path})
    if user.scope_organization_id is not None and spec.org_path:
        return Q(**{f"{spec.org_path}__startswith": user.scope_organization.path})
    if user.department_id is not None and spec.department:
        return Q(**{spec.department: user.department_id})
    return NOTHING


def _scope_covers_every_region(user: Any) -> bool:
    """Whether the user's region is the only root of the region tree (the whole county).
    Asked once per user object, i.e. once per request."""
    covers = getattr(user, "_scope_covers_every_region", None)
    if covers is None:
        region = user.scope_region
        covers = region.parent_id is None and list(
            type(region)
            ._default_manager.filter(parent__isnull=True)
            .values_list("pk", flat=True)[:2]
        ) == [region.pk]
        user._scope_covers_every_region = covers
    return bool(covers)


def covers(user: Any, spec: ScopeSpec, obj: Any) -> bool:
    """Whether `scope_filter(user, spec)` would let `obj` through, on an object already
    loaded (no query): the same rules in the same order, for policies that decide on one
    object (an action's rule, an API lookup answered from a cache)."""
    from gigbranch.accounts.roles import has_capability

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if spec.owner_worker and user.role == "worker":
        worker_id = getattr(user, "worker_id", None)
        return bool(worker_id) and _value(obj, spec.owner_worker) == worker_id
    if not has_capability(user, spec.capability):
        return False
    if user.scope_region_id is not None and spec.region_path:
        path = _value(obj, spec.region_path)
        return path is not None and path.startswith(user.scope_region.path)
    if user.scope_organization_id is not None and spec.org_path:
        path = _value(obj, spec.org_path)
        return path is not None and path.startswith(user.scope_organization.path)
    if user.department_id is not None and spec.department:
        return bool(_value(obj, spec.department) == user.department_id)
    return False


def _value(obj: Any, lookup: str) -> Any:
    """`obj.a.b.c` for the lookup "a__b__c"; None where a link is empty."""
    for name in lookup.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    scope_spec: ScopeSpec

    def visible_to(self, user: Any) -> Self:
        return self.filter(scope_filter(user, self.scope_spec))
