"""Writing roster rows: upsert by the ID blind index within what the account may write,
and the fast insert of new workers (COPY on PostgreSQL) — ADR 0011, ADR 0052."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from gigbranch.core.fields import blind_index
from gigbranch.core.imports import RowError
from gigbranch.core.masking import mask_resident_id

from ..models import Platform, Worker, WorkerChange, WorkerStatus
from .checks import CleanRow, sealed_values
from .columns import FIELDS

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
