"""Excel import and export of organisations and workplaces (issue 3: import and export).

Import is two-step: `parse_*` reads the file (read-only, defused XML, size- and
zip-ratio-limited, formulas refused) and returns every row with its errors (row number,
column, reason in Chinese) and the action it would take; `apply_*` writes the valid rows
through the services in one transaction — refused while any row has errors unless the
user explicitly asked for the valid rows only. Rows are upserted (workplaces by credit
code, else name + region; organisations by name + parent), so re-importing the same file
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.core.masking import mask_mobile
from gigbranch.core.text import has_control_characters
from gigbranch.core.validators import normalize_uscc
from gigbranch.core.xlsx import xlsx_bytes

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

MAX_ROWS = 20_000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200


class ImportRefused(Exception):
    """The whole file is refused (size, format, XML bomb); nothing was read into the DB."""


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    example: str = ""
    max_length: int = 0  # text longer than this is refused with the limit, never cut


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
TEMPLATES = {
    "workplaces": ("企业站点导入模板", WORKPLACE_COLUMNS),
    "organizations": ("党组织导入模板", ORGANIZATION_COLUMNS),
}


@dataclass
class RowResult:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    action: str = ""  # create / update / unchanged
    target: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ParseResult:
    kind: str
    rows: list[RowResult]

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def good_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.errors]

    def counts(self) -> dict[str, int]:
        out = {
            "total": len(self.rows),
            "bad": len(self.bad_rows),
            "create": 0,
            "update": 0,
            "unchanged": 0,
        }
        for r in self.good_rows:
            out[r.action] += 1
        return out


# --- Template and export ---------------------------------------------------------------


def _workbook(title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    return xlsx_bytes(title, headers, rows)


def template_bytes(kind: str) -> bytes:
    title, columns = TEMPLATES[kind]
    headers = [c.header + ("*" if c.required else "") for c in columns]
    return _workbook(title, headers, [[c.example for c in columns]])


def _phone(value: str, reveal: bool) -> str:
    """Ledger phone cell: masked unless the exporter holds `pii.reveal` (DESIGN §2)."""
    return value if reveal else mask_mobile(value)


def _drop_masked(out: dict[str, Any], *keys: str) -> None:
    """A masked phone (from a masked export) is not a new value: keep what is stored."""
    for key in keys:
        if "*" in out.get(key, ""):
            del out[key]


def export_workplaces(qs: Any, *, reveal: bool = False) -> bytes:
    headers = [c.header for c in WORKPLACE_COLUMNS] + ["登记劳动者", "正式党员"]
    from .queries import full_members_by_workplace, workers_by_workplace

    full = full_members_by_workplace()
    workers = workers_by_workplace()
    rows = []
    for wp in qs.select_related("region", "organization", "instructor").order_by(
        "region__path", "name", "pk"
    ):
        rows.append(
            [
                wp.name,
                wp.credit_code or "",
                wp.get_kind_display(),
                wp.brand,
                wp.region.name,
                wp.address,
                float(wp.latitude) if wp.latitude is not None else "",
                float(wp.longitude) if wp.longitude is not None else "",
                wp.contact_name,
                _phone(wp.contact_phone, reveal),
                wp.reported_worker_count,
                wp.get_coverage_mode_display(),
                wp.organization.name if wp.organization else "",
                wp.instructor.name if wp.instructor else "",
                workers.get(wp.pk, 0),
                full.get(wp.pk, 0),
            ]
        )
    return _workbook("企业站点台账", headers, rows)


def export_organizations(qs: Any, *, reveal: bool = False) -> bytes:
    headers = [c.header for c in ORGANIZATION_COLUMNS] + ["正式党员", "党员总数"]
    rows = []
    for org in qs.select_related("region", "parent").order_by("path"):
        rows.append(
            [
                org.name,
                org.get_kind_display(),
                org.get_setup_method_display() if org.setup_method else "",
                org.parent.name if org.parent else "",
                org.region.name,
                org.founded_on.isoformat() if org.founded_on else "",
                org.term_start.isoformat() if org.term_start else "",
                org.term_years or "",
                org.secretary_name,
                _phone(org.secretary_phone, reveal),
                org.contact_name,
                _phone(org.contact_phone, reveal),
                org.address,
                getattr(org, "n_full", ""),
                getattr(org, "n_members", ""),
            ]
        )
    return _workbook("党组织台账", headers, rows)


# --- Reading ----------------------------------------------------------------------------


def _open_sheet(data: bytes) -> list[tuple[int, list[Any]]]:
    from gigbranch.core.workbook import WorkbookRefused, check_upload

    try:
        check_upload(data, max_uncompressed=MAX_UNCOMPRESSED)
    except WorkbookRefused as exc:
        raise ImportRefused(str(exc)) from None
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except ImportRefused:
        raise
    except Exception as exc:  # defusedxml raises on entity declarations (XML bombs)
        if _unsafe_xml(exc):
            raise ImportRefused("文件包含不安全的XML内容（实体声明），已拒绝。") from None
        raise ImportRefused("无法读取该Excel文件，请使用下载的模板重新填写。") from None
    rows: list[tuple[int, list[Any]]] = []
    try:
        ws = wb.worksheets[0]
        for index, row in enumerate(ws.iter_rows(), start=1):
            values = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    values.append(_Formula(str(cell.value)))
                else:
                    values.append(cell.value)
            rows.append((index, values))
            if index > MAX_ROWS + 1:
                raise ImportRefused(f"文件超过{MAX_ROWS}行，请分批导入。")
    except ImportRefused:
        raise
    except Exception as exc:
        if _unsafe_xml(exc):
            raise ImportRefused("文件包含不安全的XML内容（实体声明），已拒绝。") from None
        raise ImportRefused("无法读取该Excel文件，请使用下载的模板重新填写。") from None
    finally:
        wb.close()
    return rows


def _unsafe_xml(exc: BaseException | None) -> bool:
    """True when defusedxml refused the XML anywhere in the exception chain."""
    from defusedxml import DefusedXmlException

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class _Formula(str):
    pass


def _header_map(header_row: list[Any], columns: list[Column]) -> dict[str, int]:
    found: dict[str, int] = {}
    by_header = {c.header: c for c in columns}
    for i, raw in enumerate(header_row):
        text = str(raw or "").strip().rstrip("*").strip()
        if text in by_header:
            found[by_header[text].key] = i
    missing = [c.header for c in columns if c.required and c.key not in found]
    if missing:
        raise ImportRefused(f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板。")
    return found


def _cells(
    values: list[Any], header: dict[str, int], columns: list[Column], result: RowResult
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in columns:
        idx = header.get(col.key)
        raw = values[idx] if idx is not None and idx < len(values) else None
        if isinstance(raw, _Formula) or (isinstance(raw, str) and raw.startswith("=")):
            result.errors.append((col.header, "不接受公式，请填写数值或文字"))
            out[col.key] = None
            continue
        if isinstance(raw, str):
            raw = raw.strip()
            if raw.startswith("'"):
                raw = raw[1:]
            if has_control_characters(raw):
                result.errors.append((col.header, "含有不可见的控制字符，请删除后重新导入"))
                out[col.key] = None
                continue
            if col.max_length and len(raw) > col.max_length:
                result.errors.append(
                    (
                        col.header,
                        f"超过{col.max_length}个字（现为{len(raw)}个字），请缩短后重新导入",
                    )
                )
                out[col.key] = None
                continue
        if raw in ("", None):
            if col.required:
                result.errors.append((col.header, "必填项为空"))
            out[col.key] = None
            continue
        out[col.key] = raw
    return out


def _choice(value: Any, choices: Any, header: str, result: RowResult) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    for val, label in choices:
        if text in (val, label):
            return str(val)
    result.errors.append(
        (header, f"“{text}”不是有效选项，可选：{'、'.join(str(lbl) for _, lbl in choices)}")
    )
    return None


def _decimal(value: Any, header: str, result: RowResult, lo: float, hi: float) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        result.errors.append((header, f"“{value}”不是数字"))
        return None
    if not lo <= float(d) <= hi:
        result.errors.append((header, f"{value}超出有效范围（{lo}～{hi}）"))
        return None
    return d


def _int(
    value: Any, header: str, result: RowResult, lo: int = 0, hi: int = 1_000_000
) -> int | None:
    if value is None:
        return None
    try:
        number = int(Decimal(str(value)))
        if Decimal(str(value)) != number:
            raise ValueError
    except (InvalidOperation, ValueError):
        result.errors.append((header, f"“{value}”不是整数"))
        return None
    if not lo <= number <= hi:
        result.errors.append((header, f"{number}超出有效范围（{lo}～{hi}）"))
        return None
    return number


def _date(value: Any, header: str, result: RowResult) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        result.errors.append((header, f"“{value}”不是有效日期，应为如2024-07-01的格式"))
        return None


class _Lookup:
    """Names → objects inside the actor's scope, loaded once per file."""

    def __init__(self, actor: Any) -> None:
        regions = list(Region.objects.visible_to(actor))
        self.regions: dict[str, list[Region]] = {}
        for r in regions:
            self.regions.setdefault(r.name, []).append(r)
            self.regions.setdefault(r.code, []).append(r)
        self.orgs: dict[str, list[Organization]] = {}
        for o in Organization.objects.visible_to(actor):
            self.orgs.setdefault(o.name, []).append(o)
        self.instructors: dict[str, list[Instructor]] = {}
        for i in Instructor.objects.visible_to(actor):
            self.instructors.setdefault(i.name, []).append(i)

    @staticmethod
    def one(
        table: dict[str, list[Any]], value: Any, header: str, what: str, result: RowResult
    ) -> Any:
        if value is None:
            return None
        found = table.get(str(value).strip(), [])
        if not found:
            result.errors.append((header, f"未找到{what}“{value}”，或不在您的数据范围内"))
            return None
        if len(found) > 1:
            result.errors.append((header, f"{what}“{value}”有重名，请改用唯一名称或代码"))
            return None
        return found[0]


