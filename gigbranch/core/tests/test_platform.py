"""Settings, health check, background jobs, error pages, language, demo data."""

import datetime as dt
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from gigbranch.core import schedule
from gigbranch.core.models import PeriodicRun, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[3]


def test_production_profile_passes_check_deploy(tmp_path):
    env = {
        **os.environ,
        "GIGBRANCH_PROFILE": "production",
        "SECRET_KEY": "p" * 20 + "Q9!x" * 10 + "zZ-_",
        "FIELD_ENCRYPTION_KEYS": "k1:" + "ab" * 16,
        "FIELD_HASH_KEY": "cd" * 32,
        "AUDIT_HMAC_KEY": "ef" * 32,
        "ALLOWED_HOSTS": "dangjian.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "GIGBRANCH_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
        "SMS_BACKEND": "gigbranch.notifications.sms.HttpGatewaySmsBackend",
        "SMS_GATEWAY_URL": "https://sms.example.gov.cn/send",
        "SMS_GATEWAY_SECRET": "s" * 32,
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_refuses_to_start_without_keys(tmp_path):
    env = {**os.environ, "GIGBRANCH_PROFILE": "production", "GIGBRANCH_VAR_DIR": str(tmp_path)}
    for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "FIELD_ENCRYPTION_KEY"):
        env.pop(key, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_sqlite_file_database_runs_in_wal_mode(tmp_path):
    """The app's own settings, pointed at a SQLite file, put it in WAL mode.

    The test database may be in memory (which reports "memory") or PostgreSQL, so this
    opens a real file through the settings the app starts with, in a separate process.
    """
    path = tmp_path / "wal-check.sqlite3"
    env = {
        **os.environ,
        "GIGBRANCH_PROFILE": "development",
        "DATABASE_URL": f"sqlite:///{path}",
        "GIGBRANCH_VAR_DIR": str(tmp_path),
    }
    env.pop("SQLITE_TEST_NAME", None)
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "    c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])\n"
        "    c.execute('CREATE TABLE probe (x integer)')\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[-2:] == ["wal", "10000"]
    # WAL is stored in the file itself: a plain connection without the app's setup sees it.
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        plain.close()


@pytest.mark.django_db
def test_healthz_reports_database_and_worker(client):
    body = client.get("/healthz").json()
    assert body == {"status": "degraded", "database": "ok", "worker": {"status": "never_seen"}}
    WorkerHeartbeat.objects.create(name="default", beat_at=timezone.now())
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["worker"]["status"] == "ok"
    WorkerHeartbeat.objects.filter(name="default").update(
        beat_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert client.get("/healthz").json()["worker"]["status"] == "stale"


@pytest.mark.django_db(transaction=True)
def test_periodic_jobs_are_enqueued_once_per_slot_and_run_by_the_real_worker():
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    first = schedule.enqueue_due(now)
    second = schedule.enqueue_due(now)
    assert "gigbranch.core.tasks.heartbeat" in first
    assert second == []
    assert PeriodicRun.objects.filter(job="gigbranch.core.tasks.heartbeat").count() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == len(first)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == len(first)
    assert WorkerHeartbeat.objects.filter(name="default").exists()


@pytest.mark.django_db(transaction=True)
def test_jobs_are_queued_only_after_commit():
    from django_tasks_db.models import DBTaskResult

    from gigbranch.core.tasks import heartbeat

    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(heartbeat.enqueue)
        raise RuntimeError("rolled back")
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("status,url,text", [(404, "/no-such-page/", "页面不存在")])
def test_error_pages_are_chinese(client, status, url, text, settings):
    settings.DEBUG = False
    response = client.get(url)
    assert response.status_code == status
    assert text in response.content.decode()


@pytest.mark.django_db
def test_403_page_is_chinese(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="audit_admin"))
    response = client.get("/org/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()


@pytest.mark.django_db
def test_english_is_switchable(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert "Sign in" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def _digest():
    from gigbranch.members.models import Worker
    from gigbranch.organizations.models import Organization, Workplace

    h = hashlib.sha256()
    # Ids (and so paths) differ between runs on PostgreSQL, whose sequences do not roll
    # back; compare what the ids point to instead.
    for row in Organization.objects.order_by("id").values_list("name", "kind", "parent__name"):
        h.update(repr(row).encode())
    for row in Workplace.objects.order_by("id").values_list("name", "credit_code", "coverage_mode"):
        h.update(repr(row).encode())
    for w in Worker.objects.order_by("id").only("name", "id_number", "birth_date"):
        h.update(repr((w.name, w.id_number, w.birth_date)).encode())
    return h.hexdigest()


class _Rollback(Exception):
    pass


@pytest.mark.django_db
def test_demo_seed_is_deterministic_and_ids_are_valid():
    from gigbranch import demo
    from gigbranch.core.validators import parse_resident_id
    from gigbranch.members.models import Worker

    digests = []
    for _ in range(2):
        try:
            with transaction.atomic():
                result = demo.seed(scale="tiny", seed_value=7)
                digests.append(_digest())
                assert result.workers == demo.SCALES["tiny"]["workers"]
                for w in Worker.objects.all()[:200]:
                    assert parse_resident_id(w.id_number).birth_date == w.birth_date
                raise _Rollback
        except _Rollback:
            pass
    assert digests[0] == digests[1]


@pytest.mark.django_db
def test_navigation_marks_only_the_longest_matching_entry(county_admin):
    from gigbranch.core.navigation import nav_for

    entries = [e for s in nav_for(county_admin, "/org/coverage/") for e in s["items"]]
    active = [e["url"] for e in entries if e["active"]]
    assert active == ["/org/coverage/"]
    entries = [e for s in nav_for(county_admin, "/org/12/") for e in s["items"]]
    assert [e["url"] for e in entries if e["active"]] == ["/org/"]
