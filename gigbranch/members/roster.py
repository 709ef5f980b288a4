"""Roster engine: read an Excel roster, map its columns, validate rows, upsert workers.

Used by the Excel import (services/roster.py, in batches, possibly in a background task)
and by the roster API (api/members.py). Rows are validated one by one (rules.md ID:
check character; mobile format; duplicates in the file; duplicates against the database by
the ID blind index; unknown workplace). Valid rows are upserted by the ID blind index (the
API also by platform worker ID); an unchanged row is recognised by a keyed fingerprint and
costs no write. Plaintext never reaches the database: the model fields encrypt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from gigbranch.core.crypto import get_cipher
from gigbranch.core.fields import blind_index
from gigbranch.core.masking import mask_mobile, mask_resident_id
from gigbranch.core.text import has_control_characters
from gigbranch.core.validators import normalize_mobile, parse_resident_id
from gigbranch.organizations.models import Workplace

from .models import Occupation, Platform, PoliticalStatus, Worker, WorkerChange, WorkerStatus

# field → (label, required)
FIELDS: dict[str, tuple[str, bool]] = {
    "name": ("姓名", True),
    "id_number": ("公民身份号码", True),
    "mobile": ("手机号码", False),
    "platform_worker_id": ("平台工号", False),
    "workplace": ("所属站点", True),
    "occupation": ("职业", False),
    "started_on": ("从业开始日期", False),
    "political_status": ("政治面貌", False),
    "hometown": ("籍贯", False),
    "union_member": ("工会会员", False),
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "骑手姓名", "员工姓名", "司机姓名", "名字"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证"),
    "mobile": ("手机号", "手机号码", "联系电话", "手机", "电话"),
    "platform_worker_id": (
        "平台工号",
        "工号",
        "骑手id",
        "骑手编号",
        "司机id",
        "员工编号",
        "账号id",
    ),
    "workplace": (
        "所属站点",
        "站点",
        "站点名称",
        "网点",
        "所属网点",
        "配送站",
        "所属企业",
        "企业/站点",
    ),
    "occupation": ("职业", "岗位", "工种"),
    "started_on": ("入职日期", "从业开始日期", "注册日期", "入职时间"),
    "political_status": ("政治面貌",),
    "hometown": ("籍贯", "户籍地"),
    "union_member": ("工会会员", "是否工会会员", "已入会"),
}
OCCUPATION_LABELS = (
    {label: value for value, label in Occupation.choices}
    | {
        "骑手": Occupation.DELIVERY_RIDER,
        "配送员": Occupation.DELIVERY_RIDER,
        "快递小哥": Occupation.COURIER,
        "网约车": Occupation.RIDE_HAILING_DRIVER,
        "司机": Occupation.RIDE_HAILING_DRIVER,
        "货车": Occupation.TRUCK_DRIVER,
        "主播": Occupation.ONLINE_HOST,
    }
    | {value: value for value in Occupation.values}
)
POLITICAL_LABELS = (
    {label: value for value, label in PoliticalStatus.choices}
    | {
        "党员": PoliticalStatus.PARTY_MEMBER,
        "预备党员": PoliticalStatus.PROBATIONARY,
        "团员": PoliticalStatus.LEAGUE_MEMBER,
        "无党派": PoliticalStatus.MASSES,
    }
    | {value: value for value in PoliticalStatus.values}
)
YES = {"是", "y", "yes", "1", "true", "√", "已入会"}
NO = {"否", "n", "no", "0", "false", "", "未入会"}
YES_OR_NO = frozenset(YES | NO)
_OTHER, _MASSES = Occupation.OTHER, PoliticalStatus.MASSES  # defaults for blank cells


def _norm_header(h: Any) -> str:
    return re.sub(r"[\s*（）()：:]", "", str(h or "")).lower()


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """header → field. The platform's remembered mapping first, then synonyms."""
    out: dict[str, str] = {}
    used: set[str] = set()
    remembered = remembered or {}
    for h in headers:
        f = remembered.get(h)
        if f is not None and f in FIELDS and f not in used:
            out[h] = f
            used.add(f)
    for h in headers:
        if h in out:
            continue
        key = _norm_header(h)
        for f, names in SYNONYMS.items():
            if f not in used and key in {_norm_header(n) for n in names}:
                out[h] = f
                used.add(f)
                break
    return out