def parse_workplaces(data: bytes, *, actor: Any) -> ParseResult:
    rows = _open_sheet(data)
    if not rows:
        raise ImportRefused("文件是空的。")
    columns = WORKPLACE_COLUMNS
    header = _header_map(rows[0][1], columns)
    heads = {c.key: c.header for c in columns}
    look = _Lookup(actor)
    seen: dict[Any, int] = {}
    results: list[RowResult] = []
    existing_codes = {
        wp.credit_code: wp
        for wp in Workplace.objects.filter(credit_code__isnull=False).only("pk", "credit_code")
    }
    for number, values in rows[1:]:
        if all(v in (None, "") for v in values):
            continue
        res = RowResult(row=number)
        raw = _cells(values, header, columns, res)
        out: dict[str, Any] = {"name": str(raw["name"]) if raw["name"] is not None else None}
        code = raw["credit_code"]
        if code is not None:
            try:
                out["credit_code"] = normalize_uscc(str(code))
            except ValidationError as exc:
                res.errors.append((heads["credit_code"], exc.messages[0]))
                out["credit_code"] = None
        else:
            out["credit_code"] = None
        out["kind"] = _choice(raw["kind"], WorkplaceKind.choices, heads["kind"], res)
        out["brand"] = str(raw["brand"] or "")
        out["region"] = look.one(look.regions, raw["region"], heads["region"], "属地", res)
        out["address"] = str(raw["address"] or "")
        out["latitude"] = _decimal(raw["latitude"], heads["latitude"], res, -90, 90)
        out["longitude"] = _decimal(raw["longitude"], heads["longitude"], res, -180, 180)
        out["contact_name"] = str(raw["contact_name"] or "")
        out["contact_phone"] = str(raw["contact_phone"] or "")
        _drop_masked(out, "contact_phone")
        out["reported_worker_count"] = (
            _int(raw["reported_worker_count"], heads["reported_worker_count"], res) or 0
        )
        out["organization"] = look.one(
            look.orgs, raw["organization"], heads["organization"], "党组织", res
        )
        out["instructor"] = look.one(
            look.instructors, raw["instructor"], heads["instructor"], "指导员", res
        )
        mode = _choice(raw["coverage_mode"], CoverageMode.choices, heads["coverage_mode"], res)
        if mode is None and raw["coverage_mode"] is None:
            mode = CoverageMode.INSTRUCTOR if out["instructor"] else CoverageMode.NONE
            if out["organization"] is not None:
                res.errors.append(
                    (heads["coverage_mode"], "填写了覆盖党组织时，应同时填写覆盖方式")
                )
        out["coverage_mode"] = mode
        if (
            mode in (CoverageMode.OWN_BRANCH, CoverageMode.JOINT_BRANCH)
            and out["organization"] is None
            and raw["organization"] is None
        ):
            res.errors.append(
                (heads["organization"], "单独建立或联合党支部覆盖的，应填写覆盖党组织")
            )
        if (
            mode == CoverageMode.JOINT_BRANCH
            and out["organization"] is not None
            and out["organization"].kind != OrgKind.JOINT_BRANCH
        ):
            res.errors.append((heads["organization"], "联合党支部覆盖的，覆盖党组织应为联合党支部"))
        key = (
            ("code", out["credit_code"])
            if out["credit_code"]
            else ("name", out["name"], getattr(out["region"], "pk", None))
        )
        if key in seen and out["name"]:
            res.errors.append(
                (
                    heads["credit_code"] if key[0] == "code" else heads["name"],
                    f"与第{seen[key]}行重复",
                )
            )
        else:
            seen[key] = number
        res.values = out
        if res.ok:
            target = None
            if out["credit_code"]:
                target = existing_codes.get(out["credit_code"])
                if (
                    target is not None
                    and not Workplace.objects.visible_to(actor).filter(pk=target.pk).exists()
                ):
                    res.errors.append(
                        (heads["credit_code"], "该统一社会信用代码已被其他辖区的企业使用")
                    )
            else:
                target = Workplace.objects.filter(name=out["name"], region=out["region"]).first()
            if res.ok:
                res.target = target
                res.action = (
                    "create"
                    if target is None
                    else (
                        "update"
                        if _differs(Workplace.objects.get(pk=target.pk), out)
                        else "unchanged"
                    )
                )
        results.append(res)
    return ParseResult("workplaces", results)


