"""The audit log's keyed hash chain (ADR 0046, GB/T 22239-2019 安全审计 c: protect audit
records from deletion, modification or overwriting).

Every audit event belongs to the chain of its local day (Asia/Shanghai). Its hash is
HMAC-SHA256, under a key of its own (settings.AUDIT_HMAC_KEYS, never the field keys),
over the previous row's hash and the row's content. A writer locks the day's `AuditChain`
head row (SELECT ... FOR UPDATE on PostgreSQL; SQLite has a single writer, and its
transactions begin IMMEDIATE) to take the next position, so concurrent writers append one
after another and a rolled-back transaction releases its position with its row.

Verification walks each day's rows by position: a gap is a removed row, a hash that does
not match is an altered (or inserted) row, and a head that does not match the last row is
a removed tail. The same check runs on a JSON-lines export (`audit_export`), so a separate
log server holding the key can verify what it received.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

if TYPE_CHECKING:
    from .models import AuditChain, AuditEvent

VERSION = "gigbranch-audit-v1"
GENESIS = "0" * 64  # the "previous hash" of each day's first row

# The content a hash covers, in this order (the export writes the same names).
CONTENT_FIELDS = (
    "chain_day",
    "chain_seq",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip_address",
)


# --- keys -----------------------------------------------------------------------------------


def keys() -> dict[str, bytes]:
    """Key id → key, from settings.AUDIT_HMAC_KEYS ("kid:hex", the first one signs)."""
    out: dict[str, bytes] = {}
    for pair in settings.AUDIT_HMAC_KEYS:
        kid, _, hexkey = pair.partition(":")
        out[kid.strip()] = bytes.fromhex(hexkey.strip())
    return out


def signing_key() -> tuple[str, bytes]:
    kid, _, hexkey = settings.AUDIT_HMAC_KEYS[0].partition(":")
    return kid.strip(), bytes.fromhex(hexkey.strip())


# --- canonical content ----------------------------------------------------------------------


def _ip(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return ipaddress.ip_address(str(value).split("/")[0]).exploded


def content(values: dict[str, Any]) -> dict[str, Any]:
    """The hashed content of a row, from a model instance's or `.values()`' fields, in
    the form the database gives back (UTC microseconds, parsed JSON, exploded IP)."""
    created = values["created_at"]
    day = values["chain_day"]
    return {
        "chain_day": day.isoformat() if isinstance(day, dt.date) else day,
        "chain_seq": values["chain_seq"],
        "created_at": (
            created.astimezone(dt.UTC).isoformat(timespec="microseconds")
            if isinstance(created, dt.datetime)
            else created
        ),
        "actor_id": values["actor_id"],
        "actor_username": values["actor_username"] or "",
        "actor_role": values["actor_role"] or "",
        "action": values["action"],
        "object_type": values["object_type"] or "",
        "object_id": values["object_id"] or "",
        "object_repr": values["object_repr"] or "",
        "changes": json.loads(json.dumps(values["changes"])),
        "ip_address": _ip(values["ip_address"]),
    }


def _mac(key: bytes, message: list[Any]) -> str:
    raw = json.dumps(message, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, raw.encode("utf-8"), hashlib.sha256).hexdigest()


def row_hash(key: bytes, prev: str, row: dict[str, Any]) -> str:
    return _mac(key, [VERSION, "event", prev, row])


def head_mac(key: bytes, day: str, last_seq: int, last_hash: str) -> str:
    return _mac(key, [VERSION, "head", day, last_seq, last_hash])


# --- writing ------------------------------------------------------------------------------


def seal(event: AuditEvent, *, using: str) -> AuditChain:
    """Lock the day's head and give `event` its position and hash (before its INSERT).

    Runs inside the caller's transaction (AuditEvent.save opens one): the lock is held
    until that transaction ends, so the next writer of the day waits for it."""
    from .models import AuditChain

    if event.created_at is None:
        event.created_at = timezone.now()
    day = timezone.localdate(event.created_at)
    heads = AuditChain.objects.using(using).select_for_update()
    head = heads.filter(day=day).first()
    if head is None:
        # The first event of the day: create the head (a concurrent first writer's insert
        # wins, ours does nothing), then lock it like any other writer.
        AuditChain.objects.using(using).bulk_create(
            [AuditChain(day=day, last_seq=0, last_hash=GENESIS)], ignore_conflicts=True
        )
        head = heads.get(day=day)
    kid, key = signing_key()
    event.chain_day = day
    event.chain_seq = head.last_seq + 1
    event.chain_key = kid
    ip_field = event._meta.get_field("ip_address")
    values = {f: getattr(event, f) for f in CONTENT_FIELDS if f != "ip_address"}
    values["ip_address"] = ip_field.get_prep_value(event.ip_address)
    event.chain_hash = row_hash(key, head.last_hash or GENESIS, content(values))
    return head


def advance(head: AuditChain, event: AuditEvent, *, using: str) -> None:
    """Move the head to the row just inserted (same transaction, lock still held)."""
    from .models import AuditChain

    kid, key = signing_key()
    assert event.chain_seq is not None and event.chain_day is not None
    AuditChain.objects.using(using).filter(pk=head.pk).update(
        last_seq=event.chain_seq,
        last_hash=event.chain_hash,
        head_key=kid,
        head_mac=head_mac(key, event.chain_day.isoformat(), event.chain_seq, event.chain_hash),
    )


# --- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first broken link of a day: the row where the chain stops holding."""

    day: dt.date
    event_id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"记录#{self.event_id}" if self.event_id is not None else "链头"
        pos = f"（第{self.seq}条）" if self.seq is not None else ""
        return f"{self.day.isoformat()} {where}{pos}：{self.problem}"