def check_mapping(mapping: dict[str, str]) -> None:
    fields = [f for f in mapping.values() if f]
    errors = {}
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        errors["mapping"] = f"未知字段：{'、'.join(unknown)}"
    dup = sorted({FIELDS[f][0] for f in fields if f in FIELDS and fields.count(f) > 1})
    if dup:
        errors["mapping"] = f"以下字段对应了多列：{'、'.join(dup)}"
    missing = [label for f, (label, req) in FIELDS.items() if req and f not in fields]
    if missing:
        errors["required"] = f"必须指定以下字段对应的列：{'、'.join(missing)}"
    if errors:
        raise ValidationError(errors)


# --- reading ------------------------------------------------------------------------------


class RosterFileError(ValidationError):
    pass


def open_sheet(data: bytes) -> Any:
    from gigbranch.core.workbook import READ_ERRORS, WorkbookRefused, check_upload

    from .xlsxreader import Sheet

    try:
        check_upload(data)
    except WorkbookRefused as exc:
        raise RosterFileError(str(exc)) from None
    try:
        return Sheet(data)
    except READ_ERRORS:
        raise RosterFileError(UNREADABLE) from None


UNREADABLE = "无法读取Excel文件，请确认为.xlsx格式且未加密。"


def _sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows; a file that turns out unreadable half-way is a RosterFileError
    (a Chinese message for the user), never an internal error."""
    from gigbranch.core.workbook import READ_ERRORS

    try:
        yield from sheet.rows()
    except READ_ERRORS:
        raise RosterFileError(UNREADABLE) from None


def read_headers(data: bytes) -> tuple[list[str], int]:
    """Header row and number of data rows."""
    sheet = open_sheet(data)
    first = next(_sheet_rows(sheet), None)
    if not first:
        raise RosterFileError("Excel文件为空。")
    headers = [_text(h) for h in first]
    return headers, max(sheet.row_count() - 1, 0)


def iter_mapped_rows(data: bytes, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row number, {field: raw value}) for each non-empty data row."""
    rows = _sheet_rows(open_sheet(data))
    first = next(rows, None) or ()
    headers = [_text(h) for h in first]
    index = [(i, mapping[h]) for i, h in enumerate(headers) if mapping.get(h)]
    width = max((i for i, _ in index), default=-1) + 1
    for rownum, row in enumerate(rows, start=2):
        # () or only None / "" (a 0 or False cell is a value; any() rules most rows out)
        if not any(row) and (not row or all(v is None or v == "" for v in row)):
            continue
        if len(row) < width:
            row = (*row, *(None,) * (width - len(row)))
        yield rownum, {f: row[i] for i, f in index}


# --- validation ---------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    value: str = ""


@dataclass(slots=True)
class CleanRow:
    row: int
    name: str
    id_number: str
    id_hash: str
    sex: str
    birth_date: dt.date
    mobile: str
    platform_worker_id: str
    workplace_id: int
    region_id: int
    occupation: str
    started_on: dt.date | None
    political_status: str
    hometown: str
    union_member: bool
    fingerprint: str = ""
    # (id_number ciphertext, last-4 blind index, mobile ciphertext, mobile blind index),
    # computed ahead by the sealing process (rosterpipe) or else when the row is inserted.
    sealed: tuple[str, str, str, str | None] | None = None


@dataclass(slots=True)
class Checked:
    """A row after the checks that need nothing but the row itself (no file or database
    state), as `Validator.check_row` leaves it for `Validator.settle`.

    `pk` is set for a row that is, byte for byte, the last imported row of an active
    worker of the platform (an unchanged row); such a row keeps `raw` in case the file
    turns out to repeat it. `number`, `mobile` and `pid` are the keys the file-level
    duplicate checks use (None / "" when the row has no valid value for them)."""

    row: int
    fingerprint: str
    number: str | None
    mobile: str
    pid: str
    pk: int | None = None
    raw: dict[str, Any] | None = None
    clean: CleanRow | None = None
    errors: list[RowError] = field(default_factory=list)


