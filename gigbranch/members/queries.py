"""Multi-model reads of the people domain: worker search and the dues ledger."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from gigbranch.core.fields import blind_index
from gigbranch.core.figures import Figure, index
from gigbranch.core.xlsx import xlsx_bytes
from gigbranch.organizations.models import Organization, Workplace

from . import consent, policy
from .models import MemberKind, MemberStatus, PartyMember, Worker, WorkerStatus

_ID = re.compile(r"^\d{17}[\dXx]$")
_LAST4 = re.compile(r"^\d{3}[\dXx]$")
_MOBILE = re.compile(r"^1\d{10}$")


def _worker_match(q: str, prefix: str = "") -> Q:
    """The worker condition for a search text: last 4 ID digits, a full ID or a mobile
    number through their blind indexes, else a name prefix as an index range (works on
    SQLite and PostgreSQL alike). `prefix` reaches the worker from another model."""
    if _LAST4.match(q):
        return Q(**{f"{prefix}id_last4_hash": blind_index(q.upper(), context="id_last4")})
    if _ID.match(q):
        return Q(**{f"{prefix}id_number_hash": blind_index(q.upper(), context="id_number")})
    if _MOBILE.match(q):
        return Q(**{f"{prefix}mobile_hash": blind_index(q, context="mobile")})
    return Q(**{f"{prefix}name__gte": q, f"{prefix}name__lt": q + "\U0010ffff"})


def search_workers(
    user: Any, *, q: str = "", status: str = "", political: str = "", workplace: str = ""
) -> QuerySet[Worker]:
    """Search within the user's scope: name (prefix, index range), last 4 digits of the ID,
    a full ID or mobile number (blind index), workplace name, status, political status
    (only among workers whose political status the user may see). No plaintext search
    is possible on encrypted fields; exact lookups go through the blind indexes."""
    qs = Worker.objects.visible_to(user)
    q = q.strip()
    if q:
        qs = qs.filter(_worker_match(q))
    if status:
        qs = qs.filter(status=status)
    if political:
        # PIPL arts. 28–29: never filter on a status the user may not see (members.consent).
        qs = consent.filter_political_status(user, qs, political)
    if workplace:
        qs = qs.filter(
            workplace__in=Workplace.objects.filter(name__contains=workplace).values("pk")
        )
    return qs.order_by("id")


# --- Headline figures (core.figures): one definition each ---------------------------------

# A member in standing: 正常 or 失去联系 (still a member until a decision under MOB-4);
# 停止党籍 and 已出党 are not counted as members.
MEMBERS_IN_STANDING = (MemberStatus.NORMAL, MemberStatus.LOST_CONTACT)


# 正式党员 as a condition, for counts aggregated per organisation or workplace (detail
# pages, ledgers): the same members as `full_members` below.
FULL_MEMBER_Q = Q(organization__isnull=False, kind=MemberKind.FULL, status__in=MEMBERS_IN_STANDING)


def active_workers(user: Any) -> QuerySet[Worker]:
    """在岗劳动者: worker records in the user's scope with status 在岗. Workers who left stay
    on the roster as 已离职 and are not counted; this is not the workplaces' reported
    headcount (报告从业人数, organizations.queries)."""
    return Worker.objects.visible_to(user).filter(status=WorkerStatus.ACTIVE)


def registered_members(user: Any) -> QuerySet[PartyMember]:
    """在册党员: members in the user's scope whose membership (组织关系) is held by a county
    organisation and who are in standing, whatever their job status (a member who leaves
    a job stays a member). Not counted: inflow mobile members (membership held elsewhere),
    members transferred out, 停止党籍 and 已出党."""
    return PartyMember.objects.visible_to(user).filter(
        organization__isnull=False, status__in=MEMBERS_IN_STANDING
    )


def full_members(user: Any) -> QuerySet[PartyMember]:
    """正式党员 among the registered members (FULL_MEMBER_Q)."""
    return PartyMember.objects.visible_to(user).filter(FULL_MEMBER_Q)


def probationary_members(user: Any) -> QuerySet[PartyMember]:
    """预备党员 among the registered members."""
    return registered_members(user).filter(kind=MemberKind.PROBATIONARY)


def inflow_mobile_members(user: Any) -> QuerySet[PartyMember]:
    """流入流动党员: members in standing working here whose membership is held by an
    organisation outside the county (MOB-2)."""
    return PartyMember.objects.visible_to(user).filter(
        is_mobile=True, organization__isnull=True, status__in=MEMBERS_IN_STANDING
    )


WORKER_FIGURES = index(
    [
        Figure(
            key="active_workers",
            label="在岗劳动者",
            unit="人",
            definition="劳动者档案中状态为“在岗”的人数，不含已离职人员；不同于企业/站点报告的从业人数。",
            capability="people.view",
            url_name="members:workers",
            api_path="members/workers",
            queryset=active_workers,
        ),
    ]
)

MEMBER_FIGURES = index(
    [
        Figure(
            key="full_members",
            label="正式党员",
            unit="人",
            definition="组织关系在本县党组织的正式党员（含失去联系的），不含流入流动党员、已转出、停止党籍和已出党人员。",
            capability="people.view",
            url_name="members:members",
            api_path="members/party-members",
            queryset=full_members,
        ),
        Figure(
            key="probationary_members",
            label="预备党员",
            unit="人",
            definition="组织关系在本县党组织的预备党员（含失去联系的），不含流入流动党员、已转出、停止党籍和已出党人员。",
            capability="people.view",
            url_name="members:members",
            api_path="members/party-members",
            queryset=probationary_members,
        ),
        Figure(
            key="inflow_mobile_members",
            label="流入流动党员",
            unit="人",
            definition="在本县从业、组织关系在县外党组织的党员（持流动党员活动证或待转接），不计入正式、预备党员数。",
            capability="people.view",
            url_name="members:members",
            api_path="members/party-members",
            queryset=inflow_mobile_members,
        ),
    ]
)


MEMBER_PICK_LIMIT = 20


def search_members(user: Any, *, q: str, limit: int = MEMBER_PICK_LIMIT) -> list[PartyMember]:
    """Party members in the user's scope (PartyMember's own scope) matching a name prefix,
    the last 4 ID digits, a full ID or a mobile number; members who have left are not
    offered. At most `limit` + 1 rows are read, so the caller can tell there were more.
    An empty search finds nobody: pickers never list a whole county."""
    q = q.strip()
    if not q:
        return []
    return list(
        PartyMember.objects.visible_to(user)
        .exclude(status=MemberStatus.LEFT)
        .filter(_worker_match(q, "worker__"))
        .select_related("worker", "worker__workplace", "organization")
        .order_by("worker__name", "pk")[: limit + 1]
    )


@dataclass
class LedgerRow:
    member: PartyMember
    rule: str
    monthly: Decimal | None
    due_total: Decimal
    paid_total: Decimal
    arrears: Decimal
    unpaid_run: int


def dues_ledger_members(
    user: Any, *, year: int, organization: Organization | None = None
) -> QuerySet[PartyMember]:
    """The members of the ledger, in scope, with exactly the year's assessment
    prefetched (build the rows with `dues_ledger_rows`)."""
    from .models import DuesAssessment

    qs = (
        PartyMember.objects.visible_to(user)
        .select_related("worker", "organization")
        # Only what a row shows: loading whole workers would decrypt every ID number and
        # mobile number on the page for nothing.
        .only("worker__name", "organization__name", "outflow_org_name", "joined_on", "kind")
        .prefetch_related(
            Prefetch(
                "dues_assessments",
                queryset=DuesAssessment.objects.filter(year=year),
                to_attr="ledger_assessments",
            )
        )
        .order_by("organization_id", "id")
    )
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs


LEDGER_ID_BATCH = 900  # under SQLite's oldest limit on query parameters


def _payments_by_member(
    member_ids: list[int], *, year: int
) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """The year's payments of the given members as (month, amount) pairs: plain rows, one
    query per 900 members."""
    from .models import DuesPayment

    out: dict[int, list[tuple[dt.date, Decimal]]] = {pk: [] for pk in member_ids}
    for i in range(0, len(member_ids), LEDGER_ID_BATCH):
        rows = DuesPayment.objects.filter(
            member_id__in=member_ids[i : i + LEDGER_ID_BATCH],
            month__gte=dt.date(year, 1, 1),
            month__lte=dt.date(year, 12, 1),
        ).values_list("member_id", "month", "amount")
        for member_id, month, amount in rows:
            out[member_id].append((month, amount))
    return out


def dues_ledger_rows(members: Iterable[PartyMember], *, year: int) -> list[LedgerRow]:
    """One row per member (from `dues_ledger_members`): rule, monthly amount, due, paid,
    arrears and the run of unpaid months (DUES-6), all to date. A page of rows costs the
    same few queries however many rows it shows."""
    from .services.dues import due_months, paid_months

    members = list(members)
    payments = _payments_by_member([m.pk for m in members], year=year)
    until = min(dt.date(year, 12, 31), timezone.localdate())
    rows = []
    for m in members:
        assessments = m.ledger_assessments  # type: ignore[attr-defined]
        assessment = assessments[0] if assessments else None
        due = due_months(assessments, vote_date=m.joined_on, until=until)
        paid = paid_months(payments[m.pk])
        due_total = sum(due.values(), Decimal(0))
        paid_total = sum(paid.values(), Decimal(0))
        arrears = sum((v for _, v in policy.arrears(due=due, paid=paid)), Decimal(0))
        # DUES-6 looks at the months due this year; only payments for those months count.
        run = policy.consecutive_unpaid_months(
            due_months=[k for k, v in due.items() if v > 0], paid_months=paid
        )
        rows.append(
            LedgerRow(
                m,
                assessment.get_rule_display() if assessment else "未核定",
                assessment.monthly_amount if assessment else None,
                due_total,
                paid_total,
                arrears,
                run,
            )
        )
    return rows


def dues_ledger(
    user: Any, *, year: int, organization: Organization | None = None
) -> list[LedgerRow]:
    """Every row of the ledger (the Excel export)."""
    return dues_ledger_rows(
        dues_ledger_members(user, year=year, organization=organization), year=year
    )


def dues_ledger_xlsx(
    rows: list[LedgerRow], *, year: int, organization: Organization | None
) -> bytes:
    headers = [
        "姓名",
        "所在党组织",
        "党员类别",
        "计算依据",
        "月交纳额",
        "应交合计",
        "已交合计",
        "欠交",
        "连续未交月数",
    ]
    return xlsx_bytes(
        f"{year}年党费台账",
        headers,
        (
            [
                r.member.worker.name,
                r.member.organization.name if r.member.organization else r.member.outflow_org_name,
                r.member.get_kind_display(),
                r.rule,
                r.monthly,
                r.due_total,
                r.paid_total,
                r.arrears,
                r.unpaid_run,
            ]
            for r in rows
        ),
        heading=f"{organization.name if organization else '全部党组织'} {year}年度党费收缴台账",
    )
