"""/api/v1/ organisations, workplaces, instructors, coverage and findings (issue 3).

Lists are scoped with `.visible_to(request.auth)`, filtered and paginated; writes need
`org.change` and go through gigbranch.organizations.services.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from gigbranch.accounts.roles import has_capability
from gigbranch.api.pagination import LimitOffsetPagination
from gigbranch.core.figures import chosen
from gigbranch.core.models import Finding
from gigbranch.organizations import coverage as org_coverage
from gigbranch.organizations import queries
from gigbranch.organizations import services as org_services
from gigbranch.organizations.models import (
    CoverageMode,
    Instructor,
    Organization,
    OrgKind,
    Region,
    SetupMethod,
    Workplace,
    WorkplaceKind,
)

router = Router()
organizations_router = Router(tags=["党组织"])
workplaces_router = Router(tags=["企业与站点"])
network_router = Router(tags=["覆盖与规则检查"])


def _require_change(user: Any) -> None:
    if not has_capability(user, "org.change"):
        raise PermissionDenied("您的角色无权修改组织体系。")


def _region(user: Any, region_id: int) -> Region:
    return get_object_or_404(Region.objects.visible_to(user), pk=region_id)


def _org(user: Any, org_id: int) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(user), pk=org_id)


# --- Organisations ----------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    name: str
    kind: OrgKind
    kind_label: str
    setup_method: str
    parent_id: int | None
    region_id: int
    region_name: str
    founded_on: dt.date | None
    term_start: dt.date | None
    term_years: int | None
    secretary_name: str
    secretary_phone: str
    contact_name: str
    contact_phone: str
    address: str
    path: str

    @staticmethod
    def resolve_kind_label(obj: Organization) -> str:
        return obj.get_kind_display()

    # Personal phone numbers are always masked here (DESIGN §2); the unmasked value comes
    # only from POST /{org_id}/reveal, which needs pii.reveal and is audited.
    @staticmethod
    def resolve_secretary_phone(obj: Organization) -> str:
        return obj.masked_secretary_phone

    @staticmethod
    def resolve_contact_phone(obj: Organization) -> str:
        return obj.masked_contact_phone

    @staticmethod
    def resolve_region_name(obj: Organization) -> str:
        return obj.region.name


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: OrgKind
    setup_method: SetupMethod | None = None
    parent_id: int
    region_id: int
    founded_on: dt.date | None = None
    term_start: dt.date | None = None
    term_years: int | None = Field(default=None, ge=1, le=10)
    secretary_name: str = Field(default="", max_length=30)
    secretary_phone: str = Field(default="", max_length=20)
    contact_name: str = Field(default="", max_length=30)
    contact_phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=200)


class OrganizationPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    region_id: int | None = None
    founded_on: dt.date | None = None
    term_start: dt.date | None = None
    term_years: int | None = Field(default=None, ge=1, le=10)
    secretary_name: str | None = Field(default=None, max_length=30)
    secretary_phone: str | None = Field(default=None, max_length=20)
    contact_name: str | None = Field(default=None, max_length=30)
    contact_phone: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=200)


class MoveIn(Schema):
    new_parent_id: int


@organizations_router.get("", response=list[OrganizationOut])
@paginate(LimitOffsetPagination)
def list_organizations(
    request: Any,
    q: str = "",
    kind: OrgKind | None = None,
    region_id: int | None = None,
    under_id: int | None = None,
    figure: str = "",
) -> Any:
    chosen_figure = chosen(queries.ORGANIZATION_FIGURES, figure)
    base = (
        chosen_figure.rows(request.auth)
        if chosen_figure is not None
        else Organization.objects.visible_to(request.auth)
    )
    qs = base.select_related("region").order_by("path")
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    if region_id:
        qs = qs.filter(region__path__startswith=_region(request.auth, region_id).path)
    if under_id:
        qs = qs.filter(path__startswith=_org(request.auth, under_id).path)
    return qs


@organizations_router.get("/{org_id}", response=OrganizationOut)
def get_organization(request: Any, org_id: int) -> Organization:
    return get_object_or_404(
        Organization.objects.visible_to(request.auth).select_related("region"), pk=org_id
    )


@organizations_router.post("", response={201: OrganizationOut})
def create_organization(request: Any, payload: OrganizationIn) -> Status[Organization]:
    _require_change(request.auth)
    fields = payload.dict()
    parent = _org(request.auth, fields.pop("parent_id"))
    fields["region"] = _region(request.auth, fields.pop("region_id"))
    fields["setup_method"] = fields["setup_method"] or ""
    org = org_services.create_organization(actor=request.auth, parent=parent, **fields)
    return Status(201, Organization.objects.select_related("region").get(pk=org.pk))


@organizations_router.patch("/{org_id}", response=OrganizationOut)
def patch_organization(request: Any, org_id: int, payload: OrganizationPatch) -> Organization:
    _require_change(request.auth)
    org = _org(request.auth, org_id)
    fields = payload.dict(exclude_unset=True)
    if "region_id" in fields:
        fields["region"] = _region(request.auth, fields.pop("region_id"))
    for key in (
        "secretary_name",
        "secretary_phone",
        "contact_name",
        "contact_phone",
        "address",
        "name",
    ):
        if key in fields and fields[key] is None:
            raise ValidationError({key: "不能为null。"})
    updated = org_services.update_organization(actor=request.auth, organization=org, **fields)
    return Organization.objects.select_related("region").get(pk=updated.pk)


class PhoneRevealIn(Schema):
    field: Literal["secretary_phone", "contact_phone"]


class PhoneRevealOut(Schema):
    field: str
    value: str


@organizations_router.post("/{org_id}/reveal", response=PhoneRevealOut)
def reveal_phone(request: Any, org_id: int, payload: PhoneRevealIn) -> dict[str, str]:
    """The unmasked phone number; needs pii.reveal and writes an audit event."""
    org = _org(request.auth, org_id)
    value = org_services.reveal_phone(actor=request.auth, obj=org, field=payload.field)
    return {"field": payload.field, "value": value}


@organizations_router.post("/{org_id}/move", response=OrganizationOut)
def move_organization(request: Any, org_id: int, payload: MoveIn) -> Organization:
    _require_change(request.auth)
    org = _org(request.auth, org_id)
    org_services.move_subtree(
        actor=request.auth, organization=org, new_parent=_org(request.auth, payload.new_parent_id)
    )
    return Organization.objects.select_related("region").get(pk=org.pk)


# --- Workplaces -------------------------------------------------------------------------


class WorkplaceOut(Schema):
    id: int
    name: str
    credit_code: str | None
    kind: WorkplaceKind
    brand: str
    region_id: int
    region_name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    reported_worker_count: int
    coverage_mode: CoverageMode
    organization_id: int | None
    instructor_id: int | None

    @staticmethod
    def resolve_region_name(obj: Workplace) -> str:
        return obj.region.name


class WorkplaceIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    credit_code: str | None = Field(default=None, max_length=18)
    kind: WorkplaceKind
    brand: str = Field(default="", max_length=40)
    region_id: int
    address: str = Field(default="", max_length=200)
    latitude: Decimal | None = Field(default=None, ge=-90, le=90)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180)
    contact_name: str = Field(default="", max_length=30)
    contact_phone: str = Field(default="", max_length=20)
    reported_worker_count: int = Field(default=0, ge=0, le=1_000_000)
    coverage_mode: CoverageMode = CoverageMode.NONE
    organization_id: int | None = None
    instructor_id: int | None = None


class WorkplacePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    credit_code: str | None = Field(default=None, max_length=18)
    kind: WorkplaceKind | None = None
    brand: str | None = Field(default=None, max_length=40)
    region_id: int | None = None
    address: str | None = Field(default=None, max_length=200)
    reported_worker_count: int | None = Field(default=None, ge=0, le=1_000_000)
    coverage_mode: CoverageMode | None = None
    organization_id: int | None = None
    instructor_id: int | None = None


def _workplace_references(user: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """The payload's ids as records the caller may see (404 otherwise), for the service."""
    if "region_id" in fields:
        fields["region"] = _region(user, fields.pop("region_id"))
    if "organization_id" in fields:
        org_id = fields.pop("organization_id")
        fields["organization"] = _org(user, org_id) if org_id else None
    if "instructor_id" in fields:
        inst_id = fields.pop("instructor_id")
        fields["instructor"] = (
            get_object_or_404(Instructor.objects.visible_to(user), pk=inst_id) if inst_id else None
        )
    if fields.get("credit_code"):
        fields["credit_code"] = fields["credit_code"].strip().upper()
    for key, value in list(fields.items()):
        if value is None and key not in (
            "organization",
            "instructor",
            "credit_code",
            "latitude",
            "longitude",
        ):
            raise ValidationError({key: "不能为null。"})
    return fields