EXCEL_EPOCH = dt.date(1899, 12, 30)
CONTROL_MESSAGE = "含有不可见的控制字符（如垂直制表符），请在Excel中删除后重新导入。"


def _text(v: Any) -> str:
    if type(v) is str:  # the common case first: called ~20 times per roster row
        return v.strip()
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _date(v: Any) -> dt.date | None:
    if v in (None, ""):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool) and 1 < v < 2958466:
        return EXCEL_EPOCH + dt.timedelta(days=int(v))  # Excel serial date
    s = _text(v)
    if len(s) == 10 and s[4] == "-":
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(s)


def mask_value(f: str, value: str) -> str:
    if f == "id_number":
        return mask_resident_id(value)
    if f == "mobile":
        return mask_mobile(value)
    return value[:40]


@dataclass
class Validator:
    """Validates rows for one platform and actor, in two stages:

    - `check_row` needs nothing but the row and the state loaded at the start (the
      platform's workplaces and last imported rows): parsing, formats, the ID check
      character and the ID blind index. It can run in another
      process (see rosterpipe.py).
    - `settle` applies what depends on the rest of the file, in row order: duplicates of
      an earlier row (the first occurrence stays valid) and a platform worker ID held by
      another worker.
    """

    platform: Platform
    workplaces: dict[str, Workplace]
    today: dt.date = field(default_factory=timezone.localdate)
    seen_ids: dict[str, int] = field(default_factory=dict)
    seen_mobiles: dict[str, int] = field(default_factory=dict)
    seen_platform_ids: dict[str, int] = field(default_factory=dict)
    # platform worker ID → ID blind index of the worker holding it in the database
    known_pids: dict[str, str] = field(default_factory=dict)
    # fingerprint of the last imported row → pk, for the platform's active workers
    known_fingerprints: dict[str, int] = field(default_factory=dict)
    seen_fingerprints: set[str] = field(default_factory=set)

    @classmethod
    def for_platform(cls, platform: Platform, actor: Any) -> Validator:
        known = dict(
            Worker.objects.filter(platform=platform)
            .exclude(platform_worker_id="")
            .values_list("platform_worker_id", "id_number_hash")
        )
        fingerprints = dict(
            Worker.objects.filter(platform=platform, status=WorkerStatus.ACTIVE)
            .exclude(roster_fingerprint="")
            .values_list("roster_fingerprint", "pk")
        )
        return cls(
            platform=platform,
            workplaces=workplaces_for(platform, actor),
            known_pids={k: v for k, v in known.items() if v},
            known_fingerprints=fingerprints,
        )

    # --- stage 1: the row alone ---------------------------------------------------------

    def check_row(self, rownum: int, raw: dict[str, Any]) -> Checked:
        """Row-local checks. An unchanged row (its fingerprint is a worker's last imported
        row) is not validated again: only its duplicate keys are taken."""
        fp = raw_fingerprint(self.platform.pk, raw)
        pk = self.known_fingerprints.get(fp)
        if pk is not None:
            mobile = _text(raw.get("mobile"))
            try:
                mobile = normalize_mobile(mobile) if mobile else ""
            except ValidationError:
                return self.check_local(rownum, raw, fp)
            number = _text(raw.get("id_number")).upper()
            return Checked(
                rownum, fp, number, mobile, _text(raw.get("platform_worker_id")), pk, raw
            )
        return self.check_local(rownum, raw, fp)

    def check_local(self, rownum: int, raw: dict[str, Any], fingerprint: str) -> Checked:
        errors: list[RowError] = []

        def err(f: str, reason: str, value: Any = "") -> None:
            errors.append(RowError(rownum, FIELDS[f][0], reason, mask_value(f, _text(value))))

        for f, v in raw.items():
            if isinstance(v, str) and v.startswith("="):
                err(f, "不接受公式，请粘贴为数值后再导入。", "")
            elif isinstance(v, str) and has_control_characters(v):
                # The value is not echoed: the character would break the error report.
                err(f, CONTROL_MESSAGE, "")
        if errors:
            return Checked(rownum, fingerprint, None, "", "", errors=errors)
        name = _text(raw.get("name"))
        if not name:
            err("name", "姓名不能为空。")
        elif len(name) > 40:
            err("name", "姓名超过40个字符。", name)
        rid = None
        id_raw = _text(raw.get("id_number"))
        try:
            rid = parse_resident_id(id_raw, today=self.today)
        except ValidationError as exc:
            err("id_number", f"{exc.messages[0]}（规则ID）", id_raw)
        mobile = ""
        mobile_raw = _text(raw.get("mobile"))
        if mobile_raw:
            try:
                mobile = normalize_mobile(mobile_raw)
            except ValidationError as exc:
                err("mobile", exc.messages[0], mobile_raw)
        pid = _text(raw.get("platform_worker_id"))
        if len(pid) > 40:
            err("platform_worker_id", "平台工号超过40个字符。", pid)
        wp_name = _text(raw.get("workplace"))
        workplace = self.workplaces.get(wp_name)
        if not wp_name:
            err("workplace", "所属站点不能为空。")
        elif workplace is None:
            err(
                "workplace",
                "未知站点：系统中没有该站点，或不属于本平台、不在您的管辖范围。",
                wp_name,
            )
        occ_raw = _text(raw.get("occupation"))
        occupation = OCCUPATION_LABELS.get(occ_raw, "" if occ_raw else _OTHER)
        if not occupation:
            err(
                "occupation",
                "职业应为：外卖骑手、快递员、网约车司机、货车司机、网络主播、其他。",
                occ_raw,
            )
        pol_raw = _text(raw.get("political_status"))
        political = POLITICAL_LABELS.get(pol_raw, "" if pol_raw else _MASSES)
        if not political:
            err(
                "political_status",
                "政治面貌应为：群众、共青团员、中共党员、中共预备党员、民主党派、其他。",
                pol_raw,
            )
        started = None
        try:
            started = _date(raw.get("started_on"))
            if started and started > self.today:
                err("started_on", "从业开始日期不能晚于今天。", started.isoformat())
        except ValueError:
            err("started_on", "日期格式应为YYYY-MM-DD。", raw.get("started_on"))
        union_raw = _text(raw.get("union_member")).lower()
        if union_raw not in YES_OR_NO:
            err("union_member", "工会会员应填“是”或“否”。", union_raw)
        checked = Checked(
            rownum, fingerprint, rid.number if rid else None, mobile, pid, errors=errors
        )
        if errors or rid is None or workplace is None:
            return checked
        checked.clean = CleanRow(
            row=rownum,
            name=name,
            id_number=rid.number,
            id_hash=blind_index(rid.number, context="id_number"),
            sex=rid.sex,
            birth_date=rid.birth_date,
            mobile=mobile,
            platform_worker_id=pid,
            workplace_id=workplace.pk,
            region_id=workplace.region_id,
            occupation=occupation,
            started_on=started,
            political_status=political,
            hometown=_text(raw.get("hometown"))[:40],
            union_member=union_raw in YES,
            fingerprint=fingerprint,
        )
        return checked

    # --- stage 2: the row in its file, in row order ---------------------------------------

    def settle(self, c: Checked) -> tuple[int | None, CleanRow | None, list[RowError]]:
        """(pk of an unchanged row, or None; the valid row, or None; the row's errors)."""
        if c.pk is not None:
            if c.fingerprint not in self.seen_fingerprints and not (
                c.number in self.seen_ids
                or (c.mobile and c.mobile in self.seen_mobiles)
                or (c.pid and c.pid in self.seen_platform_ids)
            ):
                self.seen_fingerprints.add(c.fingerprint)
                self._take(c)
                return c.pk, None, []
            # The file repeats it: validate it fully, so the duplicate is reported.
            assert c.raw is not None
            c = self.check_local(c.row, c.raw, c.fingerprint)
        errors = list(c.errors)
        rownum = c.row
        for value, seen, f, label in (
            (c.number, self.seen_ids, "id_number", "身份证号码"),
            (c.mobile, self.seen_mobiles, "mobile", "手机号码"),
            (c.pid, self.seen_platform_ids, "platform_worker_id", "平台工号"),
        ):
            if value:
                first = seen.setdefault(value, rownum)
                if first != rownum:
                    errors.append(
                        RowError(
                            rownum,
                            FIELDS[f][0],
                            f"与第{first}行{label}重复。",
                            mask_value(f, value),
                        )
                    )
        row = c.clean
        if errors or row is None:
            return None, None, errors
        holder = self.known_pids.get(row.platform_worker_id) if row.platform_worker_id else None
        if holder is not None and holder != row.id_hash:
            return (
                None,
                None,
                [
                    RowError(
                        rownum,
                        FIELDS["platform_worker_id"][0],
                        "该平台工号已被系统中另一名劳动者使用。",
                        row.platform_worker_id,
                    )
                ],
            )
        return None, row, []

    def _take(self, c: Checked) -> None:
        if c.number:
            self.seen_ids[c.number] = c.row
        if c.mobile:
            self.seen_mobiles[c.mobile] = c.row
        if c.pid:
            self.seen_platform_ids[c.pid] = c.row

    def clean(
        self, rownum: int, raw: dict[str, Any], fingerprint: str = ""
    ) -> tuple[CleanRow | None, list[RowError]]:
        """Both stages for one row, without the unchanged-row shortcut (the roster API)."""
        fp = fingerprint or raw_fingerprint(self.platform.pk, raw)
        _, row, errors = self.settle(self.check_local(rownum, raw, fp))
        return row, errors