def _differs(obj: Any, values: dict[str, Any]) -> bool:
    return bool(audit.diff(obj, values))


def parse_organizations(data: bytes, *, actor: Any) -> ParseResult:
    rows = _open_sheet(data)
    if not rows:
        raise ImportRefused("文件是空的。")
    columns = ORGANIZATION_COLUMNS
    header = _header_map(rows[0][1], columns)
    heads = {c.key: c.header for c in columns}
    look = _Lookup(actor)
    seen: dict[Any, int] = {}
    results: list[RowResult] = []
    for number, values in rows[1:]:
        if all(v in (None, "") for v in values):
            continue
        res = RowResult(row=number)
        raw = _cells(values, header, columns, res)
        out: dict[str, Any] = {"name": str(raw["name"]) if raw["name"] is not None else None}
        out["kind"] = _choice(raw["kind"], OrgKind.choices, heads["kind"], res)
        out["setup_method"] = (
            _choice(raw["setup_method"], SetupMethod.choices, heads["setup_method"], res) or ""
        )
        parent = look.one(look.orgs, raw["parent"], heads["parent"], "上级党组织", res)
        out["region"] = look.one(look.regions, raw["region"], heads["region"], "属地", res)
        out["founded_on"] = _date(raw["founded_on"], heads["founded_on"], res)
        out["term_start"] = _date(raw["term_start"], heads["term_start"], res)
        out["term_years"] = _int(raw["term_years"], heads["term_years"], res, 1, 10)
        for key, size in (
            ("secretary_name", 30),
            ("secretary_phone", 20),
            ("contact_name", 30),
            ("contact_phone", 20),
            ("address", 200),
        ):
            out[key] = str(raw[key] or "")[:size]
        _drop_masked(out, "secretary_phone", "contact_phone")
        org_key = (out["name"], getattr(parent, "pk", None))
        if org_key in seen and out["name"]:
            res.errors.append((heads["name"], f"与第{seen[org_key]}行重复"))
        else:
            seen[org_key] = number
        res.values = out | {"parent": parent}
        if res.ok:
            target = Organization.objects.filter(name=out["name"], parent=parent).first()
            res.target = target
            res.action = (
                "create" if target is None else ("update" if _differs(target, out) else "unchanged")
            )
        results.append(res)
    return ParseResult("organizations", results)


