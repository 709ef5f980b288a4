import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gigbranch.accounts.roles import has_capability
from gigbranch.organizations import services as org_services
from gigbranch.organizations.models import Organization, OrgKind, Region

core_router = Router(tags=["账号"])
organizations_router = Router(tags=["党组织"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    scope: str


@core_router.get("/me", response=MeOut)
def me(request: Any) -> dict[str, str]:
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "scope": user.scope_label,
    }


class OrganizationOut(Schema):
    id: int
    name: str
    kind: OrgKind
    kind_label: str
    parent_id: int | None
    region_id: int
    region_name: str
    founded_on: dt.date | None
    term_start: dt.date | None
    term_years: int | None

    @staticmethod
    def resolve_kind_label(obj: Organization) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region_name(obj: Organization) -> str:
        return obj.region.name


class OrganizationPatch(Schema):
    name: str | None = None
    region_id: int | None = None
    founded_on: dt.date | None = None
    term_start: dt.date | None = None
    term_years: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    address: str | None = None


@organizations_router.get("", response=list[OrganizationOut])
@paginate(LimitOffsetPagination)
def list_organizations(request: Any, q: str = "", kind: OrgKind | None = None) -> Any:
    qs = Organization.objects.visible_to(request.auth).select_related("region")
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@organizations_router.get("/{org_id}", response=OrganizationOut)
def get_organization(request: Any, org_id: int) -> Organization:
    return get_object_or_404(
        Organization.objects.visible_to(request.auth).select_related("region"), pk=org_id
    )


@organizations_router.patch("/{org_id}", response=OrganizationOut)
def patch_organization(request: Any, org_id: int, payload: OrganizationPatch) -> Organization:
    if not has_capability(request.auth, "org.change"):
        raise PermissionDenied("您的角色无权修改党组织。")
    org = get_object_or_404(Organization.objects.visible_to(request.auth), pk=org_id)
    fields = payload.dict(exclude_unset=True)
    if "region_id" in fields:
        fields["region"] = get_object_or_404(
            Region.objects.visible_to(request.auth), pk=fields.pop("region_id")
        )
    updated = org_services.update_organization(actor=request.auth, organization=org, **fields)
    return Organization.objects.select_related("region").get(pk=updated.pk)
