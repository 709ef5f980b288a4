"""The audit log is tamper-evident (ADR 0046, GB/T 22239 安全审计): each row's keyed hash
is chained to the previous row of its local day; an altered, deleted or slipped-in row is
found at that row; the database refuses UPDATE and DELETE on both SQLite and PostgreSQL;
an export verifies on its own; concurrent writers keep one unbroken chain."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import threading
import time

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from gigbranch.core import audit, auditchain, services
from gigbranch.core.models import AuditChain, AuditDayCheck, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 11, 3)


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 3, hour, minute, tzinfo=TZ)


def _write(n: int, *, hour: int = 10) -> list[AuditEvent]:
    out = []
    for i in range(n):
        with time_machine.travel(_at(hour, i), tick=False):
            out.append(
                audit.record(
                    actor=None,
                    action=f"test.event{i}",
                    object_type="test.thing",
                    object_id=str(i),
                    changes={"name": ["旧名称", f"新名称{i}"], "amount": 12.5, "n": i},
                )
            )
    return out


@contextlib.contextmanager
def guard_off():
    """What an intruder with the table owner's rights does: switch the trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in auditchain.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        else:  # (deferred foreign-key checks pending in the test transaction block ALTER)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE core_auditevent DISABLE TRIGGER {auditchain.PG_TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for sql in auditchain.SQLITE_TRIGGERS.values():
                    cursor.execute(sql)
            else:
                cursor.execute(
                    f"ALTER TABLE core_auditevent ENABLE TRIGGER {auditchain.PG_TRIGGER}"
                )


def raw(sql: str, params: list) -> None:
    with guard_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def only_day(results):
    assert [r.day for r in results] == [DAY]
    return results[0]


# --- the chain ------------------------------------------------------------------------------


def test_rows_take_consecutive_positions_linked_by_their_hashes():
    events = _write(4)
    kid, key = auditchain.signing_key()
    prev = auditchain.GENESIS
    for seq, event in enumerate(events, start=1):
        stored = AuditEvent.objects.values(*auditchain._VALUE_FIELDS).get(pk=event.pk)
        assert (stored["chain_day"], stored["chain_seq"], stored["chain_key"]) == (DAY, seq, kid)
        assert stored["chain_hash"] == auditchain.row_hash(key, prev, auditchain.content(stored))
        prev = stored["chain_hash"]
    head = AuditChain.objects.get(day=DAY)
    assert (head.last_seq, head.last_hash) == (4, prev)


def test_an_untouched_chain_verifies():
    _write(5)
    result = only_day(auditchain.verify_database())
    assert (result.rows, result.ok) == (5, True)


def test_days_are_separate_chains_by_local_date():
    with time_machine.travel(dt.datetime(2026, 11, 3, 23, 59, tzinfo=TZ), tick=False):
        late = audit.record(actor=None, action="test.late")
    with time_machine.travel(dt.datetime(2026, 11, 4, 0, 1, tzinfo=TZ), tick=False):
        early = audit.record(actor=None, action="test.early")
    assert (late.chain_day, late.chain_seq) == (DAY, 1)
    assert (early.chain_day, early.chain_seq) == (dt.date(2026, 11, 4), 1)
    assert [(r.day, r.ok) for r in auditchain.verify_database()] == [
        (DAY, True),
        (dt.date(2026, 11, 4), True),
    ]


def test_a_rolled_back_write_gives_its_position_back():
    _write(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        with time_machine.travel(_at(11), tick=False):
            audit.record(actor=None, action="test.rolled_back")
        raise RuntimeError("the service's later step fails")
    with time_machine.travel(_at(12), tick=False):
        kept = audit.record(actor=None, action="test.kept")
    assert kept.chain_seq == 3
    assert only_day(auditchain.verify_database()).ok


def test_an_actor_and_an_ip_address_are_covered(client):
    user = UserFactory(role="audit_admin", username="auditor9")
    token = audit.set_request_context(audit.RequestContext(ip_address="2001:db8::1"))
    try:
        with time_machine.travel(_at(9), tick=False):
            event = audit.record(actor=user, action="test.with_actor")
    finally:
        audit.reset_request_context(token)
    assert only_day(auditchain.verify_database()).ok
    raw("UPDATE core_auditevent SET ip_address = %s WHERE id = %s", ["10.0.0.1", event.pk])
    result = only_day(auditchain.verify_database())
    assert result.breaks[0].event_id == event.pk


# --- tampering is found at the row ----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.harmless"),
        ("object_repr", "别的对象"),
        ("changes", json.dumps({"name": ["旧名称", "改过的"]})),
        ("chain_hash", "f" * 64),
    ],
)
def test_altering_one_field_of_one_row_is_found_at_that_row(column, value):
    events = _write(4)
    target = events[2]
    raw(f"UPDATE core_auditevent SET {column} = %s WHERE id = %s", [value, target.pk])
    result = only_day(auditchain.verify_database())
    first = result.breaks[0]
    assert (first.day, first.event_id, first.seq) == (DAY, target.pk, 3)
    assert first.problem == "记录内容或哈希与链不符（疑似被篡改或插入）"
    assert result.rows == 4


