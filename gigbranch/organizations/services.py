"""Writes to the organisation network and regions. Each one audited (DESIGN §3)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit

from .models import Organization, Region, Workplace, path_segment

ORG_EDITABLE = (
    "name", "kind", "setup_method", "region", "founded_on", "term_start", "term_years",
    "contact_name", "contact_phone", "address", "latitude", "longitude",
)


def _set_path(node: Region | Organization) -> None:
    parent_path = node.parent.path if node.parent_id else ""  # type: ignore[union-attr]
    node.path = parent_path + path_segment(node.pk)
    type(node).objects.filter(pk=node.pk).update(path=node.path)


@transaction.atomic
def create_region(*, actor: Any, name: str, code: str, level: str, parent: Region | None = None,
                  latitude: Any = None, longitude: Any = None) -> Region:
    region = Region.objects.create(name=name, code=code, level=level, parent=parent,
                                   latitude=latitude, longitude=longitude)
    _set_path(region)
    audit.record(actor=actor, action="region.created", obj=region, changes={"name": name, "code": code})
    return region


@transaction.atomic
def create_organization(*, actor: Any, parent: Organization | None, **fields: Any) -> Organization:
    unknown = set(fields) - set(ORG_EDITABLE)
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    org = Organization(parent=parent, **fields)
    org.full_clean(exclude=["path"])
    org.save()
    _set_path(org)
    audit.record(actor=actor, action="organization.created", obj=org,
                 changes={k: v for k, v in fields.items()} | {"parent": parent})
    return org


@transaction.atomic
def update_organization(*, actor: Any, organization: Organization, **fields: Any) -> Organization:
    unknown = set(fields) - set(ORG_EDITABLE)
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = audit.diff(org, fields)
    if not changes:
        return org
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean(exclude=["path"])
    org.save()
    audit.record(actor=actor, action="organization.updated", obj=org, changes=changes)
    return org


@transaction.atomic
def create_workplace(*, actor: Any, **fields: Any) -> Workplace:
    workplace = Workplace(**fields)
    workplace.full_clean()
    workplace.save()
    audit.record(actor=actor, action="workplace.created", obj=workplace,
                 changes={"name": workplace.name, "kind": workplace.kind})
    return workplace