@dataclass
class DayResult:
    day: dt.date
    rows: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class Record:
    """One chained row as the verifier sees it (from the database or an export)."""

    event_id: int | None
    key: str
    hash: str
    row: dict[str, Any]


@dataclass(frozen=True)
class Head:
    day: str
    last_seq: int
    last_hash: str
    key: str
    mac: str


def verify_day(
    day: dt.date, records: Iterable[Record], head: Head | None, key_ring: dict[str, bytes]
) -> DayResult:
    """Walk one day's records in position order (see the module docstring)."""
    result = DayResult(day)
    expected = 1
    prev = GENESIS
    for rec in records:
        result.rows += 1
        seq = rec.row["chain_seq"]
        if result.breaks:
            continue  # count the rows; the first break is what matters
        if seq != expected:
            missing = f"第{expected}条" if seq == expected + 1 else f"第{expected}至{seq - 1}条"
            result.breaks.append(
                Break(day, rec.event_id, seq, f"此前缺少{missing}记录（疑似被删除）")
            )
            continue
        key = key_ring.get(rec.key)
        if key is None:
            result.breaks.append(Break(day, rec.event_id, seq, f"找不到密钥“{rec.key}”，无法验证"))
            continue
        if rec.row["chain_day"] != day.isoformat():
            result.breaks.append(Break(day, rec.event_id, seq, "记录的链日期被改动"))
            continue
        if not hmac.compare_digest(row_hash(key, prev, rec.row), rec.hash):
            result.breaks.append(
                Break(day, rec.event_id, seq, "记录内容或哈希与链不符（疑似被篡改或插入）")
            )
            continue
        prev = rec.hash
        expected += 1
    if result.breaks:
        return result
    last = expected - 1
    if head is None:
        if last:
            result.breaks.append(Break(day, None, None, "缺少当日链头（疑似被删除）"))
        return result
    key = key_ring.get(head.key)
    if key is None or not hmac.compare_digest(
        head_mac(key, head.day, head.last_seq, head.last_hash), head.mac
    ):
        result.breaks.append(Break(day, None, None, "链头校验值不符（疑似被篡改）"))
    elif head.last_seq > last:
        missing = (
            f"第{last + 1}条" if head.last_seq == last + 1 else f"第{last + 1}至{head.last_seq}条"
        )
        result.breaks.append(
            Break(day, None, head.last_seq, f"当日末尾缺少{missing}记录（疑似被删除）")
        )
    elif head.last_seq < last or head.last_hash != prev:
        result.breaks.append(Break(day, None, last, "链头与当日最后一条记录不符"))
    return result


_VALUE_FIELDS = ("id", "chain_key", "chain_hash", *CONTENT_FIELDS)


def _db_records(day: dt.date, using: str) -> Iterator[Record]:
    from .models import AuditEvent

    rows = (
        AuditEvent.objects.using(using)
        .filter(chain_day=day)
        .order_by("chain_seq")
        .values(*_VALUE_FIELDS)
    )
    for values in rows.iterator(chunk_size=2000):
        yield Record(values["id"], values["chain_key"], values["chain_hash"], content(values))


def _db_head(day: dt.date, using: str) -> Head | None:
    from .models import AuditChain

    head = AuditChain.objects.using(using).filter(day=day).first()
    if head is None:
        return None
    return Head(day.isoformat(), head.last_seq, head.last_hash, head.head_key, head.head_mac)


def chained_days(using: str = "default") -> list[dt.date]:
    from .models import AuditChain, AuditEvent

    days = set(AuditChain.objects.using(using).values_list("day", flat=True))
    days |= {
        day
        for day in AuditEvent.objects.using(using)
        .filter(chain_day__isnull=False)
        .values_list("chain_day", flat=True)
        .distinct()
        if day is not None
    }
    return sorted(days)