def sealed_values(id_number: str, mobile: str) -> tuple[str, str, str, str | None]:
    """(ID ciphertext, last-4 blind index, mobile ciphertext or "", mobile blind index
    or None), exactly as the model fields would store them."""
    cipher = get_cipher()
    return (
        cipher.encrypt(id_number, context=_ID_CONTEXT),
        cipher.blind_index(id_number[-4:], context="id_last4"),
        cipher.encrypt(mobile, context=_MOBILE_CONTEXT) if mobile else "",
        cipher.blind_index(mobile, context="mobile") if mobile else None,
    )


_ID_CONTEXT = Worker._meta.get_field("id_number")._aad()  # type: ignore[union-attr]
_MOBILE_CONTEXT = Worker._meta.get_field("mobile")._aad()  # type: ignore[union-attr]


def _fingerprint_text(v: Any) -> str:
    """A cell's value as the fingerprint sees it. A date cell counts as its Excel serial
    number whichever reader produced it (calamine gives a date, the scanner the number),
    so the same file has the same fingerprints through either reader."""
    if type(v) is str:
        return v.strip()
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        v = v.date()
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return str((v - EXCEL_EPOCH).days)
    return _text(v)


_FIELD_NAMES = tuple(FIELDS)


def raw_fingerprint(platform_pk: int, raw: dict[str, Any]) -> str:
    """Keyed hash (never the row itself) of a roster row's values as given."""
    parts = [str(platform_pk)]
    for f in _FIELD_NAMES:  # inlined for text cells: once per row of a 100,000-row file
        v = raw.get(f)
        parts.append(v.strip() if type(v) is str else _fingerprint_text(v))
    return blind_index("\x1f".join(parts), context="roster_row")


