"""Excel import of service stations on the import framework (ADR 0052): dry run first,
idempotent re-import.

Columns (header row, any order): 站点编码, 名称, 类型, 地址, 属地, 纬度, 经度, 开放时间,
法定节假日闭站, 设施, 运营单位, 联系人, 联系电话. A row is matched to an existing station by
站点编码 (or, without a code, by 名称 + 属地) among the stations the importing account may
see; a code held by a station outside its scope is a row error that does not disclose that
station. An unchanged row changes nothing. Formulas are refused; every problem is
reported with its row number, column and reason in Chinese. Nothing is written while a
row has errors.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core import imports as framework
from gigbranch.core.imports import (
    Cells,
    Column,
    ImportRefused,
    ImportSpec,
    ParseResult,
    RowError,
    RowResult,
)

from . import rules, services
from .models import Amenity, Station, StationKind

__all__ = ["ImportReport", "RowError", "StationImport", "apply_import", "template_workbook"]

COLUMNS = [
    Column("站点编码", "external_code", False, "YX-001", max_length=40),
    Column("名称", "name", True, "城关暖心驿站", max_length=100),
    Column("类型", "kind", True, "暖心驿站"),
    Column("地址", "address", True, "人民路1号", max_length=200),
    Column("属地", "region", True, "城关街道"),
    Column("纬度", "latitude", True, 29.87),
    Column("经度", "longitude", True, 120.35),
    Column("开放时间", "hours", True, "24小时"),
    Column("法定节假日闭站", "closed_on_holidays", False, "否"),
    Column("设施", "amenities", False, "饮水、热饭/微波炉、充电"),
    Column("运营单位", "operator", False, "县总工会", max_length=100),
    Column("联系人", "contact_name", False, "张三", max_length=30),
    Column("联系电话", "contact_phone", False, "0571-00000000", max_length=20),
]
REQUIRED = [c.header for c in COLUMNS if c.required]
OPTIONAL = [c.header for c in COLUMNS if not c.required]
KIND_BY_LABEL = {label: value for value, label in StationKind.choices}
AMENITY_BY_LABEL = {label: value for value, label in Amenity.choices}
AMENITY_BY_LABEL.update(
    {
        "微波炉": "microwave",
        "热饭": "microwave",
        "饮用水": "water",
        "WiFi": "wifi",
        "wifi": "wifi",
        "厕所": "toilet",
        "休息": "seating",
    }
)


class StationImport(ImportSpec):
    name = "stations"
    title = "服务站点"
    columns = COLUMNS
    audit_action = "stations.imported"
    audit_object_type = "stations.station"
    required_message = "不能为空"
    formula_message = "不接受公式，请粘贴为数值"

    def prepare(self, actor: Any) -> dict[str, Any]:
        from gigbranch.organizations.models import Region

        return {r.name: r for r in Region.objects.visible_to(actor)}

    def clean(self, regions: dict[str, Any], cells: Cells) -> dict[str, Any]:
        if not cells.result.ok:  # a required cell empty or refused: nothing more to say
            return {}
        out: dict[str, Any] = {"name": cells.text("name")}
        kind = KIND_BY_LABEL.get(cells.text("kind"))
        if kind is None:
            cells.error("kind", f"未知类型“{cells.text('kind')}”，可选：{'、'.join(KIND_BY_LABEL)}")
        out["kind"] = kind
        out["address"] = cells.text("address")
        out["region"] = regions.get(cells.text("region"))
        if out["region"] is None:
            cells.error("region", f"“{cells.text('region')}”不是您管理范围内的区域")
        for key, lo, hi in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                number = float(cells.text(key))
                if not lo <= number <= hi:
                    raise ValueError
                out[key] = round(number, 6)
            except ValueError:
                cells.error(key, f"应为{lo}到{hi}之间的数字")
        try:
            rules.parse_hours(cells.text("hours"))
            out["hours"] = cells.text("hours")
        except ValueError as exc:
            cells.error("hours", str(exc))
        out["closed_on_holidays"] = cells.yes_no("closed_on_holidays")
        amenities = []
        for label in cells.text("amenities").replace("，", "、").replace(",", "、").split("、"):
            label = label.strip()
            if not label:
                continue
            code = AMENITY_BY_LABEL.get(label)
            if code is None:
                cells.error("amenities", f"未知设施“{label}”")
            else:
                amenities.append(code)
        out["amenities"] = sorted(set(amenities))
        for key in ("external_code", "operator", "contact_name", "contact_phone"):
            out[key] = cells.text(key)
        return out

    def key(self, values: dict[str, Any]) -> tuple[str, Hashable] | None:
        if not values or values.get("region") is None:
            return None
        if values["external_code"]:
            return "站点编码", ("code", values["external_code"])
        return "名称", ("name", values["name"], values["region"].pk)

    def match(self, ctx: Any, values: dict[str, Any], result: RowResult, actor: Any) -> Any:
        """The station this row updates, among the stations the actor may see (a code used
        by another township's station must not reveal that station)."""
        visible = Station.objects.visible_to(actor)
        code = values["external_code"]
        if not code:
            return visible.filter(name=values["name"], region=values["region"]).first()
        station = visible.filter(external_code=code).first()
        if station is None and Station.objects.filter(external_code=code).exists():
            result.error("站点编码", f"站点编码“{code}”已被您管理范围以外的站点使用，请核对编码")
        return station

    def differs(self, station: Any, values: dict[str, Any]) -> bool:
        fields = {k: v for k, v in values.items() if k not in ("amenities", "hours")}
        if audit.diff(station, fields):
            return True
        if sorted(station.amenities.values_list("code", flat=True)) != values["amenities"]:
            return True
        always, periods = rules.parse_hours(values["hours"])
        have = sorted((h.weekday, h.opens, h.closes) for h in station.hours.all())
        return not (
            station.always_open == always
            and have == sorted((p.weekday, p.opens, p.closes) for p in periods)
        )

    def write(self, row: RowResult, actor: Any) -> None:
        if row.target is None:
            services.create_station(actor=actor, **row.values)
            return
        try:
            services.update_station(actor=actor, station=row.target, **row.values)
        except PermissionDenied as exc:
            raise ValidationError(f"站点“{row.target.name}”不在您的管理范围内") from exc


SPEC = StationImport()


@dataclass
class ImportReport:
    """What the station import page shows: the counts, or every row error."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    parsed: ParseResult | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_workbook(data: bytes, *, actor: Any) -> ImportReport:
    """Read and validate every row; nothing is written. The report holds the errors (a
    file refused as a whole is one error on row 0, or on row 1 for missing columns)."""
    report = ImportReport()
    try:
        result = framework.parse(SPEC, data, actor=actor)
    except ImportRefused as exc:
        if exc.missing:
            report.errors.append(RowError(1, "、".join(exc.missing), "缺少必填列"))
        else:
            report.errors.append(RowError(0, "", str(exc)))
        return report
    report.errors, report.parsed = result.errors(), result
    return report


def apply_import(*, actor: Any, data: bytes, dry_run: bool) -> ImportReport:
    """Validate; when `dry_run` is False and there are no errors, create/update in one
    transaction. Re-importing the same file reports every row unchanged."""
    if not has_capability(actor, "stations.manage"):
        raise PermissionDenied("您的角色无权导入服务站点。")
    report = parse_workbook(data, actor=actor)
    result = report.parsed
    if result is None or not report.ok:
        return report
    if dry_run:
        counts = result.counts()
        report.created, report.updated, report.unchanged = (
            counts["create"],
            counts["update"],
            counts["unchanged"],
        )
        return report
    done = framework.apply(SPEC, result, actor=actor)
    report.created, report.updated, report.unchanged = (
        done["created"],
        done["updated"],
        done["unchanged"],
    )
    return report


def template_workbook() -> bytes:
    return framework.template_bytes(SPEC.title, SPEC.columns, mark_required=False)
