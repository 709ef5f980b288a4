"""Roster row validation (rules.md ID: check character; mobile format; duplicates in the
file; duplicates against the database by the ID blind index; unknown workplace), the
keyed fingerprint of a row as given, and the stored values of a valid row (sealing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from gigbranch.core.crypto import get_cipher
from gigbranch.core.fields import blind_index
from gigbranch.core.imports import RowError
from gigbranch.core.masking import mask_mobile, mask_resident_id
from gigbranch.core.text import has_control_characters
from gigbranch.core.validators import normalize_mobile, parse_resident_id
from gigbranch.organizations.models import Workplace

from ..models import Platform, Worker, WorkerStatus
from .columns import (
    _MASSES,
    _OTHER,
    EXCEL_EPOCH,
    FIELDS,
    OCCUPATION_LABELS,
    POLITICAL_LABELS,
    YES,
    YES_OR_NO,
    _date,
    _text,
)


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


CONTROL_MESSAGE = "含有不可见的控制字符（如垂直制表符），请在Excel中删除后重新导入。"


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