@workplaces_router.get("", response=list[WorkplaceOut])
@paginate(LimitOffsetPagination)
def list_workplaces(
    request: Any,
    q: str = "",
    kind: WorkplaceKind | None = None,
    coverage_mode: CoverageMode | None = None,
    region_id: int | None = None,
    organization_id: int | None = None,
    figure: str = "",
) -> Any:
    chosen_figure = chosen(queries.WORKPLACE_FIGURES, figure)
    base = (
        chosen_figure.rows(request.auth)
        if chosen_figure is not None
        else Workplace.objects.visible_to(request.auth)
    )
    qs = base.select_related("region").order_by("region__path", "name", "pk")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    if coverage_mode:
        qs = qs.filter(coverage_mode=coverage_mode)
    if region_id:
        qs = qs.filter(region__path__startswith=_region(request.auth, region_id).path)
    if organization_id:
        qs = qs.filter(organization__path__startswith=_org(request.auth, organization_id).path)
    return qs


@workplaces_router.get("/{workplace_id}", response=WorkplaceOut)
def get_workplace(request: Any, workplace_id: int) -> Workplace:
    return get_object_or_404(
        Workplace.objects.visible_to(request.auth).select_related("region"), pk=workplace_id
    )


@workplaces_router.post("", response={201: WorkplaceOut})
def create_workplace(request: Any, payload: WorkplaceIn) -> Status[Workplace]:
    _require_change(request.auth)
    fields = _workplace_references(request.auth, payload.dict())
    wp = org_services.create_workplace(actor=request.auth, **fields)
    return Status(201, Workplace.objects.select_related("region").get(pk=wp.pk))