def workplaces_for(platform: Platform, actor: Any) -> dict[str, Workplace]:
    """Workplaces a roster may name: the platform's own, within the actor's scope (if the
    actor is a staff account); the platform's API account is limited to the platform's."""
    qs = platform.workplaces.all()
    if not qs.exists():
        qs = Workplace.objects.all()
        if actor is not None:
            qs = qs.visible_to(actor)
    elif actor is not None and not platform.api_users.filter(pk=actor.pk).exists():
        qs = qs.filter(pk__in=Workplace.objects.visible_to(actor).values("pk"))
    return {w.name: w for w in qs.select_related("region")}


# --- upsert -------------------------------------------------------------------------------

CHUNK = 2000

WRITE_FIELDS = [
    "name",
    "mobile",
    "mobile_hash",
    "platform",
    "platform_worker_id",
    "workplace",
    "region",
    "occupation",
    "started_on",
    "political_status",
    "hometown",
    "union_member",
    "status",
    "left_on",
    "roster_fingerprint",
    "updated_at",
]
DIFF_FIELDS = [
    "name",
    "platform_id",
    "platform_worker_id",
    "workplace_id",
    "occupation",
    "started_on",
    "political_status",
    "hometown",
    "union_member",
    "status",
]
ONLY_FIELDS = [
    "name",
    "platform",
    "platform_worker_id",
    "workplace",
    "occupation",
    "started_on",
    "political_status",
    "hometown",
    "union_member",
    "status",
    "mobile_hash",
]


