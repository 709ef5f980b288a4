"""One demo account per role (DEMO_PASSWORD), scoped to the demo county."""

from __future__ import annotations

from typing import Any

from gigbranch.accounts import services as account_services
from gigbranch.accounts.roles import Role
from gigbranch.members.models import (
    Worker,
)
from gigbranch.organizations.models import (
    Department,
    Organization,
    Region,
    WorkplaceKind,
)

from .data import DEMO_PASSWORD


def seed_accounts(
    *,
    county: Region,
    towns: list[Region],
    industry: Organization,
    departments: list[Department],
    own_branches: list[Organization],
) -> list[tuple[str, str, str]]:
    users: list[tuple[str, str, str]] = []
    chengguan, qingshi = towns[0], towns[5]
    rider = (
        Worker.objects.filter(workplace__kind=WorkplaceKind.DELIVERY_STATION).order_by("id").first()
    )
    sample_branch = own_branches[0] if own_branches else None
    accounts: list[tuple[str, str, str, dict[str, Any], str]] = [
        (
            "county",
            "县级管理员（组织部）",
            Role.COUNTY_ADMIN,
            {"scope_region": county},
            "县委组织部 陈志远",
        ),
        (
            "industry",
            "行业党委管理员",
            Role.INDUSTRY_ADMIN,
            {"scope_organization": industry},
            "行业党委 周建华",
        ),
        (
            "chengguan",
            "乡镇（街道）管理员：城关街道",
            Role.TOWNSHIP_ADMIN,
            {"scope_region": chengguan},
            "城关街道 李晓梅",
        ),
        (
            "qingshi",
            "乡镇（街道）管理员：青石镇",
            Role.TOWNSHIP_ADMIN,
            {"scope_region": qingshi},
            "青石镇 王海军",
        ),
        (
            "branch",
            "党支部书记",
            Role.BRANCH_SECRETARY,
            {"scope_organization": sample_branch},
            "支部书记 刘建军",
        ),
        (
            "renshe",
            "部门承办人（人社局）",
            Role.DEPARTMENT_HANDLER,
            {"department": departments[1]},
            "人社局 赵敏",
        ),
        ("inspector", "督导检查员", Role.INSPECTOR, {"scope_region": county}, "督导组 孙立新"),
        ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, {}, "系统管理员"),
        ("secadmin", "安全管理员", Role.SECURITY_ADMIN, {}, "安全管理员"),
        ("auditor", "安全审计员", Role.AUDIT_ADMIN, {}, "安全审计员"),
    ]
    for username, label, role, scope, full_name in accounts:
        account_services.create_user(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            full_name=full_name,
            **scope,
        )
        users.append((username, label, DEMO_PASSWORD))
    if rider is not None:
        account_services.create_user(
            actor=None,
            username="rider",
            password=DEMO_PASSWORD,
            role=Role.WORKER,
            full_name=rider.name,
            worker=rider,
        )
    return users
