"""Roles and what each may do: data, not code paths (DESIGN §2, 三员分立).

Business roles act inside a scope (an organisation subtree, a region or a department).
The three administrators have disjoint powers and no business capability: the system
administrator manages accounts and the calendar, the security administrator unlocks
accounts and reviews login security, the audit administrator reads the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    INDUSTRY_ADMIN = "industry_admin", _("行业党委管理员")
    TOWNSHIP_ADMIN = "township_admin", _("乡镇（街道）管理员")
    BRANCH_SECRETARY = "branch_secretary", _("党支部书记")
    DEPARTMENT_HANDLER = "department_handler", _("部门承办人")
    INSPECTOR = "inspector", _("督导检查员")
    WORKER = "worker", _("新就业群体")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("安全审计员")
    API_CLIENT = "api_client", _("接口账号（平台企业/外部系统）")


class ScopeKind(models.TextChoices):
    REGION = "region", "属地（区域）"
    ORGANIZATION = "organization", "党组织（行业条线）"
    DEPARTMENT = "department", "部门"
    SELF = "self", "本人"
    NONE = "none", "无业务范围"


BUSINESS_VIEW = {"console.view", "org.view", "people.view", "recruitment.view"}
# recruitment.review: the higher committee reviews steps recorded late (REC-ORDER).
BUSINESS_CHANGE = {
    "org.change",
    "people.change",
    "pii.reveal",
    "recruitment.change",
    "recruitment.review",
}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset(
        BUSINESS_VIEW | BUSINESS_CHANGE | {"recruitment.rules", "org.rules", "points.rules"}
    ),
    Role.INDUSTRY_ADMIN: frozenset(BUSINESS_VIEW | BUSINESS_CHANGE),
    Role.TOWNSHIP_ADMIN: frozenset(BUSINESS_VIEW | BUSINESS_CHANGE),
    Role.BRANCH_SECRETARY: frozenset(BUSINESS_VIEW | {"people.change", "recruitment.change"}),
    Role.DEPARTMENT_HANDLER: frozenset({"console.view", "appeals.handle"}),
    Role.INSPECTOR: frozenset(BUSINESS_VIEW),
    Role.WORKER: frozenset({"portal.use"}),
    Role.SYSTEM_ADMIN: frozenset({"admin.console", "accounts.manage", "calendar.manage"}),
    # The security administrator approves what the system administrator proposes
    # (accounts/separation.py) and resets passwords; it reads the account list, not data.
    Role.SECURITY_ADMIN: frozenset({"admin.console", "security.manage", "accounts.approve"}),
    Role.AUDIT_ADMIN: frozenset({"admin.console", "audit.view"}),
    # A platform company's or another system's API account: it submits appeals and pushes
    # the rosters of the platforms that list it (members.Platform.api_users); it reads
    # no business data of its own accord.
    Role.API_CLIENT: frozenset({"api.client", "appeals.submit"}),
}

# Issue 7: stations, appointments, study, activity sign-ups (worker services).
_WORKER_SERVICES: dict[str, set[str]] = {
    Role.COUNTY_ADMIN: {
        "stations.view",
        "stations.manage",
        "appointments.manage",
        "study.manage",
        "activities.view",
        "activities.manage",
    },
    Role.INDUSTRY_ADMIN: {"stations.view", "activities.view", "activities.manage"},
    Role.TOWNSHIP_ADMIN: {
        "stations.view",
        "stations.manage",
        "activities.view",
        "activities.manage",
    },
    Role.BRANCH_SECRETARY: {"activities.view", "activities.manage"},
    Role.DEPARTMENT_HANDLER: {"appointments.provide"},
    Role.INSPECTOR: {"stations.view", "activities.view"},
}
for _role, _caps in _WORKER_SERVICES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | _caps

# Appeals (issue 6): view/KPI in scope; handle (department, or township fallback); intake by
# hotline staff; re-route returned appeals (county); the development SMS outbox (sysadmin).
APPEAL_CAPABILITIES: dict[str, set[str]] = {
    Role.COUNTY_ADMIN: {"appeals.view", "appeals.kpi", "appeals.intake", "appeals.route"},
    Role.INDUSTRY_ADMIN: {"appeals.view", "appeals.kpi"},
    Role.TOWNSHIP_ADMIN: {"appeals.view", "appeals.kpi", "appeals.intake", "appeals.handle"},
    Role.DEPARTMENT_HANDLER: {"appeals.view", "appeals.kpi", "appeals.handle"},
    Role.INSPECTOR: {"appeals.view", "appeals.kpi"},
    Role.WORKER: {"appeals.submit"},
    Role.SYSTEM_ADMIN: {"sms.outbox"},
}
for _role, _caps in APPEAL_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | _caps

# Coverage planning (issue 18, PLAN-1): where to put the next branch or station. A
# region-scoped decision: the county and townships plan and save; the inspector reads.
PLANNING_CAPABILITIES: dict[str, set[str]] = {
    Role.COUNTY_ADMIN: {"planning.view", "planning.save"},
    Role.TOWNSHIP_ADMIN: {"planning.view", "planning.save"},
    Role.INSPECTOR: {"planning.view"},
}
for _role, _caps in PLANNING_CAPABILITIES.items():
    CAPABILITIES[_role] = CAPABILITIES[_role] | _caps

SCOPE_OF_ROLE: dict[str, str] = {
    Role.COUNTY_ADMIN: ScopeKind.REGION,
    Role.INDUSTRY_ADMIN: ScopeKind.ORGANIZATION,
    Role.TOWNSHIP_ADMIN: ScopeKind.REGION,
    Role.BRANCH_SECRETARY: ScopeKind.ORGANIZATION,
    Role.DEPARTMENT_HANDLER: ScopeKind.DEPARTMENT,
    Role.INSPECTOR: ScopeKind.REGION,
    Role.WORKER: ScopeKind.SELF,
    Role.SYSTEM_ADMIN: ScopeKind.NONE,
    Role.SECURITY_ADMIN: ScopeKind.NONE,
    Role.AUDIT_ADMIN: ScopeKind.NONE,
    Role.API_CLIENT: ScopeKind.NONE,
}

STAFF_ROLES = frozenset(r for r in Role.values if r not in (Role.WORKER, Role.API_CLIENT))


def capabilities_of(role: str) -> frozenset[str]:
    return CAPABILITIES.get(role, frozenset())


def has_capability(user: Any, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in capabilities_of(user.role)