def test_altering_the_time_of_a_row_is_found_at_that_row():
    events = _write(3)
    raw(
        "UPDATE core_auditevent SET created_at = %s WHERE id = %s",
        [
            _at(3).astimezone(dt.UTC)
            if connection.vendor == "postgresql"
            else "2026-11-02 19:00:00",
            events[1].pk,
        ],
    )
    first = only_day(auditchain.verify_database()).breaks[0]
    assert (first.event_id, first.seq) == (events[1].pk, 2)


def test_deleting_one_row_is_found_at_the_next_row():
    events = _write(4)
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    first = only_day(auditchain.verify_database()).breaks[0]
    assert (first.event_id, first.seq) == (events[2].pk, 3)
    assert first.problem == "此前缺少第2条记录（疑似被删除）"


def test_deleting_the_last_rows_is_found_by_the_head():
    events = _write(4)
    raw("DELETE FROM core_auditevent WHERE id IN (%s, %s)", [events[2].pk, events[3].pk])
    first = only_day(auditchain.verify_database()).breaks[0]
    assert (first.event_id, first.seq) == (None, 4)
    assert first.problem == "当日末尾缺少第3至4条记录（疑似被删除）"


def test_rewriting_the_head_without_the_key_is_found():
    events = _write(3)
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    AuditChain.objects.filter(day=DAY).update(last_seq=2, last_hash=events[1].chain_hash)
    first = only_day(auditchain.verify_database()).breaks[0]
    assert first.problem == "链头校验值不符（疑似被篡改）"


def test_a_row_slipped_in_past_the_application_is_found():
    events = _write(2)
    with connection.cursor() as cursor:  # INSERT is allowed: the log is append-only
        cursor.execute(
            "INSERT INTO core_auditevent (created_at, actor_username, actor_role, action, "
            "object_type, object_id, object_repr, changes, chain_key, chain_hash) "
            "VALUES (%s, '', '', 'test.forged', '', '', '', '{}', '', '')",
            [_at(10, 30)],
        )
        cursor.execute("SELECT MAX(id) FROM core_auditevent")
        (forged_id,) = cursor.fetchone()
    result = only_day(auditchain.verify_database())
    assert result.breaks[0].event_id == forged_id > events[-1].pk
    assert result.breaks[0].problem == "记录没有哈希（疑似绕过应用直接写入）"


# --- the database refuses UPDATE and DELETE (both databases) ---------------------------------


def test_the_triggers_exist_after_the_migrations():
    assert auditchain.triggers_present()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(sql):
    event = audit.record(actor=None, action="test.event")
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, [event.pk])
    assert "append-only" in str(caught.value)
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
    assert auditchain.verify_database()[0].ok


# --- the command, the export and the periodic check ---------------------------------------


def test_audit_verify_reports_the_first_broken_link_and_exits_non_zero():
    events = _write(3)
    out = io.StringIO()
    call_command("audit_verify", "--from", "2026-11-01", "--to", "2026-11-30", stdout=out)
    assert "2026-11-03  3 条  完整" in out.getvalue()
    raw("UPDATE core_auditevent SET object_id = '99' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", stdout=io.StringIO())
    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"审计哈希链断裂，第一处：2026-11-03 记录#{events[1].pk}（第2条）："
        f"记录内容或哈希与链不符（疑似被篡改或插入）（日期 2026-11-03，记录编号 {events[1].pk}）"
    )


def test_export_then_verify_round_trip(tmp_path):
    events = _write(3)
    with time_machine.travel(dt.datetime(2026, 11, 4, 8, 0, tzinfo=TZ), tick=False):
        audit.record(actor=None, action="test.next_day")
    path = tmp_path / "audit.jsonl"
    call_command(
        "audit_export",
        "--from",
        "2026-11-03",
        "--to",
        "2026-11-04",
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    assert path.stat().st_mode & 0o777 == 0o600
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["type"] for x in lines] == ["event"] * 3 + ["head", "event", "head"]
    out = io.StringIO()
    call_command("audit_verify", "--file", str(path), stdout=out)
    assert "验证通过：2 天，共 4 条。" in out.getvalue()

    # the receiver finds a changed line at its row, and a dropped line at the next one
    changed = [json.loads(x) for x in lines]
    changed[1]["actor_username"] = "someone"
    result = auditchain.verify_lines(json.dumps(x) for x in changed)
    assert result[0].breaks[0].event_id == events[1].pk
    dropped = [x for i, x in enumerate(lines) if i != 0]
    result = auditchain.verify_lines(dropped)
    assert result[0].breaks[0].problem == "此前缺少第1条记录（疑似被删除）"
    truncated = lines[:2] + lines[3:]
    result = auditchain.verify_lines(truncated)
    assert result[0].breaks[0].problem == "当日末尾缺少第3条记录（疑似被删除）"