def verify_database(
    date_from: dt.date | None = None, date_to: dt.date | None = None, *, using: str = "default"
) -> list[DayResult]:
    """Every chained day in the range, plus rows that carry no hash although they were
    written after the chain began (a row inserted past the application)."""
    from .models import AuditEvent

    key_ring = keys()
    results = []
    for day in chained_days(using):
        if (date_from and day < date_from) or (date_to and day > date_to):
            continue
        results.append(verify_day(day, _db_records(day, using), _db_head(day, using), key_ring))
    first = (
        AuditEvent.objects.using(using)
        .filter(chain_day__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if first is not None:
        unchained = AuditEvent.objects.using(using).filter(chain_day__isnull=True, id__gt=first)
        by_day = {r.day: r for r in results}
        for event_id, created in unchained.order_by("id").values_list("id", "created_at"):
            day = timezone.localdate(created)
            if (date_from and day < date_from) or (date_to and day > date_to):
                continue
            result = by_day.get(day)
            if result is None:
                result = by_day[day] = DayResult(day)
                results.append(result)
            result.rows += 1
            result.breaks.insert(
                0, Break(day, event_id, None, "记录没有哈希（疑似绕过应用直接写入）")
            )
        results.sort(key=lambda r: r.day)
    return results


def first_break(results: Iterable[DayResult]) -> Break | None:
    for result in results:
        if result.breaks:
            return result.breaks[0]
    return None


# --- export ---------------------------------------------------------------------------------


def export_lines(date_from: dt.date, date_to: dt.date, *, using: str = "default") -> Iterator[str]:
    """JSON lines: each event with its content, key id and hash, in chain order, then each
    day's head ({"type": "head"}), so that the receiver can verify with the key."""
    for day in chained_days(using):
        if day < date_from or day > date_to:
            continue
        for rec in _db_records(day, using):
            yield _line(
                {"type": "event", "id": rec.event_id, "key": rec.key, "hash": rec.hash, **rec.row}
            )
        head = _db_head(day, using)
        if head is not None:
            yield _line(
                {
                    "type": "head",
                    "day": head.day,
                    "last_seq": head.last_seq,
                    "last_hash": head.last_hash,
                    "key": head.key,
                    "mac": head.mac,
                }
            )


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def verify_lines(lines: Iterable[str]) -> list[DayResult]:
    """Verify an export (see export_lines); a day's rows may come in any order."""
    records: dict[str, list[Record]] = {}
    heads: dict[str, Head] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if obj.get("type") == "head":
            heads[obj["day"]] = Head(
                obj["day"], obj["last_seq"], obj["last_hash"], obj["key"], obj["mac"]
            )
        elif obj.get("type") == "event":
            row = {f: obj.get(f) for f in CONTENT_FIELDS}
            records.setdefault(row["chain_day"], []).append(
                Record(obj.get("id"), obj.get("key", ""), obj.get("hash", ""), row)
            )
        else:
            raise ValueError(f"第{number}行不是审计导出记录")
    key_ring = keys()
    out = []
    for day in sorted(set(records) | set(heads)):
        recs = sorted(records.get(day, []), key=lambda r: r.row["chain_seq"])
        out.append(verify_day(dt.date.fromisoformat(day), recs, heads.get(day), key_ring))
    return out


# --- the database guard (append-only triggers) ------------------------------------------

SQLITE_TRIGGERS = {
    "core_auditevent_no_update": (
        "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    ),
    # DELETE is allowed only while the application runs `flush` or an archive purge
    # (erasure() below). The function exists only on the application's own connections:
    # from any other client the trigger's condition fails, so the DELETE fails too.
    "core_auditevent_no_delete": (
        "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
        "WHEN NOT gigbranch_audit_erasable() "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    ),
}
PG_TRIGGER = "core_auditevent_no_update_delete"

_erasable: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "gigbranch_audit_erasable", default=False
)


@contextlib.contextmanager
def erasure() -> Iterator[None]:
    """Rows may be deleted on SQLite within this block: `flush` (every table emptied, as
    TRUNCATE does on PostgreSQL) and the archive purge of verified days only."""
    token = _erasable.set(True)
    try:
        yield
    finally:
        _erasable.reset(token)


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: give SQLite connections the trigger's condition function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "gigbranch_audit_erasable", 0, lambda: 1 if _erasable.get() else 0
        )


def triggers_present(using: str = "default") -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["core_auditevent"],
            )
            return set(SQLITE_TRIGGERS) <= {name for (name,) in cursor.fetchall()}
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = %s "
                "AND tgrelid = 'core_auditevent'::regclass",
                [PG_TRIGGER],
            )
            row = cursor.fetchone()
            return row is not None and row[0] != "D"
    return False
