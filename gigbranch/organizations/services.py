"""Writes to the organisation network, regions, workplaces and instructors.

Each one runs in a transaction, validates, saves and writes its audit event (DESIGN §3).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from gigbranch.accounts.roles import has_capability
from gigbranch.core import actors, audit
from gigbranch.core.actors import Actor
from gigbranch.core.masking import mask_mobile

from . import boundaries
from .models import (
    PHONE_FIELDS,
    TRANSFER_LETTER_DAYS_MAX,
    TRANSFER_LETTER_DAYS_MIN,
    CommitteeMember,
    Instructor,
    Organization,
    OrgRuleSet,
    Region,
    Workplace,
    path_segment,
)
from .policy import Thresholds

_PHONE_NAMES = frozenset(name for names in PHONE_FIELDS.values() for name in names)


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    """Audit changes with phone numbers masked: the audit log is not a copy of personal data."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in _PHONE_NAMES:
            if isinstance(value, list):
                value = [mask_mobile(v) if isinstance(v, str) else v for v in value]
            elif isinstance(value, str):
                value = mask_mobile(value)
        out[key] = value
    return out


@transaction.atomic
def reveal_phone(*, actor: Any, obj: Any, field: str) -> str:
    """Return an unmasked phone number; needs `pii.reveal` and writes an audit event
    (DESIGN §2). `obj` must already be fetched within the actor's scope."""
    allowed = PHONE_FIELDS.get(obj._meta.model_name, ())
    if field not in allowed:
        raise ValidationError("该字段不能查看明文。")
    if not has_capability(actor, "pii.reveal"):
        raise PermissionDenied("没有查看明文的权限。")
    audit.record(actor=actor, action="pii.revealed", obj=obj, changes={"field": field})
    return str(getattr(obj, field) or "")


ORG_EDITABLE = (
    "name",
    "kind",
    "setup_method",
    "region",
    "founded_on",
    "term_start",
    "term_years",
    "contact_name",
    "contact_phone",
    "address",
    "latitude",
    "longitude",
    "secretary_name",
    "secretary_phone",
    "secretary_member",
)
WORKPLACE_EDITABLE = (
    "name",
    "credit_code",
    "kind",
    "brand",
    "region",
    "address",
    "latitude",
    "longitude",
    "contact_name",
    "contact_phone",
    "reported_worker_count",
    "organization",
    "coverage_mode",
    "instructor",
)
INSTRUCTOR_EDITABLE = (
    "name",
    "phone",
    "work_unit",
    "region",
    "organization",
    "appointed_on",
    "active",
)
PATH_MAX = 255


def _set_path(node: Region | Organization) -> None:
    parent_path = node.parent.path if node.parent_id else ""  # type: ignore[union-attr]
    node.path = parent_path + path_segment(node.pk)
    type(node).objects.filter(pk=node.pk).update(path=node.path)


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")


def _by_system(actor: Actor | None) -> bool:
    """The system (core.actors: imports, operators' commands, the demo seed) is not asked
    for a capability or a scope. `None` still means the system for callers not yet
    converted to an explicit actor (ADR 0049 lists them)."""
    return actor is None or actors.is_system(actor)


def _require_change(actor: Actor | None) -> None:
    if not _by_system(actor) and not has_capability(actor, "org.change"):
        raise PermissionDenied("您的角色无权修改组织体系。")


def _require_visible(actor: Actor | None, model: Any, obj: Any, label: str) -> None:
    """Services called by people check scope too; the system does not (`_by_system`)."""
    if _by_system(actor) or obj is None:
        return
    if not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise PermissionDenied(f"{label}不在您的数据范围内。")


