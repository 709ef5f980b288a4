"""Excel import of workplaces and organisations on the import framework (ADR 0052):
their columns and their row validators and writers.

Rows are upserted (workplaces by credit code, else name + region; organisations by name +
parent), so re-importing the same file changes nothing. Names are looked up inside the
importing account's scope only.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from django.core.exceptions import ValidationError

from gigbranch.core.imports import Cells, Column, ImportSpec, RowResult

from . import services
from .models import (
    CoverageMode,
    Instructor,
    Organization,
    OrgKind,
    Region,
    SetupMethod,
    Workplace,
    WorkplaceKind,
)

WORKPLACE_COLUMNS = [
    Column("名称", "name", True, "美团外卖云溪城关1号配送站", max_length=120),
    Column("统一社会信用代码", "credit_code", False, ""),
    Column("类型", "kind", True, "外卖配送站点"),
    Column("所属平台品牌", "brand", False, "美团外卖", max_length=40),
    Column("属地", "region", True, "城关街道"),
    Column("地址", "address", False, "云溪县人民路88号", max_length=200),
    Column("纬度", "latitude", False, "29.871"),
    Column("经度", "longitude", False, "120.352"),
    Column("联系人", "contact_name", False, "王站长", max_length=30),
    Column("联系电话", "contact_phone", False, "13900000000", max_length=20),
    Column("从业人数", "reported_worker_count", False, "45"),
    Column("覆盖方式", "coverage_mode", False, "未覆盖"),
    Column("覆盖党组织", "organization", False, ""),
    Column("党建工作指导员", "instructor", False, ""),
]
ORGANIZATION_COLUMNS = [
    Column("名称", "name", True, "中共云溪县某快递网点支部委员会", max_length=100),
    Column("类型", "kind", True, "党支部"),
    Column("组建方式", "setup_method", False, "单独组建"),
    Column("上级党组织", "parent", True, "中共云溪县新就业群体行业委员会"),
    Column("属地", "region", True, "城关街道"),
    Column("成立日期", "founded_on", False, "2024-07-01"),
    Column("本届任期开始", "term_start", False, "2024-07-01"),
    Column("任期（年）", "term_years", False, "3"),
    Column("书记", "secretary_name", False, "张三", max_length=30),
    Column("书记联系电话", "secretary_phone", False, ""),
    Column("联系人", "contact_name", False, "", max_length=30),
    Column("联系电话", "contact_phone", False, ""),
    Column("地址", "address", False, "", max_length=200),
]


def _drop_masked(out: dict[str, Any], *keys: str) -> None:
    """A masked phone (from a masked export) is not a new value: keep what is stored."""
    for key in keys:
        if "*" in out.get(key, ""):
            del out[key]


class Lookup:
    """Names → objects inside the actor's scope, loaded once per file."""

    def __init__(self, actor: Any) -> None:
        self.regions: dict[str, list[Region]] = {}
        for r in Region.objects.visible_to(actor):
            self.regions.setdefault(r.name, []).append(r)
            self.regions.setdefault(r.code, []).append(r)
        self.orgs: dict[str, list[Organization]] = {}
        for o in Organization.objects.visible_to(actor):
            self.orgs.setdefault(o.name, []).append(o)
        self.instructors: dict[str, list[Instructor]] = {}
        for i in Instructor.objects.visible_to(actor):
            self.instructors.setdefault(i.name, []).append(i)

    @staticmethod
    def one(table: dict[str, list[Any]], cells: Cells, key: str, what: str) -> Any:
        value = cells.raw.get(key)
        if value is None:
            return None
        found = table.get(str(value).strip(), [])
        if not found:
            cells.error(key, f"未找到{what}“{value}”，或不在您的数据范围内")
            return None
        if len(found) > 1:
            cells.error(key, f"{what}“{value}”有重名，请改用唯一名称或代码")
            return None
        return found[0]


