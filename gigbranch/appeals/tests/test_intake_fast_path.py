"""Submission fast path (issue 6 load work, APL-5): the submitted region is served from the
config snapshot and follows Region writes at once; it is scoped exactly as the database
query was; the one-statement write (appeals.rows) stores what save() stored; a denied or
invalid submission changes nothing; a concurrent retry of a key never duplicates."""

import threading
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gigbranch.accounts.services import issue_api_token
from gigbranch.api.appeals import _region_for, _regions_for
from gigbranch.appeals import config, rows, services, tasks
from gigbranch.appeals.models import Appeal, AppealEvent, Category, Channel, ConfigVersion
from gigbranch.appeals.services import intake
from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import Region, path_segment
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def bearer(user):
    _, raw = issue_api_token(actor=None, user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def api_post(client, headers, key=None, **data):
    payload = {"category": "wages", "description": "平台反映骑手工资被拖欠", **data}
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/appeals", payload, content_type="application/json", **headers, **extra
    )


def written():
    """Everything a submission writes."""
    return (
        Appeal.objects.count(),
        AppealEvent.objects.count(),
        AuditEvent.objects.count(),
        DBTaskResult.objects.count(),
    )


# --- the region cache follows Region writes -----------------------------------------------


def test_region_rename_is_seen_by_the_next_submission(client, world):
    # traffic in town b has no routing rule: the township fallback names the region
    h = bearer(world["county_admin"])
    town_b = world["b"]["town"]
    r = api_post(client, h, category="traffic", region_code=town_b.code)
    assert r.json()["department"] == "乙镇（属地兜底）"
    town_b.name = "乙镇（新区）"
    town_b.save()  # invalidates the snapshot that holds the region
    r = api_post(client, h, category="traffic", region_code=town_b.code)
    assert r.status_code == 201 and r.json()["department"] == "乙镇（新区）（属地兜底）"


def test_region_code_change_is_seen_by_the_next_submission(client, world):
    h = bearer(world["county_admin"])
    town_a = world["a"]["town"]
    old = town_a.code
    assert api_post(client, h, region_code=old).status_code == 201  # cached under `old`
    town_a.code = "330000990"
    town_a.save()
    r = api_post(client, h, region_code=old)
    assert r.status_code == 422 and "region_code" in r.json()["errors"]
    assert api_post(client, h, region_code="330000990").status_code == 201


def test_region_moved_out_of_scope_is_refused_at_once(client, world):
    """A region moved to another township (its path changes) leaves the first township's
    scope for the very next submission, though it was served from the cache before."""
    h = bearer(world["a"]["admin"])
    village = RegionFactory(name="甲镇某村", level="township", parent=world["a"]["town"])
    assert api_post(client, h, region_code=village.code).status_code == 201
    village.parent = world["b"]["town"]
    village.path = world["b"]["town"].path + path_segment(village.pk)
    village.save()
    r = api_post(client, h, region_code=village.code)
    assert r.status_code == 422 and "region_code" in r.json()["errors"]


def test_region_change_in_another_process_is_seen_through_the_token(client, world):
    h = bearer(world["county_admin"])
    town_b = world["b"]["town"]
    assert api_post(client, h, category="traffic", region_code=town_b.code).status_code == 201
    # Another process renames the region: its save replaces the shared token.
    Region.objects.filter(pk=town_b.pk).update(name="乙镇（他处修改）")
    ConfigVersion.objects.update(token="changed-elsewhere")
    r = api_post(client, h, category="traffic", region_code=town_b.code)
    assert r.json()["department"] == "乙镇（他处修改）（属地兜底）"


def test_queryset_update_of_regions_needs_invalidate(world):
    """The contract for writes that bypass signals (config.py): call invalidate()."""
    snap = config.snapshot()
    town_a = world["a"]["town"]
    assert config.region_by_code(snap, town_a.code).name == "甲镇"
    Region.objects.filter(pk=town_a.pk).update(name="甲镇（改）")
    config.invalidate()
    assert config.region_by_code(config.snapshot(), town_a.code).name == "甲镇（改）"


