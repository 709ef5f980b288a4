"""Excel import of service stations: dry run first, idempotent re-import.

Columns (header row, any order): 站点编码, 名称, 类型, 地址, 属地, 纬度, 经度, 开放时间,
法定节假日闭站, 设施, 运营单位, 联系人, 联系电话. A row is matched to an existing station by
站点编码 (or, without a code, by 名称 + 属地); an unchanged row changes nothing. Formulas are
refused; every problem is reported with its row number, column and reason in Chinese.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core.text import has_control_characters
from gigbranch.core.xlsx import xlsx_bytes

from . import rules, services
from .models import Amenity, Station, StationKind

REQUIRED = ["名称", "类型", "地址", "属地", "纬度", "经度", "开放时间"]
OPTIONAL = ["站点编码", "法定节假日闭站", "设施", "运营单位", "联系人", "联系电话"]
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


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # sheet row of each entry in rows

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def parse_workbook(data: bytes, *, actor: Any) -> ImportReport:
    """Read and validate every row; nothing is written."""
    from openpyxl import load_workbook

    from gigbranch.core.workbook import WorkbookRefused, check_upload
    from gigbranch.organizations.models import Region

    report = ImportReport()
    try:
        check_upload(data)
    except WorkbookRefused as exc:
        report.errors.append(RowError(0, "", str(exc)))
        return report
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        report.errors.append(RowError(0, "", "无法读取文件，请上传 .xlsx 格式的 Excel 文件"))
        return report
    ws = wb.worksheets[0]
    rows = ws.iter_rows()
    try:
        header = [_cell(c.value) for c in next(rows)]
    except StopIteration:
        report.errors.append(RowError(1, "", "表格为空"))
        return report
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.errors.append(RowError(1, "、".join(missing), "缺少必填列"))
        return report
    regions = {r.name: r for r in Region.objects.visible_to(actor)}
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        values: dict[str, Any] = {}
        for col, cell in zip(header, row, strict=False):
            if not col:
                continue
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(cell.value, str) and cell.value.startswith("=")
            ):
                report.errors.append(RowError(number, col, "不接受公式，请粘贴为数值"))
                values[col] = None
                continue
            values[col] = cell.value
        if all(_cell(v) == "" for v in values.values()):
            continue
        parsed = _parse_row(number, values, regions, report)
        if parsed is None:
            continue
        key = parsed["external_code"] or f"{parsed['name']}@{parsed['region'].pk}"
        if key in seen:
            report.errors.append(
                RowError(
                    number,
                    "站点编码" if parsed["external_code"] else "名称",
                    f"与第{seen[key]}行重复",
                )
            )
            continue
        seen[key] = number
        report.rows.append(parsed)
        report.row_numbers.append(number)
    return report


def _parse_row(
    number: int, v: dict[str, Any], regions: dict[str, Any], report: ImportReport
) -> dict[str, Any] | None:
    before = len(report.errors)

    def err(column: str, reason: str) -> None:
        report.errors.append(RowError(number, column, reason))

    def text(column: str, limit: int) -> str:
        value = _cell(v.get(column))
        if has_control_characters(value):
            err(column, "含有不可见的控制字符，请删除后重新导入")
        elif len(value) > limit:
            err(column, f"超过{limit}个字（现为{len(value)}个字），请缩短后重新导入")
        return value

    out: dict[str, Any] = {}
    for col in REQUIRED:
        if _cell(v.get(col)) == "":
            err(col, "不能为空")
    if len(report.errors) > before:
        return None
    out["name"] = text("名称", 100)
    kind = KIND_BY_LABEL.get(_cell(v["类型"]))
    if kind is None:
        err("类型", f"未知类型“{_cell(v['类型'])}”，可选：{'、'.join(KIND_BY_LABEL)}")
    out["kind"] = kind
    out["address"] = text("地址", 200)
    region = regions.get(_cell(v["属地"]))
    if region is None:
        err("属地", f"“{_cell(v['属地'])}”不是您管理范围内的区域")
    out["region"] = region
    for col, key, lo, hi in (("纬度", "latitude", -90, 90), ("经度", "longitude", -180, 180)):
        try:
            f = float(_cell(v[col]))
            if not lo <= f <= hi:
                raise ValueError
            out[key] = round(f, 6)
        except ValueError:
            err(col, f"应为{lo}到{hi}之间的数字")
    try:
        rules.parse_hours(_cell(v["开放时间"]))
        out["hours"] = _cell(v["开放时间"])
    except ValueError as exc:
        err("开放时间", str(exc))
    holiday = _cell(v.get("法定节假日闭站"))
    if holiday not in ("", "是", "否"):
        err("法定节假日闭站", "请填“是”或“否”")
    out["closed_on_holidays"] = holiday == "是"
    amenities = []
    for label in _cell(v.get("设施")).replace("，", "、").replace(",", "、").split("、"):
        label = label.strip()
        if not label:
            continue
        code = AMENITY_BY_LABEL.get(label)
        if code is None:
            err("设施", f"未知设施“{label}”")
        else:
            amenities.append(code)
    out["amenities"] = sorted(set(amenities))
    out["external_code"] = text("站点编码", 40)
    out["operator"] = text("运营单位", 100)
    out["contact_name"] = text("联系人", 30)
    out["contact_phone"] = text("联系电话", 20)
    return None if len(report.errors) > before else out


def _existing(row: dict[str, Any], actor: Any) -> Station | None:
    """The station this row updates, looked up only among stations the actor may see (a
    code used by another township's station must not reveal that station)."""
    visible = Station.objects.visible_to(actor)
    if row["external_code"]:
        return visible.filter(external_code=row["external_code"]).first()
    return visible.filter(name=row["name"], region=row["region"]).first()


def _check_codes_in_scope(report: ImportReport, actor: Any) -> None:
    """A 站点编码 already used by a station outside the actor's scope is a row error (in the
    dry run too); the other station's details are not disclosed."""
    codes = {row["external_code"] for row in report.rows if row["external_code"]}
    if not codes:
        return
    visible = set(
        Station.objects.visible_to(actor)
        .filter(external_code__in=codes)
        .values_list("external_code", flat=True)
    )
    taken = set(
        Station.objects.filter(external_code__in=codes - visible).values_list(
            "external_code", flat=True
        )
    )
    for number, row in zip(report.row_numbers, report.rows, strict=True):
        if row["external_code"] in taken:
            report.errors.append(
                RowError(
                    number,
                    "站点编码",
                    f"站点编码“{row['external_code']}”已被您管理范围以外的站点使用，请核对编码",
                )
            )


def _same(station: Station, row: dict[str, Any]) -> bool:
    fields = {k: v for k, v in row.items() if k not in ("amenities", "hours")}
    if audit.diff(station, fields):
        return False
    if sorted(station.amenities.values_list("code", flat=True)) != row["amenities"]:
        return False
    always, periods = rules.parse_hours(row["hours"])
    have = sorted((h.weekday, h.opens, h.closes) for h in station.hours.all())
    return station.always_open == always and have == sorted(
        (p.weekday, p.opens, p.closes) for p in periods
    )


def apply_import(*, actor: Any, data: bytes, dry_run: bool) -> ImportReport:
    """Validate; when `dry_run` is False and there are no errors, create/update in one
    transaction. Re-importing the same file reports every row unchanged."""
    if not has_capability(actor, "stations.manage"):
        raise PermissionDenied("您的角色无权导入服务站点。")
    report = parse_workbook(data, actor=actor)
    if report.ok:
        _check_codes_in_scope(report, actor)
    if not report.ok:
        return report
    with transaction.atomic():
        for row in report.rows:
            station = _existing(row, actor)
            if station is None:
                report.created += 1
                if not dry_run:
                    services.create_station(actor=actor, **row)
            elif _same(station, row):
                report.unchanged += 1
            else:
                report.updated += 1
                if not dry_run:
                    try:
                        services.update_station(actor=actor, station=station, **row)
                    except PermissionDenied as exc:
                        raise ValidationError(f"站点“{station.name}”不在您的管理范围内") from exc
        if not dry_run:
            audit.record(
                actor=actor,
                action="stations.imported",
                object_type="stations.station",
                changes={
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    return report


def template_workbook() -> bytes:
    return xlsx_bytes(
        "服务站点",
        ["站点编码", *REQUIRED, "法定节假日闭站", "设施", "运营单位", "联系人", "联系电话"],
        [
            [
                "YX-001",
                "城关暖心驿站",
                "暖心驿站",
                "人民路1号",
                "城关街道",
                29.87,
                120.35,
                "24小时",
                "否",
                "饮水、热饭/微波炉、充电",
                "县总工会",
                "张三",
                "0571-00000000",
            ]
        ],
    )
