"""/api/v1/members: roster push for platform companies, masked worker reads, audited reveal.

A platform's API account (Platform.api_users) pushes only to its own workplaces; staff
accounts need people.change and act within their scope. ID numbers and mobiles are always
masked; the unmasked value is returned only by /reveal with pii.reveal, and audited.
Political status is sensitive (PIPL arts. 28–29): it is returned only where
`members.consent` discloses it to the caller, else as "undisclosed" / "未授权".
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from gigbranch.accounts.roles import has_capability
from gigbranch.api.pagination import PersonalDataPagination
from gigbranch.core.figures import chosen
from gigbranch.members import consent, queries, services
from gigbranch.members.models import PartyMember, Platform, Worker
from gigbranch.members.services import roster as roster_services

router = Router(tags=["劳动者与党员"])


class RosterRowIn(Schema):
    platform_worker_id: str = Field(min_length=1, max_length=40, description="平台工号（幂等键）")
    name: str = Field(min_length=1, max_length=40)
    id_number: str = Field(min_length=15, max_length=18, description="公民身份号码")
    mobile: str = Field("", max_length=20)
    workplace: str = Field(min_length=1, max_length=120, description="所属站点名称（须属于本平台）")
    occupation: str = Field("", max_length=24, description="职业：编码或中文名")
    started_on: dt.date | None = None
    political_status: str = Field("", max_length=20)
    hometown: str = Field("", max_length=40)
    union_member: bool = False


class RosterPushIn(Schema):
    platform_id: int | None = Field(None, description="平台；平台接口账号可省略")
    rows: list[RosterRowIn] = Field(min_length=1, max_length=5000)


class RowErrorOut(Schema):
    index: int
    field: str
    reason: str


class RosterPushOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]


class WorkerOut(Schema):
    id: int
    name: str
    id_number_masked: str
    mobile_masked: str
    sex: str
    occupation: str
    political_status: str = Field(
        description="政治面貌编码；未取得本人单独同意（且非本系统党员）时为 undisclosed"
    )
    political_status_label: str = Field(description="政治面貌；未授权时为“未授权”")
    platform_worker_id: str
    workplace_id: int | None
    region_id: int
    status: str

    @staticmethod
    def resolve_id_number_masked(obj: Worker) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_mobile_masked(obj: Worker) -> str:
        return obj.masked_mobile

    @staticmethod
    def resolve_political_status(obj: Worker) -> str:
        # Annotated by consent.with_political_disclosure; missing means not disclosed.
        if getattr(obj, "political_disclosed", False):
            return obj.political_status
        return consent.UNDISCLOSED

    @staticmethod
    def resolve_political_status_label(obj: Worker) -> str:
        if getattr(obj, "political_disclosed", False):
            return obj.get_political_status_display()
        return consent.UNDISCLOSED_LABEL


class RevealIn(Schema):
    field: str = Field(pattern="^(id_number|mobile)$")


class RevealOut(Schema):
    field: str
    value: str


def _platform_for(request: Any, platform_id: int | None) -> Platform:
    user = request.auth
    own = list(Platform.objects.filter(api_users=user))
    if platform_id is None:
        if len(own) == 1:
            return own[0]
        raise PermissionDenied("请指定平台（platform_id）。")
    if any(p.pk == platform_id for p in own):
        return next(p for p in own if p.pk == platform_id)
    if not has_capability(user, "people.change"):
        raise PermissionDenied("该令牌无权推送此平台的花名册。")
    return get_object_or_404(Platform, pk=platform_id)


@router.post("/roster", response=RosterPushOut)
def push_roster(request: Any, payload: RosterPushIn) -> dict[str, Any]:
    """Idempotent upsert by platform worker ID; rows with errors are skipped and reported."""
    platform = _platform_for(request, payload.platform_id)
    rows = []
    for r in payload.rows:
        d = r.dict()
        d["union_member"] = "是" if d["union_member"] else "否"
        rows.append(d)
    return roster_services.push_rows(actor=request.auth, platform=platform, rows=rows)


@router.get("/workers", response=list[WorkerOut])
@paginate(PersonalDataPagination)
def list_workers(
    request: Any, q: str = "", status: str = "", workplace: str = "", figure: str = ""
) -> Any:
    """Workers in scope; `figure=active_workers` lists exactly the home page's 在岗劳动者."""
    qs = queries.search_workers(request.auth, q=q, status=status, workplace=workplace)
    chosen_figure = chosen(queries.WORKER_FIGURES, figure)
    if chosen_figure is not None:
        qs = qs & chosen_figure.rows(request.auth)
    return consent.with_political_disclosure(request.auth, qs)


class PartyMemberOut(Schema):
    id: int
    worker_id: int
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    organization_id: int | None
    is_mobile: bool

    @staticmethod
    def resolve_name(obj: PartyMember) -> str:
        return obj.worker.name

    @staticmethod
    def resolve_kind_label(obj: PartyMember) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj: PartyMember) -> str:
        return obj.get_status_display()


@router.get("/party-members", response=list[PartyMemberOut], summary="党员列表（本人数据范围内）")
@paginate(PersonalDataPagination)
def list_party_members(request: Any, figure: str = "") -> Any:
    """Party members in scope (people.view); `figure=full_members|probationary_members|
    inflow_mobile_members` lists exactly the rows behind the home page's figure."""
    if not has_capability(request.auth, "people.view"):
        raise PermissionDenied("无权查看党员信息。")
    chosen_figure = chosen(queries.MEMBER_FIGURES, figure)
    qs = (
        chosen_figure.rows(request.auth)
        if chosen_figure is not None
        else PartyMember.objects.visible_to(request.auth)
    )
    return qs.select_related("worker").order_by("pk")


@router.get("/workers/{worker_id}", response=WorkerOut)
def get_worker(request: Any, worker_id: int) -> Worker:
    qs = consent.with_political_disclosure(request.auth, Worker.objects.visible_to(request.auth))
    return get_object_or_404(qs, pk=worker_id)


@router.post("/workers/{worker_id}/reveal", response=RevealOut)
def reveal(request: Any, worker_id: int, payload: RevealIn) -> dict[str, str]:
    """The unmasked value; needs pii.reveal and writes an audit event."""
    worker = get_object_or_404(Worker.objects.visible_to(request.auth), pk=worker_id)
    value = services.reveal(actor=request.auth, worker=worker, field=payload.field)
    return {"field": payload.field, "value": value}
