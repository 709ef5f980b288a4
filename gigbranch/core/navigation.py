"""The console's navigation: one list, filtered by the user's capabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from gigbranch.accounts.roles import has_capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: str
    section: str


NAV_ITEMS: list[NavItem] = [
    NavItem("工作台", "home", "console.view", "综合"),
    NavItem("组织体系", "organizations:tree", "org.view", "组织建设"),
    NavItem("企业与站点", "organizations:workplaces", "org.view", "组织建设"),
    NavItem("覆盖情况", "organizations:coverage", "org.view", "组织建设"),
    NavItem("党建工作指导员", "organizations:instructors", "org.view", "组织建设"),
    NavItem("问题清单", "organizations:findings", "org.view", "组织建设"),
    NavItem("劳动者", "members:workers", "people.view", "人员管理"),
    NavItem("花名册导入", "members:imports", "people.change", "人员管理"),
    NavItem("党员", "members:members", "people.view", "人员管理"),
    NavItem("组织关系转接", "members:transfers", "people.view", "人员管理"),
    NavItem("党费台账", "members:dues_ledger", "people.view", "人员管理"),
    NavItem("示范岗与先锋队", "members:honours", "people.view", "人员管理"),
    NavItem("积分规则", "members:point_rules", "people.view", "人员管理"),
    NavItem("发展党员", "recruitment:overview", "recruitment.view", "人员管理"),
    NavItem("发展党员档案", "recruitment:cases", "recruitment.view", "人员管理"),
    NavItem("诉求办理", "appeals:list", "appeals.view", "诉求服务"),
    NavItem("办理考核", "appeals:kpi", "appeals.kpi", "诉求服务"),
    NavItem("派单规则", "appeals:routing", "appeals.route", "诉求服务"),
    NavItem("消息通知", "appeals:notifications", "appeals.view", "诉求服务"),
    NavItem("服务站点", "stations:list", "stations.view", "服务阵地"),
    NavItem("预约服务", "stations:providers", "appointments.manage", "服务阵地"),
    NavItem("预约服务", "stations:providers", "appointments.provide", "服务阵地"),
    NavItem("学习资料", "stations:articles", "study.manage", "服务阵地"),
    NavItem("活动报名", "activities:list", "activities.view", "服务阵地"),
    NavItem("账号管理", "accounts:users", "accounts.manage", "系统管理"),
    NavItem("账号审批", "accounts:changes", "accounts.manage", "系统管理"),
    NavItem("开发环境短信", "appeals:sms_outbox", "sms.outbox", "系统管理"),
    NavItem("接口令牌", "accounts:api_tokens", "accounts.manage", "系统管理"),
    NavItem("工作日历", "core:calendar", "calendar.manage", "系统管理"),
    NavItem("登录安全", "accounts:security", "security.manage", "安全管理"),
    NavItem("账号审批", "accounts:changes", "accounts.approve", "安全管理"),
    NavItem("账号与密码重置", "accounts:users", "accounts.approve", "安全管理"),
    NavItem("审计日志", "core:audit", "audit.view", "安全审计"),
]


def nav_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    sections: dict[str, list[dict[str, Any]]] = {}
    for item in NAV_ITEMS:
        if not has_capability(user, item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(gettext(item.section), []).append(
            {"label": gettext(item.label), "url": url, "active": False}
        )
    # The active entry is the one whose URL is the longest prefix of the current path.
    candidates = [
        entry
        for items in sections.values()
        for entry in items
        if (
            current_path == entry["url"]
            if entry["url"] == "/"
            else current_path.startswith(entry["url"])
        )
    ]
    if candidates:
        max(candidates, key=lambda entry: len(entry["url"]))["active"] = True
    return [{"section": name, "items": items} for name, items in sections.items()]