def _validate_coverage(wp: Workplace) -> None:
    mode = wp.coverage_mode
    if mode in ("own_branch", "joint_branch") and wp.organization_id is None:
        raise ValidationError({"organization": "单独建立或联合党支部覆盖的，应填写覆盖党组织。"})
    if (
        mode == "joint_branch"
        and wp.organization is not None
        and wp.organization.kind != "joint_branch"
    ):
        raise ValidationError({"organization": "联合党支部覆盖的，覆盖党组织应为联合党支部。"})
    if mode == "instructor" and wp.instructor_id is None and wp.organization_id is None:
        raise ValidationError({"instructor": "党建工作指导员覆盖的，应填写指导员或选派党组织。"})


@transaction.atomic
def create_region(
    *,
    actor: Any,
    name: str,
    code: str,
    level: str,
    parent: Region | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> Region:
    region = Region.objects.create(
        name=name, code=code, level=level, parent=parent, latitude=latitude, longitude=longitude
    )
    _set_path(region)
    audit.record(
        actor=actor, action="region.created", obj=region, changes={"name": name, "code": code}
    )
    return region


@transaction.atomic
def import_boundaries(*, actor: Any, data: Any) -> boundaries.Matching:
    """Set region boundaries from a GeoJSON FeatureCollection: each feature goes to the
    region with its code (code/adcode/区划代码) or, failing that, its unique name. Matched
    regions are updated and audited together; the unmatched features are returned with
    the reason in Chinese (a malformed file raises BoundaryError and changes nothing)."""
    keys = [boundaries.RegionKey(*row) for row in Region.objects.values_list("pk", "code", "name")]
    matching = boundaries.match_features(boundaries.features_of(data), keys)
    regions = list(Region.objects.select_for_update().filter(pk__in=matching.matched))
    for region in regions:
        region.boundary = matching.matched[region.pk]
    Region.objects.bulk_update(regions, ["boundary"], batch_size=200)
    audit.record(
        actor=actor,
        action="region.boundaries_imported",
        object_type="organizations.region",
        changes={
            "regions": sorted(r.code for r in regions),
            "unmatched": len(matching.unmatched),
        },
    )
    return matching


@transaction.atomic
def create_organization(*, actor: Any, parent: Organization | None, **fields: Any) -> Organization:
    _check_fields(fields, ORG_EDITABLE)
    _require_change(actor)
    _require_visible(actor, Organization, parent, "上级党组织")
    _require_visible(actor, Region, fields.get("region"), "属地")
    org = Organization(parent=parent, **fields)
    org.full_clean(exclude=["path"])
    org.save()
    _set_path(org)
    if len(org.path) > PATH_MAX:
        raise ValidationError("组织层级过深。")
    audit.record(
        actor=actor,
        action="organization.created",
        obj=org,
        changes=_masked(dict(fields)) | {"parent": parent},
    )
    return org


@transaction.atomic
def update_organization(*, actor: Any, organization: Organization, **fields: Any) -> Organization:
    _check_fields(fields, ORG_EDITABLE)
    _require_change(actor)
    _require_visible(actor, Organization, organization, "党组织")
    if "region" in fields:
        _require_visible(actor, Region, fields["region"], "属地")
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = audit.diff(org, fields)
    if not changes:
        return org
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean(exclude=["path"])
    org.save()
    audit.record(
        actor=actor,
        action="organization.updated",
        obj=org,
        changes=_masked(changes),
    )
    return org


@transaction.atomic
def set_transfer_letter_days(
    *, actor: Any, organization: Organization, days: int | None
) -> Organization:
    """MOB-3: set how long the transfer letters this organisation issues are valid
    (30–180 days); None clears its own value so it inherits its nearest ancestor's again.
    Needs org.change on the organisation. Letters already issued keep their date."""
    _require_change(actor)
    _require_visible(actor, Organization, organization, "党组织")
    if days is not None and (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not TRANSFER_LETTER_DAYS_MIN <= days <= TRANSFER_LETTER_DAYS_MAX
    ):
        raise ValidationError(
            {
                "transfer_letter_days": (
                    f"介绍信有效期应在{TRANSFER_LETTER_DAYS_MIN}至{TRANSFER_LETTER_DAYS_MAX}天之间。"
                )
            }
        )
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    changes = audit.diff(org, {"transfer_letter_days": days})
    if not changes:
        return org
    org.transfer_letter_days = days
    org.save(update_fields=["transfer_letter_days", "updated_at"])
    audit.record(
        actor=actor, action="organization.transfer_letter_days_set", obj=org, changes=changes
    )
    return org


@transaction.atomic
def move_subtree(*, actor: Any, organization: Organization, new_parent: Organization) -> int:
    """Re-parent `organization` with its whole subtree: one UPDATE replacing the path
    prefix. Needs org.change and both the node and the target in the actor's scope.
    Returns the number of organisations whose path changed."""
    _require_change(actor)
    _require_visible(actor, Organization, organization, "要移动的党组织")
    _require_visible(actor, Organization, new_parent, "目标上级党组织")
    node = Organization.objects.select_for_update().get(pk=organization.pk)
    target = Organization.objects.select_for_update().get(pk=new_parent.pk)
    if target.path.startswith(node.path):
        raise ValidationError({"new_parent": "不能移动到本组织或其下级组织之下。"})
    if node.parent_id == target.pk:
        return 0
    old_prefix = node.path
    new_prefix = target.path + path_segment(node.pk)
    deepest = (
        Organization.objects.filter(path__startswith=old_prefix)
        .order_by("-path")
        .values_list("path", flat=True)
    )
    longest = max((len(p) for p in deepest), default=len(old_prefix))
    if longest - len(old_prefix) + len(new_prefix) > PATH_MAX:
        raise ValidationError({"new_parent": "移动后组织层级过深。"})
    old_parent_id = node.parent_id
    moved = Organization.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1))
    )
    Organization.objects.filter(pk=node.pk).update(parent=target)
    audit.record(
        actor=actor,
        action="organization.moved",
        obj=node,
        changes={
            "parent": [old_parent_id, target.pk],
            "path": [old_prefix, new_prefix],
            "subtree_size": moved,
        },
    )
    return moved