def test_each_call_gets_its_own_region_instance(world):
    snap = config.snapshot()
    first = config.region_by_code(snap, world["a"]["town"].code)
    first.name = "tampered"
    again = config.region_by_code(snap, world["a"]["town"].code)
    assert again is not first and again.name == "甲镇"
    assert config.region_by_code(snap, "no-such-code") is None


# --- the same scope as the database query --------------------------------------------------


def test_cached_region_scope_equals_the_database_query(world):
    """_region_for (snapshot + scope check in Python) answers exactly as
    `_regions_for(user, worker).filter(code=...).first()` for every kind of account."""
    county, a, b = world["county"], world["a"], world["b"]
    village = RegionFactory(name="甲镇某村", level="township", parent=a["town"])
    accounts = [
        world["worker_user"],
        UserFactory(username="rider_no_record", role="worker"),
        a["admin"],
        world["county_admin"],
        UserFactory(username="api_unscoped", role="api_client"),
        UserFactory(username="api_scoped", role="api_client", scope_region=county),
        UserFactory(username="inspector_a", role="inspector", scope_region=a["town"]),
        UserFactory(username="inactive_a", role="township_admin", scope_region=a["town"]),
    ]
    accounts[-1].is_active = False
    codes = [county.code, a["town"].code, b["town"].code, village.code, "000000"]
    snap = config.snapshot()
    cases = [(user, user.worker if user.role == "worker" else None) for user in accounts]
    cases.append((world["worker_user"], SimpleNamespace(region_id=None, workplace_id=None)))
    for user, worker in cases:
        for code in codes:
            expected = _regions_for(user, worker).filter(code=code).first()
            got = _region_for(user, worker, snap, code)
            assert (got and got.pk) == (expected and expected.pk), (user.username, code)


# --- denied or invalid submissions change nothing -----------------------------------------


@pytest.mark.parametrize(
    "case",
    ["no_capability", "foreign_region", "unknown_region", "bad_category", "short", "long_key"],
)
def test_denied_or_invalid_submission_changes_nothing(client, world, case):
    admin_a, handler = bearer(world["a"]["admin"]), bearer(world["handler"])
    assert api_post(client, admin_a, region_code=world["a"]["town"].code).status_code == 201
    before, token = written(), ConfigVersion.objects.get().token
    if case == "no_capability":
        r = api_post(client, handler, region_code=world["a"]["town"].code)
        assert r.status_code == 403
    else:
        data = {
            "foreign_region": {"region_code": world["b"]["town"].code},
            "unknown_region": {"region_code": "000000"},
            "bad_category": {"region_code": world["a"]["town"].code, "category": "nope"},
            "short": {"region_code": world["a"]["town"].code, "description": "短"},
            "long_key": {"region_code": world["a"]["town"].code, "key": "k" * 121},
        }[case]
        assert api_post(client, admin_a, **data).status_code == 422
    assert written() == before
    assert ConfigVersion.objects.get().token == token


def test_retry_with_the_same_key_writes_nothing(client, world):
    h = bearer(world["county_admin"])
    first = api_post(client, h, key="same", region_code=world["a"]["town"].code)
    before = written()
    again = api_post(client, h, key="same", region_code=world["a"]["town"].code)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["tracking_no"] == first.json()["tracking_no"]
    assert written() == before
    # The same key with another body (here another township) is a reused key: a 422 that
    # names the first appeal, and still nothing written.
    reused = api_post(client, h, key="same", region_code=world["b"]["town"].code)
    assert reused.status_code == 422
    assert first.json()["tracking_no"] in reused.json()["errors"]["Idempotency-Key"][0]
    assert written() == before


# --- the one-statement write stores what save() stored ------------------------------------