@workplaces_router.patch("/{workplace_id}", response=WorkplaceOut)
def patch_workplace(request: Any, workplace_id: int, payload: WorkplacePatch) -> Workplace:
    _require_change(request.auth)
    wp = get_object_or_404(Workplace.objects.visible_to(request.auth), pk=workplace_id)
    fields = _workplace_references(request.auth, payload.dict(exclude_unset=True))
    updated = org_services.update_workplace(actor=request.auth, workplace=wp, **fields)
    return Workplace.objects.select_related("region").get(pk=updated.pk)


# --- Instructors, coverage, findings ----------------------------------------------------


class InstructorOut(Schema):
    id: int
    name: str
    work_unit: str
    phone_masked: str
    region_id: int
    organization_id: int | None
    active: bool
    workplaces: int

    @staticmethod
    def resolve_phone_masked(obj: Instructor) -> str:
        return obj.masked_phone

    @staticmethod
    def resolve_workplaces(obj: Any) -> int:
        return obj.n_workplaces


@network_router.get("/instructors", response=list[InstructorOut])
@paginate(LimitOffsetPagination)
def list_instructors(request: Any, region_id: int | None = None) -> Any:
    qs = (
        Instructor.objects.visible_to(request.auth)
        .annotate(n_workplaces=Count("workplaces"))
        .order_by("pk")
    )
    if region_id:
        qs = qs.filter(region__path__startswith=_region(request.auth, region_id).path)
    return qs


class CoverageRowOut(Schema):
    key: str
    label: str
    workplaces: int
    workers: int
    org_rate: float | None
    work_rate: float | None
    org_rate_weighted: float | None
    work_rate_weighted: float | None


class CoverageOut(Schema):
    region_id: int
    region_name: str
    overall: CoverageRowOut
    per_region: list[CoverageRowOut]
    per_kind: list[CoverageRowOut]


@network_router.get("/coverage", response=CoverageOut)
def coverage(request: Any, region_id: int | None = None) -> dict[str, Any]:
    if not has_capability(request.auth, "org.view"):
        raise PermissionDenied("您的角色无权查看覆盖情况。")
    if region_id:
        region = (
            _region(request.auth, region_id)
            if request.auth.scope_region_id
            else get_object_or_404(queries.visible_regions(request.auth), pk=region_id)
        )
    else:
        top = (
            request.auth.scope_region
            or Region.objects.filter(parent__isnull=True).order_by("path").first()
        )
        if top is None:
            raise Http404("没有可统计的区域。")
        region = top
    report = org_coverage.coverage_report(request.auth, region)
    org_coverage.coverage_rows_in_view(report, request.auth, region)
    return {
        "region_id": region.pk,
        "region_name": region.name,
        "overall": report["overall"].as_dict(),
        "per_region": [r.as_dict() for r in report["per_region"]],
        "per_kind": [r.as_dict() | {"key": r.key} for r in report["per_kind"]],
    }


class FindingOut(Schema):
    id: int
    rule_id: str
    severity: str
    object_type: str
    object_id: str
    object_label: str
    summary: str
    advice: str
    facts: dict[str, Any]
    region_id: int | None
    organization_id: int | None
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    resolved_at: dt.datetime | None


@network_router.get("/findings", response=list[FindingOut])
@paginate(LimitOffsetPagination)
def list_findings(
    request: Any,
    rule_id: str = "",
    severity: str = "",
    region_id: int | None = None,
    organization_id: int | None = None,
    resolved: bool = False,
) -> Any:
    qs = Finding.objects.visible_to(request.auth).order_by("rule_id", "-first_seen_at", "pk")
    qs = qs.filter(resolved_at__isnull=not resolved)
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    if severity:
        qs = qs.filter(severity=severity)
    if region_id:
        qs = qs.filter(region__path__startswith=_region(request.auth, region_id).path)
    if organization_id:
        qs = qs.filter(organization__path__startswith=_org(request.auth, organization_id).path)
    return qs


router.add_router("/organizations", organizations_router)
router.add_router("/workplaces", workplaces_router)
router.add_router("/network", network_router)