@transaction.atomic
def add_committee_member(
    *,
    actor: Any,
    organization: Organization,
    post: str,
    person_name: str,
    phone: str = "",
    member: Any = None,
    since: Any = None,
) -> CommitteeMember:
    _require_change(actor)
    _require_visible(actor, Organization, organization, "党组织")
    row = CommitteeMember(
        organization=organization,
        post=post,
        person_name=person_name.strip(),
        phone=phone.strip(),
        member=member,
        since=since,
    )
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        action="organization.committee_added",
        obj=organization,
        changes={"post": post, "person_name": row.person_name},
    )
    return row


@transaction.atomic
def remove_committee_member(*, actor: Any, committee_member: CommitteeMember) -> None:
    _require_change(actor)
    org = committee_member.organization
    _require_visible(actor, Organization, org, "党组织")
    audit.record(
        actor=actor,
        action="organization.committee_removed",
        obj=org,
        changes={"post": committee_member.post, "person_name": committee_member.person_name},
    )
    committee_member.delete()


@transaction.atomic
def create_workplace(*, actor: Any, **fields: Any) -> Workplace:
    _check_fields(fields, WORKPLACE_EDITABLE)
    _require_change(actor)
    _require_visible(actor, Region, fields.get("region"), "属地")
    _require_visible(actor, Organization, fields.get("organization"), "覆盖党组织")
    workplace = Workplace(**fields)
    if workplace.credit_code == "":
        workplace.credit_code = None
    workplace.full_clean()
    _validate_coverage(workplace)
    workplace.save()
    audit.record(
        actor=actor,
        action="workplace.created",
        obj=workplace,
        changes=_masked(dict(fields)),
    )
    return workplace


