"""Who may take which appeal action (gigbranch.core.permissions.can): one rule each, used
by the services, the pages (to show a button) and the API alike. Scope questions go
through core.scoping (the same specs as `visible_to`), never through hand-written paths.
"""

from __future__ import annotations

from typing import Any

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import action, capability_action
from gigbranch.core.scoping import ScopeSpec, covers, scope_filter

# The township fallback: staff whose region scope holds the appeal's region.
HANDLE_IN_REGION = ScopeSpec(capability="appeals.handle", region_path="region__path")
# County routing: the appeals, departments and rules in the router's region subtree.
ROUTE_IN_REGION = ScopeSpec(capability="appeals.route", region_path="region__path")
# A worker's own appeal.
OWN_APPEAL = ScopeSpec(capability="appeals.submit", owner_worker="worker_id")
# Where an appeal may be filed: the account's region subtree (as Region.objects.visible_to).
FILE_IN_REGION = ScopeSpec(capability="org.view", region_path="path")

capability_action("appeals.intake", "appeals.intake")
capability_action("appeals.set_routing_rule", "appeals.route")


@action("appeals.handle")
def handle(user: Any, appeal: Any) -> bool:
    """Accept, return, extend, reply: the assigned department's handlers; with no
    department (township fallback), the staff of the appeal's township."""
    if not has_capability(user, "appeals.handle"):
        return False
    if appeal.department_id is not None:
        return bool(user.department_id == appeal.department_id)
    return covers(user, HANDLE_IN_REGION, appeal)


@action("appeals.route")
def route(user: Any, appeal: Any) -> bool:
    """Re-assign a returned appeal: a county administrator whose region holds it."""
    return covers(user, ROUTE_IN_REGION, appeal)


@action("appeals.rate")
def rate(user: Any, appeal: Any) -> bool:
    """Rate or withdraw: only the worker who raised the appeal."""
    return user.role == "worker" and covers(user, OWN_APPEAL, appeal)


@action("appeals.file_in_region")
def file_in_region(user: Any, region: Any, worker: Any = None) -> bool:
    """May this account file an appeal for `region`? A worker only for the region of
    their own record; staff in their region subtree; accounts with no region scope
    (platform companies, systems) anywhere, having a submit capability (checked first)."""
    if user.role == "worker":
        return worker is not None and bool(worker.region_id) and region.pk == worker.region_id
    if not user.scope_region_id:
        return True
    return covers(user, FILE_IN_REGION, region)


def route_filter(user: Any) -> Any:
    """Q for departments and routing rules in the router's region subtree."""
    return scope_filter(user, ROUTE_IN_REGION)
