"""Standard ledgers (台账) as Excel, generated from the records (BURDEN-1): one workbook per
ledger, always with the same columns, rows in the user's scope. Ledgers another page
already exports (organisations, workplaces, dues, appeal KPIs) are linked, not copied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.activities.models import Activity
from gigbranch.appeals.models import Appeal
from gigbranch.core.xlsx import xlsx_bytes
from gigbranch.members import queries as member_queries
from gigbranch.recruitment.models import Case
from gigbranch.stations.models import Station


@dataclass(frozen=True)
class Ledger:
    key: str
    title: str
    capability: str
    headers: tuple[str, ...]
    rows: Callable[[Any], Iterable[Sequence[Any]]]

    def workbook(self, user: Any) -> tuple[bytes, int]:
        rows = list(self.rows(user))
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        heading = f"{self.title}（{user.scope_label}，{stamp} 由平台根据业务记录生成）"
        return xlsx_bytes(self.title, list(self.headers), rows, heading=heading), len(rows)


def _d(value: Any) -> str:
    return value.isoformat() if value else ""


def _dt(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _members(user: Any, *, mobile: bool) -> Iterable[Sequence[Any]]:
    qs = (
        member_queries.registered_members(user)
        if not mobile
        else (
            member_queries.registered_members(user) | member_queries.inflow_mobile_members(user)
        ).filter(is_mobile=True)
    )
    qs = qs.select_related("worker", "worker__workplace", "organization").order_by(
        "organization__path", "worker__name", "pk"
    )
    for m in qs:
        base = [
            m.worker.name,
            m.organization.name if m.organization_id else "（流入，未纳入本地党组织）",
            m.get_kind_display(),
            m.get_status_display(),
            _d(m.joined_on),
            _d(m.full_on),
            m.worker.workplace.name if m.worker.workplace_id else "",
        ]
        if mobile:
            base += [
                m.outflow_org_name,
                m.certificate_number,
                _d(m.certificate_valid_until),
                "是" if m.reported_here else "否",
            ]
        yield base


def _recruitment(user: Any) -> Iterable[Sequence[Any]]:
    qs = (
        Case.objects.visible_to(user)
        .select_related("worker", "organization")
        .order_by("organization__path", "application_date", "pk")
    )
    for c in qs:
        yield [
            c.worker.name,
            c.organization.name,
            c.get_status_display(),
            c.stage,
            c.last_step,
            _d(c.application_date),
            _d(c.activist_date),
            _d(c.candidate_date),
            _d(c.approval_date),
            _d(c.probation_end),
        ]


def _appeals(user: Any) -> Iterable[Sequence[Any]]:
    year_start = timezone.localdate().replace(month=1, day=1)
    qs = (
        Appeal.objects.visible_to(user)
        .filter(received_at__date__gte=year_start)
        .select_related("category", "region", "department")
        .order_by("received_at", "pk")
    )
    for a in qs:
        yield [
            a.tracking_no,
            _dt(a.received_at),
            a.category.name if a.category_id else "",
            a.region.name if a.region_id else "",
            a.department.name if a.department_id else "",
            a.get_status_display(),
            _dt(a.accepted_at),
            _dt(a.replied_at),
            a.get_satisfaction_display() if a.satisfaction else "",
        ]


def _stations(user: Any) -> Iterable[Sequence[Any]]:
    since = timezone.now() - dt.timedelta(days=30)
    qs = (
        Station.objects.visible_to(user)
        .select_related("region")
        .annotate(n=Count("checkins", filter=Q(checkins__created_at__gte=since)))
        .order_by("region__path", "name", "pk")
    )
    for s in qs:
        yield [
            s.name,
            s.region.name if s.region_id else "",
            s.address,
            "启用" if s.is_active else "停用",
            s.n,  # type: ignore[attr-defined]
        ]


def _activities(user: Any) -> Iterable[Sequence[Any]]:
    qs = (
        Activity.objects.visible_to(user)
        .select_related("organization", "region")
        .annotate(n=Count("signups", filter=Q(signups__status="confirmed")))
        .order_by("starts_at", "pk")
    )
    for a in qs:
        yield [
            a.title,
            a.organization.name if a.organization_id else "",
            a.region.name if a.region_id else "",
            a.place,
            _dt(a.starts_at),
            _dt(a.ends_at),
            a.capacity,
            a.n,  # type: ignore[attr-defined]
            a.get_status_display(),
        ]


LEDGERS: dict[str, Ledger] = {
    ledger.key: ledger
    for ledger in (
        Ledger(
            "members",
            "党员台账",
            "people.view",
            ("姓名", "所在党组织", "党员类别", "状态", "入党日期", "转正日期", "工作单位"),
            lambda user: _members(user, mobile=False),
        ),
        Ledger(
            "mobile_members",
            "流动党员台账",
            "people.view",
            (
                "姓名",
                "所在党组织",
                "党员类别",
                "状态",
                "入党日期",
                "转正日期",
                "工作单位",
                "流出地党组织",
                "流动党员活动证编号",
                "活动证有效期至",
                "已报到",
            ),
            lambda user: _members(user, mobile=True),
        ),
        Ledger(
            "recruitment",
            "发展党员登记簿",
            "recruitment.view",
            (
                "姓名",
                "党组织",
                "状态",
                "所处阶段",
                "已完成步骤",
                "递交申请书日期",
                "确定为积极分子日期",
                "确定为发展对象日期",
                "批准为预备党员日期",
                "预备期满日期",
            ),
            _recruitment,
        ),
        Ledger(
            "appeals",
            "诉求办理台账（本年度）",
            "appeals.view",
            (
                "编号",
                "受理时间",
                "类别",
                "区域",
                "承办部门",
                "状态",
                "受理时间（部门）",
                "答复时间",
                "评价",
            ),
            _appeals,
        ),
        Ledger(
            "stations",
            "服务驿站台账",
            "stations.view",
            ("驿站名称", "所在区域", "地址", "状态", "近30天到站人次"),
            _stations,
        ),
        Ledger(
            "activities",
            "活动台账",
            "activities.view",
            (
                "活动名称",
                "主办党组织",
                "区域",
                "地点",
                "开始时间",
                "结束时间",
                "名额",
                "报名确认人数",
                "状态",
            ),
            _activities,
        ),
    )
}


def available(user: Any) -> list[dict[str, str]]:
    """The ledgers the user may download: the cockpit's and the other pages' exports."""
    out = [
        {"title": ledger.title, "url": reverse("cockpit:ledger", args=[ledger.key])}
        for ledger in LEDGERS.values()
        if has_capability(user, ledger.capability)
    ]
    if has_capability(user, "org.change"):
        out.insert(
            0,
            {"title": "党组织台账", "url": reverse("organizations:export", args=["organizations"])},
        )
        out.insert(
            1,
            {
                "title": "企业站点与覆盖台账",
                "url": reverse("organizations:export", args=["workplaces"]),
            },
        )
    if has_capability(user, "people.view"):
        out.append({"title": "党费台账", "url": reverse("members:dues_ledger")})
    if has_capability(user, "appeals.kpi"):
        out.append({"title": "诉求办理考核表", "url": reverse("appeals:kpi_export")})
    return out