class WorkplaceImport(ImportSpec):
    name = "workplaces"
    title = "企业站点导入模板"
    columns = WORKPLACE_COLUMNS
    audit_action = "workplaces.imported"
    audit_object_type = "organizations.workplaces"

    def prepare(self, actor: Any) -> Lookup:
        return Lookup(actor)

    def clean(self, ctx: Lookup, cells: Cells) -> dict[str, Any]:
        from gigbranch.core.validators import normalize_uscc

        raw = cells.raw
        out: dict[str, Any] = {"name": str(raw["name"]) if raw["name"] is not None else None}
        out["credit_code"] = None
        if raw["credit_code"] is not None:
            try:
                out["credit_code"] = normalize_uscc(str(raw["credit_code"]))
            except ValidationError as exc:
                cells.error("credit_code", exc.messages[0])
        out["kind"] = cells.choice("kind", WorkplaceKind.choices)
        out["brand"] = str(raw["brand"] or "")
        out["region"] = ctx.one(ctx.regions, cells, "region", "属地")
        out["address"] = str(raw["address"] or "")
        out["latitude"] = cells.decimal("latitude", -90, 90)
        out["longitude"] = cells.decimal("longitude", -180, 180)
        out["contact_name"] = str(raw["contact_name"] or "")
        out["contact_phone"] = str(raw["contact_phone"] or "")
        _drop_masked(out, "contact_phone")
        out["reported_worker_count"] = cells.integer("reported_worker_count") or 0
        out["organization"] = ctx.one(ctx.orgs, cells, "organization", "党组织")
        out["instructor"] = ctx.one(ctx.instructors, cells, "instructor", "指导员")
        mode = cells.choice("coverage_mode", CoverageMode.choices)
        if mode is None and raw["coverage_mode"] is None:
            mode = CoverageMode.INSTRUCTOR if out["instructor"] else CoverageMode.NONE
            if out["organization"] is not None:
                cells.error("coverage_mode", "填写了覆盖党组织时，应同时填写覆盖方式")
        out["coverage_mode"] = mode
        if (
            mode in (CoverageMode.OWN_BRANCH, CoverageMode.JOINT_BRANCH)
            and out["organization"] is None
            and raw["organization"] is None
        ):
            cells.error("organization", "单独建立或联合党支部覆盖的，应填写覆盖党组织")
        if (
            mode == CoverageMode.JOINT_BRANCH
            and out["organization"] is not None
            and out["organization"].kind != OrgKind.JOINT_BRANCH
        ):
            cells.error("organization", "联合党支部覆盖的，覆盖党组织应为联合党支部")
        return out

    def key(self, values: dict[str, Any]) -> tuple[str, Hashable] | None:
        if not values["name"]:
            return None
        if values["credit_code"]:
            return "统一社会信用代码", ("code", values["credit_code"])
        return "名称", ("name", values["name"], getattr(values["region"], "pk", None))

    def match(self, ctx: Lookup, values: dict[str, Any], result: RowResult, actor: Any) -> Any:
        if not values["credit_code"]:
            return Workplace.objects.filter(name=values["name"], region=values["region"]).first()
        target = Workplace.objects.filter(credit_code=values["credit_code"]).first()
        if (
            target is not None
            and not Workplace.objects.visible_to(actor).filter(pk=target.pk).exists()
        ):
            result.error("统一社会信用代码", "该统一社会信用代码已被其他辖区的企业使用")
        return target

    def write(self, row: RowResult, actor: Any) -> None:
        if row.target is None:
            services.create_workplace(actor=actor, **row.values)
        else:
            services.update_workplace(actor=actor, workplace=row.target, **row.values)


class OrganizationImport(ImportSpec):
    name = "organizations"
    title = "党组织导入模板"
    columns = ORGANIZATION_COLUMNS
    audit_action = "organizations.imported"
    audit_object_type = "organizations.organizations"

    def prepare(self, actor: Any) -> Lookup:
        return Lookup(actor)

    def clean(self, ctx: Lookup, cells: Cells) -> dict[str, Any]:
        raw = cells.raw
        out: dict[str, Any] = {"name": str(raw["name"]) if raw["name"] is not None else None}
        out["kind"] = cells.choice("kind", OrgKind.choices)
        out["setup_method"] = cells.choice("setup_method", SetupMethod.choices) or ""
        parent = ctx.one(ctx.orgs, cells, "parent", "上级党组织")
        out["region"] = ctx.one(ctx.regions, cells, "region", "属地")
        out["founded_on"] = cells.date("founded_on")
        out["term_start"] = cells.date("term_start")
        out["term_years"] = cells.integer("term_years", 1, 10)
        for key, size in (
            ("secretary_name", 30),
            ("secretary_phone", 20),
            ("contact_name", 30),
            ("contact_phone", 20),
            ("address", 200),
        ):
            out[key] = str(raw[key] or "")[:size]
        _drop_masked(out, "secretary_phone", "contact_phone")
        return out | {"parent": parent}

    def key(self, values: dict[str, Any]) -> tuple[str, Hashable] | None:
        if not values["name"]:
            return None
        return "名称", (values["name"], getattr(values["parent"], "pk", None))

    def match(self, ctx: Lookup, values: dict[str, Any], result: RowResult, actor: Any) -> Any:
        return Organization.objects.filter(name=values["name"], parent=values["parent"]).first()

    def differs(self, target: Any, values: dict[str, Any]) -> bool:
        return super().differs(target, {k: v for k, v in values.items() if k != "parent"})

    def write(self, row: RowResult, actor: Any) -> None:
        values = dict(row.values)
        parent = values.pop("parent")
        if row.target is None:
            services.create_organization(actor=actor, parent=parent, **values)
        else:
            services.update_organization(actor=actor, organization=row.target, **values)


SPECS: dict[str, ImportSpec] = {
    "workplaces": WorkplaceImport(),
    "organizations": OrganizationImport(),
}