def _stored(appeal):
    """The rows of one submission, without what differs between two submissions."""
    volatile = {"id", "tracking_no", "public_token", "idempotency_key", "updated_at"}
    row = {k: v for k, v in Appeal.objects.values().get(pk=appeal.pk).items() if k not in volatile}
    row.pop("contact_mobile")  # ciphertext with a random nonce: compared decrypted
    row["mobile"] = Appeal.objects.get(pk=appeal.pk).contact_mobile
    event = AppealEvent.objects.values().get(appeal=appeal)
    event_id = event.pop("id")
    event.pop("appeal_id")
    event["public_text"] = event["public_text"].replace(appeal.tracking_no, "#")
    audit = AuditEvent.objects.values().get(object_id=str(appeal.pk), action="appeal.submitted")
    for k in ("id", "created_at", "object_id", "chain_seq", "chain_hash"):  # its chain place
        audit.pop(k)
    audit["object_repr"] = audit["object_repr"].replace(appeal.tracking_no, "#")
    task = DBTaskResult.objects.values().get(args_kwargs__args=[event_id])
    assert task.pop("args_kwargs") == {"args": [event_id], "kwargs": {}}
    for k in ("id", "enqueued_at"):
        task.pop(k)
    return row, event, audit, task


def test_one_statement_stores_what_save_stores(world, monkeypatch):
    kwargs = {
        "actor": world["county_admin"],
        "category": world["traffic"],
        "description": "站点拖欠两个月工资",
        "channel": Channel.API,
        "region": world["b"]["town"],
        "contact_mobile": "13900000000",
        "contact_name": "张三",
        "now": timezone.now(),
    }
    fast = services.submit_appeal(idempotency_key="api:1:fast", **kwargs).appeal
    monkeypatch.setattr(rows, "_insertable", lambda model: False)  # the save() path
    slow = services.submit_appeal(idempotency_key="api:1:slow", **kwargs).appeal
    assert _stored(fast) == _stored(slow)
    assert fast.events.get().appeal_id == fast.pk
    assert fast.contact_mobile_hash and fast.contact_mobile_hash == slow.contact_mobile_hash


def test_outbox_row_is_the_row_enqueue_writes(world):
    """The task row built for the statement equals DatabaseBackend.enqueue()'s own row."""
    sub = services.submit_appeal(
        actor=None,
        category=world["wages"],
        description="站点拖欠两个月工资",
        channel=Channel.API,
        region=world["a"]["town"],
    )
    event = sub.appeal.events.get()
    ours = DBTaskResult.objects.values().get(args_kwargs__args=[event.pk])
    theirs_id = tasks.deliver_notifications.enqueue(event.pk).id
    theirs = DBTaskResult.objects.values().get(id=theirs_id)
    for row in (ours, theirs):
        row.pop("id"), row.pop("enqueued_at")
    assert ours == theirs