def test_the_periodic_check_stores_each_day_and_reports_a_break_once():
    events = _write(3)
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, 0, tzinfo=TZ), tick=False):
        services.verify_audit_chain()
    check = AuditDayCheck.objects.get(day=DAY)
    assert (check.ok, check.rows, check.problem) == (True, 3, "")
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    for hour in (10, 11):
        with time_machine.travel(dt.datetime(2026, 11, 5, hour, 0, tzinfo=TZ), tick=False):
            services.verify_audit_chain()
    check = AuditDayCheck.objects.get(day=DAY)
    assert (check.ok, check.event_id, check.problem) == (
        False,
        events[1].pk,
        "此前缺少第1条记录（疑似被删除）",
    )
    reported = AuditEvent.objects.filter(action="audit.chain_broken")
    assert [e.changes["event_id"] for e in reported] == [events[1].pk]


def test_a_day_removed_entirely_is_reported():
    events = _write(2)
    with time_machine.travel(dt.datetime(2026, 11, 4, 9, 0, tzinfo=TZ), tick=False):
        services.verify_audit_chain()
    raw("DELETE FROM core_auditevent WHERE id IN (%s, %s)", [events[0].pk, events[1].pk])
    AuditChain.objects.filter(day=DAY).delete()
    with time_machine.travel(dt.datetime(2026, 11, 4, 10, 0, tzinfo=TZ), tick=False):
        services.verify_audit_chain()
    check = AuditDayCheck.objects.get(day=DAY)
    assert (check.ok, check.rows, check.problem) == (
        False,
        2,
        "当日记录全部缺失（此前验证时有2条）",
    )


def test_the_audit_page_shows_the_status_of_recent_days(client):
    _write(2)
    with time_machine.travel(dt.datetime(2026, 11, 4, 9, 0, tzinfo=TZ), tick=False):
        services.verify_audit_chain()
    client.force_login(UserFactory(role="audit_admin", username="auditor2"))
    with time_machine.travel(dt.datetime(2026, 11, 4, 9, 5, tzinfo=TZ)):
        body = client.get("/core/audit/").content.decode()
    assert "审计记录完整性" in body
    assert "2026-11-03" in body and "完整" in body


# --- concurrent writers (PostgreSQL: each thread its own connection) -----------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    per_thread = 25
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(actor=None, action=f"test.{name}", object_id=str(i))
                    time.sleep(0.002)  # hold the head while the other thread waits
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    results = auditchain.verify_database()
    assert [(r.rows, r.ok) for r in results] == [(2 * per_thread, True)]
    seqs = sorted(AuditEvent.objects.values_list("chain_seq", flat=True))
    assert seqs == list(range(1, 2 * per_thread + 1))
    actions = list(AuditEvent.objects.order_by("chain_seq").values_list("action", flat=True))
    assert "test.a" in actions and "test.b" in actions


# --- archival: export, verify, then remove (retention: at least six months online) -------


def _old_and_new():
    old = []
    for day in (dt.date(2026, 1, 5), dt.date(2026, 1, 6)):
        for i in range(2):
            with time_machine.travel(dt.datetime.combine(day, dt.time(9, i), TZ), tick=False):
                old.append(audit.record(actor=None, action="test.old", object_id=str(i)))
    recent = _write(2)
    return old, recent


def test_archive_purges_only_verified_days_older_than_the_retention(tmp_path, settings):
    settings.AUDIT_RETENTION_DAYS = 183
    old, recent = _old_and_new()
    path = tmp_path / "audit-2026-01.jsonl"
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ), tick=False):
        call_command(
            "audit_archive", "--before", "2026-02-01", "--output", str(path), "--purge", stdout=out
        )
    assert "已从数据库删除 4 条已归档的审计记录。" in out.getvalue()
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 2
    assert [(r.day, r.rows, r.ok) for r in auditchain.verify_lines(path.open())] == [
        (dt.date(2026, 1, 5), 2, True),
        (dt.date(2026, 1, 6), 2, True),
    ]
    assert all(r.ok for r in auditchain.verify_database())
    archived = AuditEvent.objects.get(action="audit.archived")
    assert archived.changes["rows"] == 4 and archived.changes["to"] == "2026-01-31"
    assert auditchain.triggers_present()


def test_archive_refuses_to_purge_within_six_months_and_keeps_everything(tmp_path, settings):
    settings.AUDIT_RETENTION_DAYS = 183
    _old_and_new()
    before = AuditEvent.objects.count()
    with (
        time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False),
        pytest.raises(CommandError, match="在线保留期为 183 天"),
    ):
        call_command(
            "audit_archive",
            "--before",
            "2026-02-01",
            "--output",
            str(tmp_path / "a.jsonl"),
            "--purge",
        )
    assert AuditEvent.objects.count() == before
    assert not (tmp_path / "a.jsonl").exists()


def test_archive_refuses_a_broken_range_and_removes_nothing(tmp_path, settings):
    settings.AUDIT_RETENTION_DAYS = 183
    old, _ = _old_and_new()
    raw("DELETE FROM core_auditevent WHERE id = %s", [old[0].pk])
    before = AuditEvent.objects.count()
    with (
        time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ), tick=False),
        pytest.raises(CommandError, match="审计链已断裂"),
    ):
        call_command(
            "audit_archive",
            "--before",
            "2026-02-01",
            "--output",
            str(tmp_path / "a.jsonl"),
            "--purge",
        )
    assert AuditEvent.objects.count() == before