def parse(kind: str, data: bytes, *, actor: Any) -> ParseResult:
    return {"workplaces": parse_workplaces, "organizations": parse_organizations}[kind](
        data, actor=actor
    )


@transaction.atomic
def apply(result: ParseResult, *, actor: Any, valid_only: bool = False) -> dict[str, int]:
    """Write the parsed rows. With errors present, writes nothing unless `valid_only`."""
    if result.bad_rows and not valid_only:
        raise ValidationError(
            f"有{len(result.bad_rows)}行存在错误，未导入任何数据。请修改后重新导入，或选择“仅导入正确的行”。"
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": len(result.bad_rows)}
    for row in result.good_rows:
        values = dict(row.values)
        if result.kind == "workplaces":
            if row.target is None:
                services.create_workplace(actor=actor, **values)
                counts["created"] += 1
            elif row.action == "update":
                services.update_workplace(actor=actor, workplace=row.target, **values)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        else:
            parent = values.pop("parent")
            if row.target is None:
                services.create_organization(actor=actor, parent=parent, **values)
                counts["created"] += 1
            elif row.action == "update":
                services.update_organization(actor=actor, organization=row.target, **values)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    audit.record(
        actor=actor,
        action=f"{result.kind}.imported",
        object_type=f"organizations.{result.kind}",
        changes=counts | {"valid_only": valid_only},
    )
    return counts
