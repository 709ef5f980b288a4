"""The console's navigation: one list, filtered by the user's capabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_noop

from gigbranch.accounts.roles import has_capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: str
    section: str


# Labels and sections are message ids, translated when the menu is built.
NAV_ITEMS: list[NavItem] = [
    NavItem(gettext_noop("工作台"), "home", "console.view", gettext_noop("综合")),
    # cockpit: reports and ledgers generated from the records, and the big screen
    NavItem(gettext_noop("工作报告与台账"), "cockpit:reports", "org.view", gettext_noop("综合")),
    NavItem(gettext_noop("大屏"), "cockpit:screen", "console.view", gettext_noop("综合")),
    NavItem(gettext_noop("组织体系"), "organizations:tree", "org.view", gettext_noop("组织建设")),
    NavItem(
        gettext_noop("企业与站点"), "organizations:workplaces", "org.view", gettext_noop("组织建设")
    ),
    NavItem(
        gettext_noop("覆盖情况"), "organizations:coverage", "org.view", gettext_noop("组织建设")
    ),
    NavItem(
        gettext_noop("党建工作指导员"),
        "organizations:instructors",
        "org.view",
        gettext_noop("组织建设"),
    ),
    NavItem(
        gettext_noop("问题清单"), "organizations:findings", "org.view", gettext_noop("组织建设")
    ),
    # Coverage planning (issue 18): where to put the next branch or station.
    NavItem(gettext_noop("选址规划"), "planning:index", "planning.view", gettext_noop("组织建设")),
    NavItem(gettext_noop("劳动者"), "members:workers", "people.view", gettext_noop("人员管理")),
    NavItem(
        gettext_noop("花名册导入"), "members:imports", "people.change", gettext_noop("人员管理")
    ),
    NavItem(gettext_noop("党员"), "members:members", "people.view", gettext_noop("人员管理")),
    NavItem(
        gettext_noop("组织关系转接"), "members:transfers", "people.view", gettext_noop("人员管理")
    ),
    NavItem(
        gettext_noop("党费台账"), "members:dues_ledger", "people.view", gettext_noop("人员管理")
    ),
    NavItem(
        gettext_noop("示范岗与先锋队"), "members:honours", "people.view", gettext_noop("人员管理")
    ),
    NavItem(
        gettext_noop("积分规则"), "members:point_rules", "people.view", gettext_noop("人员管理")
    ),
    NavItem(
        gettext_noop("发展党员"),
        "recruitment:overview",
        "recruitment.view",
        gettext_noop("人员管理"),
    ),
    NavItem(
        gettext_noop("发展党员档案"),
        "recruitment:cases",
        "recruitment.view",
        gettext_noop("人员管理"),
    ),
    NavItem(gettext_noop("诉求办理"), "appeals:list", "appeals.view", gettext_noop("诉求服务")),
    NavItem(gettext_noop("办理考核"), "appeals:kpi", "appeals.kpi", gettext_noop("诉求服务")),
    NavItem(gettext_noop("派单规则"), "appeals:routing", "appeals.route", gettext_noop("诉求服务")),
    NavItem(
        gettext_noop("消息通知"), "appeals:notifications", "appeals.view", gettext_noop("诉求服务")
    ),
    NavItem(gettext_noop("服务站点"), "stations:list", "stations.view", gettext_noop("服务阵地")),
    NavItem(
        gettext_noop("预约服务"),
        "stations:providers",
        "appointments.manage",
        gettext_noop("服务阵地"),
    ),
    NavItem(
        gettext_noop("预约服务"),
        "stations:providers",
        "appointments.provide",
        gettext_noop("服务阵地"),
    ),
    NavItem(
        gettext_noop("学习资料"), "stations:articles", "study.manage", gettext_noop("服务阵地")
    ),
    NavItem(
        gettext_noop("活动报名"), "activities:list", "activities.view", gettext_noop("服务阵地")
    ),
    NavItem(
        gettext_noop("账号管理"), "accounts:users", "accounts.manage", gettext_noop("系统管理")
    ),
    NavItem(
        gettext_noop("账号审批"), "accounts:changes", "accounts.manage", gettext_noop("系统管理")
    ),
    NavItem(
        gettext_noop("开发环境短信"), "appeals:sms_outbox", "sms.outbox", gettext_noop("系统管理")
    ),
    NavItem(
        gettext_noop("接口令牌"), "accounts:api_tokens", "accounts.manage", gettext_noop("系统管理")
    ),
    NavItem(gettext_noop("工作日历"), "core:calendar", "calendar.manage", gettext_noop("系统管理")),
    NavItem(
        gettext_noop("登录安全"), "accounts:security", "security.manage", gettext_noop("安全管理")
    ),
    NavItem(
        gettext_noop("账号审批"), "accounts:changes", "accounts.approve", gettext_noop("安全管理")
    ),
    NavItem(
        gettext_noop("账号与密码重置"),
        "accounts:users",
        "accounts.approve",
        gettext_noop("安全管理"),
    ),
    NavItem(gettext_noop("审计日志"), "core:audit", "audit.view", gettext_noop("安全审计")),
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