@dataclass
class Existing:
    pk: int
    platform_id: int | None
    fingerprint: str
    status: str
    visible: bool


def writable_workers(actor: Any, platform: Platform) -> Any:
    """Workers a roster may update: a platform's API account writes only the platform's
    own workers and workplaces; a staff account those in its scope."""
    if actor is None:
        return Worker.objects.all()
    if platform.api_users.filter(pk=actor.pk).exists():
        return Worker.objects.filter(
            models.Q(platform=platform) | models.Q(workplace__in=platform.workplaces.all())
        )
    return Worker.objects.visible_to(actor)


def lookup_existing(id_hashes: list[str], actor: Any, platform: Platform) -> dict[str, Existing]:
    out: dict[str, Existing] = {}
    writable = writable_workers(actor, platform)
    for start in range(0, len(id_hashes), 5000):
        part = id_hashes[start : start + 5000]
        rows = Worker.objects.filter(id_number_hash__anyof=part).values_list(
            "id_number_hash", "pk", "platform_id", "roster_fingerprint", "status"
        )
        found = {h: Existing(pk, p, fp, st, True) for h, pk, p, fp, st in rows if h}
        if found and actor is not None:
            visible = set(
                writable.filter(pk__anyof=[e.pk for e in found.values()]).values_list(
                    "pk", flat=True
                )
            )
            for e in found.values():
                e.visible = e.pk in visible
        out.update(found)
    return out


@dataclass
class UpsertStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    touched_pks: list[int] = field(default_factory=list)


def classify(
    rows: list[CleanRow],
    existing: dict[str, Existing],
    platform: Platform,
) -> tuple[list[CleanRow], list[tuple[CleanRow, Existing]], list[RowError], int]:
    """(new rows, changed rows, errors, unchanged count)."""
    new, changed, errors, unchanged = [], [], [], 0
    for r in rows:
        e = existing.get(r.id_hash)
        if e is None:
            new.append(r)
        elif not e.visible:
            errors.append(
                RowError(
                    r.row,
                    FIELDS["id_number"][0],
                    "该身份证号码已登记在您管辖范围以外，请联系上级管理员处理。",
                    mask_resident_id(r.id_number),
                )
            )
        elif (
            e.fingerprint == r.fingerprint
            and e.status == WorkerStatus.ACTIVE
            and e.platform_id == platform.pk
        ):
            unchanged += 1
        else:
            changed.append((r, e))
    return new, changed, errors, unchanged