def test_other_task_backends_enqueue_after_commit(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    before = DBTaskResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sub = services.submit_appeal(
            actor=None,
            category=world["wages"],
            description="站点拖欠两个月工资",
            channel=Channel.API,
            region=world["a"]["town"],
        )
    assert len(callbacks) == 1 and DBTaskResult.objects.count() == before
    results = tasks.deliver_notifications.get_backend().results
    assert [list(r.args) for r in results] == [[sub.appeal.events.get().pk]]


def test_save_signals_are_sent_for_every_row(world):
    seen = []

    def pre(sender, instance, **kw):
        seen.append(("pre", sender.__name__))

    def post(sender, instance, created, **kw):
        assert instance.pk is not None and created
        seen.append(("post", sender.__name__))

    for model in (Appeal, AppealEvent, AuditEvent, DBTaskResult):
        pre_save.connect(pre, sender=model, dispatch_uid=f"t-pre-{model.__name__}")
        post_save.connect(post, sender=model, dispatch_uid=f"t-post-{model.__name__}")
    try:
        services.submit_appeal(
            actor=None,
            category=world["wages"],
            description="站点拖欠两个月工资",
            channel=Channel.API,
            region=world["a"]["town"],
        )
    finally:
        for model in (Appeal, AppealEvent, AuditEvent, DBTaskResult):
            pre_save.disconnect(sender=model, dispatch_uid=f"t-pre-{model.__name__}")
            post_save.disconnect(sender=model, dispatch_uid=f"t-post-{model.__name__}")
    names = ["Appeal", "AppealEvent", "DBTaskResult", "AuditEvent"]
    assert sorted(seen) == sorted([("pre", n) for n in names] + [("post", n) for n in names])


def test_failed_statement_leaves_the_callers_transaction_usable(world):
    kwargs = {
        "actor": None,
        "category": world["wages"],
        "description": "站点拖欠两个月工资",
        "channel": Channel.API,
        "region": world["a"]["town"],
        "idempotency_key": "api:1:dup",
    }
    with transaction.atomic():
        first = services.submit_appeal(**kwargs)
        before = written()
        again = services.submit_appeal(**kwargs)  # the unique key refuses the whole statement
        assert again.created is False and again.appeal.pk == first.appeal.pk
        assert written() == before
        assert Appeal.objects.filter(pk=first.appeal.pk).exists()  # still usable


def test_rows_refuse_saved_instances_and_forward_refs(world):
    appeal = services.submit_appeal(
        actor=None,
        category=world["wages"],
        description="站点拖欠两个月工资",
        channel=Channel.API,
        region=world["a"]["town"],
    ).appeal
    with pytest.raises(ValueError):
        rows.insert([rows.Row(appeal)])
    with pytest.raises(ValueError):
        rows.insert([rows.Row(AuditEvent(action="x"), {"object_id": rows.Ref(0)})])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL")
def test_submission_rows_are_one_statement_and_the_audit_event_follows_on_postgresql(world):
    """The appeal, its event and the task row in one statement; the audit event after it in
    the same transaction (its save() takes the day's hash-chain position, ADR 0046)."""
    with CaptureQueriesContext(connection) as ctx:
        services.submit_appeal(
            actor=None,
            category=world["wages"],
            description="站点拖欠两个月工资",
            channel=Channel.API,
            region=world["a"]["town"],
            snapshot=config.snapshot(),
        )
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    inserts = [s for s in sql if s.startswith("WITH")]
    assert len(inserts) == 1 and inserts[0].count("INSERT INTO") == 3, sql
    audit_inserts = [i for i, s in enumerate(sql) if s.startswith('INSERT INTO "core_auditevent"')]
    assert len(audit_inserts) == 1 and audit_inserts[0] > sql.index(inserts[0]), sql


# --- APL-5 under concurrency ---------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_key_make_one_appeal():
    """Threads submit the same key at the same moment: one appeal, one event, one task
    row and one audit event; every caller gets that appeal; nobody gets an error."""
    category, _ = Category.objects.get_or_create(code="wages", defaults={"name": "劳动报酬"})
    county = RegionFactory(name="并发县", level="county", parent=None)
    town = RegionFactory(name="并发镇", level="township", parent=county)
    n = 4
    for round_no in range(3):
        barrier = threading.Barrier(n)
        results: list = []
        errors: list = []

        def submit() -> None:
            try:
                barrier.wait()
                results.append(
                    services.submit_appeal(
                        actor=None,
                        category=category,
                        description="并发提交同一诉求",
                        channel=Channel.API,
                        region=town,
                        idempotency_key=f"api:1:race-{round_no}",
                    )
                )
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len({r.appeal.pk for r in results}) == 1
        assert sum(r.created for r in results) == 1
    assert Appeal.objects.count() == 3
    assert AppealEvent.objects.count() == 3
    assert AuditEvent.objects.filter(action="appeal.submitted").count() == 3
    assert DBTaskResult.objects.count() == 3


def test_integrity_error_other_than_the_key_is_not_swallowed(world, monkeypatch):
    """A tracking-number collision is retried with a new number; five in a row raise."""
    first = services.submit_appeal(
        actor=None,
        category=world["wages"],
        description="站点拖欠两个月工资",
        channel=Channel.API,
        region=world["a"]["town"],
    ).appeal
    monkeypatch.setattr(intake, "new_tracking_no", lambda now: first.tracking_no)
    before = written()
    with pytest.raises(IntegrityError):
        services.submit_appeal(
            actor=None,
            category=world["wages"],
            description="站点拖欠两个月工资",
            channel=Channel.API,
            region=world["a"]["town"],
        )
    assert written() == before