@transaction.atomic
def update_workplace(*, actor: Any, workplace: Workplace, **fields: Any) -> Workplace:
    _check_fields(fields, WORKPLACE_EDITABLE)
    _require_change(actor)
    _require_visible(actor, Workplace, workplace, "企业/站点")
    if "region" in fields:
        _require_visible(actor, Region, fields["region"], "属地")
    if fields.get("organization") is not None:
        _require_visible(actor, Organization, fields["organization"], "覆盖党组织")
    if fields.get("credit_code") == "":
        fields["credit_code"] = None
    wp = Workplace.objects.select_for_update().get(pk=workplace.pk)
    changes = audit.diff(wp, fields)
    if not changes:
        return wp
    for name, value in fields.items():
        setattr(wp, name, value)
    wp.full_clean()
    _validate_coverage(wp)
    wp.save()
    audit.record(
        actor=actor,
        action="workplace.updated",
        obj=wp,
        changes=_masked(changes),
    )
    return wp


@transaction.atomic
def create_instructor(*, actor: Any, **fields: Any) -> Instructor:
    _check_fields(fields, INSTRUCTOR_EDITABLE)
    _require_change(actor)
    _require_visible(actor, Region, fields.get("region"), "属地")
    inst = Instructor(**fields)
    inst.full_clean()
    inst.save()
    audit.record(
        actor=actor,
        action="instructor.created",
        obj=inst,
        changes={"name": inst.name, "region": inst.region_id},
    )
    return inst


@transaction.atomic
def update_instructor(*, actor: Any, instructor: Instructor, **fields: Any) -> Instructor:
    _check_fields(fields, INSTRUCTOR_EDITABLE)
    _require_change(actor)
    _require_visible(actor, Instructor, instructor, "党建工作指导员")
    if "region" in fields:
        _require_visible(actor, Region, fields["region"], "属地")
    if fields.get("organization") is not None:
        _require_visible(actor, Organization, fields["organization"], "选派党组织")
    inst = Instructor.objects.select_for_update().get(pk=instructor.pk)
    changes = audit.diff(inst, fields)
    if not changes:
        return inst
    for name, value in fields.items():
        setattr(inst, name, value)
    inst.full_clean()
    inst.save()
    audit.record(
        actor=actor,
        action="instructor.updated",
        obj=inst,
        changes=_masked(changes),
    )
    return inst


@transaction.atomic
def assign_instructor(
    *, actor: Any, workplace: Workplace, instructor: Instructor | None
) -> Workplace:
    """Set the workplace's instructor; an uncovered workplace becomes instructor-covered."""
    fields: dict[str, Any] = {"instructor": instructor}
    if instructor is not None and workplace.coverage_mode == "none":
        fields["coverage_mode"] = "instructor"
    if (
        instructor is None
        and workplace.coverage_mode == "instructor"
        and workplace.organization_id is None
    ):
        fields["coverage_mode"] = "none"
    return update_workplace(actor=actor, workplace=workplace, **fields)


@transaction.atomic
def set_ruleset(*, actor: Any, region: Region | None, note: str = "", **values: int) -> OrgRuleSet:
    """Set a jurisdiction's ORG thresholds (rules.md: configurable, defaults from rules.md).
    County administrators only (capability org.rules)."""
    _require_change(actor)
    if actor is not None and not has_capability(actor, "org.rules"):
        raise PermissionDenied("只有县级管理员可以修改组织设置规则参数。")
    _require_visible(actor, Region, region, "适用区域")
    unknown = set(values) - set(Thresholds.field_names())
    if unknown:
        raise ValidationError(f"未知参数：{', '.join(sorted(unknown))}")
    rs, _ = OrgRuleSet.objects.select_for_update().get_or_create(region=region)
    changes = audit.diff(rs, values)
    for name, value in values.items():
        setattr(rs, name, value)
    rs.note = note or rs.note
    rs.full_clean()
    if (
        rs.committee_min_size > rs.committee_normal_max_size
        or rs.committee_normal_max_size > rs.committee_max_size
    ):
        raise ValidationError("支委会人数参数应满足：最少人数 ≤ 一般最多人数 ≤ 最多人数。")
    rs.save()
    audit.record(actor=actor, action="org_ruleset.updated", obj=rs, changes=changes)
    return rs
