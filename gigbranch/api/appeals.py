"""/api/v1/appeals: submission for platform companies and systems (APL-5 Idempotency-Key)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import Throttled
from ninja.pagination import paginate

from gigbranch.accounts.roles import has_capability
from gigbranch.api.pagination import PersonalDataPagination
from gigbranch.appeals import config, queries, services
from gigbranch.appeals.models import Appeal, Channel
from gigbranch.core import ratelimit
from gigbranch.core.figures import chosen
from gigbranch.core.permissions import can
from gigbranch.organizations.models import Region, Workplace

router = Router(tags=["诉求"])


class AppealIn(Schema):
    category: str = Field(..., description="类别编码（Open311 service_code）", max_length=40)
    description: str = Field(..., min_length=5, max_length=2000)
    region_code: str | None = Field(None, description="发生地乡镇（街道）行政区划代码")
    workplace_id: int | None = None
    contact_name: str = Field("", max_length=40)
    contact_mobile: str = Field("", max_length=20)
    anonymous: bool = False
    address: str = Field("", max_length=200)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    priority: str | None = None


class AppealOut(Schema):
    tracking_no: str
    status: str
    status_label: str
    category: str
    department: str | None
    received_at: dt.datetime
    accept_due_at: dt.datetime
    reply_due_at: dt.datetime
    reply_text: str

    @staticmethod
    def resolve_status_label(obj: Appeal) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_category(obj: Appeal) -> str:
        return obj.category.code

    @staticmethod
    def resolve_department(obj: Appeal) -> str | None:
        return obj.handler_label


class ErrorOut(Schema):
    detail: str
    errors: dict[str, Any] | None = None


def _regions_for(user: Any, worker: Any) -> Any:
    """Regions this account may file an appeal for (no cross-township submissions).

    Workers: only the region of their own record. Staff with a region scope: their
    scoped subtree (`visible_to`). Staff/system accounts with no region scope keep the
    unscoped lookup (they already hold a submit capability, checked by the caller).
    """
    if user.role == "worker":
        if worker is None or not worker.region_id:
            return Region.objects.none()
        return Region.objects.filter(pk=worker.region_id)
    if user.scope_region_id:
        return Region.objects.visible_to(user)
    return Region.objects.all()


def _region_for(user: Any, worker: Any, snap: config.Snapshot, code: str) -> Region | None:
    """The region `code` names, if this account may file an appeal there: read from the
    config snapshot (config.region_by_code, no query per request) and decided by the
    policy `appeals.file_in_region` (appeals.actions), as `_regions_for` would answer."""
    region = config.region_by_code(snap, code)
    if region is None or not can(user, "appeals.file_in_region", region, worker):
        return None
    return region


def _workplaces_for(user: Any, worker: Any) -> Any:
    """Workplaces this account may name: a worker's own workplace or ones in their region
    (as the portal form offers); staff through `Workplace.objects.visible_to`."""
    if user.role == "worker":
        if worker is None:
            return Workplace.objects.none()
        return Workplace.objects.filter(Q(pk=worker.workplace_id) | Q(region_id=worker.region_id))
    if user.scope_region_id or getattr(user, "scope_organization_id", None):
        return Workplace.objects.visible_to(user)
    return Workplace.objects.all()


@router.post(
    "",
    response={201: AppealOut, 200: AppealOut, 422: ErrorOut, 403: ErrorOut},
    summary="提交诉求（支持 Idempotency-Key 重试）",
)
def submit(request: Any, payload: AppealIn) -> Any:
    """Same `Idempotency-Key` header (per account) → the first appeal, status 200 (APL-5)."""
    user = request.auth
    if not (has_capability(user, "appeals.intake") or has_capability(user, "appeals.submit")):
        raise PermissionDenied("您的账号无权提交诉求。")
    wait = ratelimit.hit("appeal_intake.account", f"user:{user.pk}")
    if wait:
        raise Throttled(wait)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 120:
        return Status(
            422, {"detail": "数据校验失败。", "errors": {"Idempotency-Key": "不能超过120个字符。"}}
        )
    snap = config.snapshot()
    category = snap.categories.get(payload.category)
    if category is None or not category.active:
        return Status(422, {"detail": "数据校验失败。", "errors": {"category": "诉求类别不存在。"}})
    worker = user.worker if user.role == "worker" else None
    region = None
    if payload.region_code:
        region = _region_for(user, worker, snap, payload.region_code)
        if region is None:
            return Status(
                422,
                {
                    "detail": "数据校验失败。",
                    "errors": {"region_code": "区域代码不存在或不在您的范围内。"},
                },
            )
    workplace = None
    if payload.workplace_id:
        workplace = _workplaces_for(user, worker).filter(pk=payload.workplace_id).first()
        if workplace is None:
            return Status(
                422,
                {
                    "detail": "数据校验失败。",
                    "errors": {"workplace_id": "企业/站点不存在或不在您的范围内。"},
                },
            )
    sub = services.submit_appeal(
        actor=user,
        category=category,
        description=payload.description,
        channel=Channel.PORTAL if worker else Channel.API,
        region=region,
        workplace=workplace,
        worker=worker,
        contact_name=payload.contact_name,
        contact_mobile=payload.contact_mobile,
        anonymous=payload.anonymous,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        priority=payload.priority,
        idempotency_key=f"api:{user.pk}:{key}" if key else None,
        snapshot=snap,
    )
    # A new appeal already carries its category, region and department (no re-read).
    return Status(201 if sub.created else 200, sub.appeal)


@router.get("", response=list[AppealOut], summary="诉求列表（本人数据范围内）")
@paginate(PersonalDataPagination)
def list_appeals(request: Any, status: str = "", figure: str = "") -> Any:
    chosen_figure = chosen(queries.APPEAL_FIGURES, figure)
    base = (
        chosen_figure.rows(request.auth)
        if chosen_figure is not None
        else Appeal.objects.visible_to(request.auth)
    )
    qs = base.select_related("category", "department", "region")
    if status:
        qs = qs.filter(status=status)
    return qs


@router.get("/{tracking_no}", response=AppealOut, summary="按受理编号查询")
def get_appeal(request: Any, tracking_no: str) -> Appeal:
    return get_object_or_404(
        Appeal.objects.visible_to(request.auth).select_related("category", "department", "region"),
        tracking_no=tracking_no,
    )