def apply_rows(
    *,
    rows: list[CleanRow],
    existing: dict[str, Existing],
    platform: Platform,
    actor: Any,
    source: str,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[UpsertStats, list[RowError]]:
    """Write one batch (the caller holds the transaction). `meanwhile` is called once,
    while the database is still indexing the new rows streamed to it (see bulk_insert)."""
    stats = UpsertStats()
    new, changed, errors, stats.unchanged = classify(rows, existing, platform)
    stats.touched_pks.extend(e.pk for r in rows if (e := existing.get(r.id_hash)) and e.visible)
    now = timezone.now()
    if new:
        stats.created = len(new)
        insert_new(new, platform=platform, now=now, meanwhile=meanwhile)
        meanwhile = None
        stats.touched_pks.extend(
            Worker.objects.filter(id_number_hash__anyof=[r.id_hash for r in new]).values_list(
                "pk", flat=True
            )
        )
    if changed:
        olds = {
            w.pk: w
            for w in Worker.objects.filter(pk__in=[e.pk for _, e in changed]).only(*ONLY_FIELDS)
        }
        updates, history = [], []
        for r, e in changed:
            w = olds[e.pk]
            before = {f: getattr(w, f) for f in DIFF_FIELDS}
            old_mobile_hash = w.mobile_hash
            w.name, w.platform_id, w.platform_worker_id = r.name, platform.pk, r.platform_worker_id
            w.workplace_id, w.region_id = r.workplace_id, r.region_id
            w.occupation, w.started_on, w.political_status = (
                r.occupation,
                r.started_on,
                r.political_status,
            )
            w.hometown, w.union_member = r.hometown, r.union_member
            w.status, w.left_on = WorkerStatus.ACTIVE, None
            w.mobile = r.mobile
            w.mobile_hash = blind_index(r.mobile, context="mobile") if r.mobile else None
            w.roster_fingerprint, w.updated_at = r.fingerprint, now
            diff = {
                f: [_json(before[f]), _json(getattr(w, f))]
                for f in DIFF_FIELDS
                if before[f] != getattr(w, f)
            }
            if old_mobile_hash != w.mobile_hash:
                diff["mobile"] = ["***", "***"]
            updates.append(w)
            if diff:
                history.append(
                    WorkerChange(worker_id=w.pk, actor=_user(actor), source=source, changes=diff)
                )
        Worker.objects.bulk_update(updates, WRITE_FIELDS, batch_size=500)
        WorkerChange.objects.bulk_create(history, batch_size=1000)
        stats.updated = len(updates)
    if meanwhile is not None:
        meanwhile()
    return stats, errors


def insert_new(
    rows: list[CleanRow],
    *,
    platform: Platform,
    now: dt.datetime,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Insert new workers in one bulk statement. Values are prepared exactly as the model
    fields prepare them (EncryptedTextField → SM4-GCM with the field's context,
    BlindIndexField → HMAC-SM3), but without building model instances: on a 100,000-row
    roster the ORM's per-field preparation cost more than the database write itself.
    Rows are produced lazily, so on PostgreSQL the server indexes the rows already sent
    while the next ones are being prepared; rows sealed ahead (see `seal`, done in the
    validating process by rosterpipe.py) are not encrypted again."""
    from django.db import connection

    meta = Worker._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    constant = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    stamp = meta.get_field("created_at").get_db_prep_save(now, connection)
    adapt_date = connection.ops.adapt_datefield_value
    names = [f.attname for f in fields]
    constant.update(
        platform_id=platform.pk,
        status=str(WorkerStatus.ACTIVE),
        left_on=None,
        created_at=stamp,
        updated_at=stamp,
    )
    template = [constant[n] for n in names]
    order = (
        "name",
        "id_number",
        "id_number_hash",
        "id_last4_hash",
        "mobile",
        "mobile_hash",
        "sex",
        "birth_date",
        "occupation",
        "political_status",
        "workplace_id",
        "region_id",
        "platform_worker_id",
        "hometown",
        "started_on",
        "union_member",
        "roster_fingerprint",
    )
    slots = [names.index(n) for n in order]

    def prepared() -> Iterator[tuple[Any, ...]]:
        for r in rows:
            id_cipher, last4_hash, mobile_cipher, mobile_hash = r.sealed or sealed_values(
                r.id_number, r.mobile
            )
            row = template.copy()
            for slot, value in zip(
                slots,
                (
                    r.name,
                    id_cipher,
                    r.id_hash,
                    last4_hash,
                    mobile_cipher,
                    mobile_hash,
                    r.sex,
                    adapt_date(r.birth_date),
                    str(r.occupation),
                    str(r.political_status),
                    r.workplace_id,
                    r.region_id,
                    r.platform_worker_id,
                    r.hometown,
                    adapt_date(r.started_on),
                    r.union_member,
                    r.fingerprint,
                ),
                strict=True,
            ):
                row[slot] = value
            yield tuple(row)

    bulk_insert(meta.db_table, [f.column for f in fields], prepared(), meanwhile=meanwhile)


def bulk_insert(
    table: str,
    columns: list[str],
    values: Iterable[tuple[Any, ...]],
    *,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Insert prepared rows the fastest way the database offers: COPY on PostgreSQL
    (several times faster than executemany for a wide, indexed table; the data streams
    to the server as the rows are produced), one executemany elsewhere. The caller holds
    the transaction.

    `meanwhile` (optional) runs after the last row is sent and before waiting for the
    server: on PostgreSQL the server is still indexing the streamed rows then, so work
    that needs no database (validating the next batch of a roster) overlaps with it."""
    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cur.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)
                if meanwhile is not None:
                    meanwhile()
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608
                list(values),
            )
            if meanwhile is not None:
                meanwhile()


def _json(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
