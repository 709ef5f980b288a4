"""Fault test (ADR 0048): PostgreSQL restarts (immediate shutdown: a crash, then recovery)
while API clients submit appeals; each client retries with its `Idempotency-Key` (APL-5)
until it has an answer. Reconciled afterwards: every submission is in the database once
(0 lost, 0 duplicated) and every client holds the tracking number of its own row.

The database restarted is a private cluster (initdb into a temporary directory, a free
port, run as the `postgres` user when the test runs as root), never the shared one. It
gets the schema and the test's rows from the test database (pg_dump | psql); the API runs
in gunicorn against it. Selected with `-m fault` and FAULT_TESTS=1 (`make fault`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from gigbranch.accounts.services import issue_api_token
from gigbranch.appeals.models import Category
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(not os.environ.get("FAULT_TESTS"), reason="fault tests: FAULT_TESTS=1"),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 6
PER_CLIENT = 12
BUDGET_SECONDS = 85


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/{name})")
    return found[-1]


def _as_cluster_owner(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: use the `postgres` account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PrivateCluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gb-fault-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)

    def run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            _as_cluster_owner(list(args)), check=True, timeout=timeout, capture_output=True
        )

    def init_and_start(self) -> None:
        self.run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start()

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c full_page_writes=off"
        )
        self.run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            action,
            *extra,
        )

    def start(self) -> None:
        self._ctl("start")

    def restart_after_crash(self) -> None:
        """Immediate shutdown (no checkpoint: recovery replays the WAL), then start."""
        self._ctl("stop", "-m", "immediate")
        self.start()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def private_cluster():
    cluster = PrivateCluster()
    try:
        cluster.init_and_start()
        yield cluster
    finally:
        cluster.stop()


def _copy_test_database(cluster: PrivateCluster) -> str:
    db = connection.settings_dict
    source = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    name = "gb_fault"
    psql = _pg_bin("psql")
    subprocess.run(
        [psql, cluster.url("postgres"), "-qc", f"CREATE DATABASE {name}"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    dump = subprocess.run(
        [_pg_bin("pg_dump"), "--no-owner", "--no-privileges", source],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        [psql, "-q", "-v", "ON_ERROR_STOP=1", cluster.url(name)],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return name


def _start_api(cluster: PrivateCluster, name: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url(name),
        "GIGBRANCH_PROFILE": "test",
        "RATE_LIMITS_OFF": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    return server, base


def _post(base: str, token: str, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/v1/appeals",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, {}


def test_appeals_submitted_across_a_database_restart_are_neither_lost_nor_doubled(
    two_townships, tmp_path, private_cluster
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    deadline = time.monotonic() + BUDGET_SECONDS
    import psycopg

    Category.objects.get_or_create(code="wages", defaults={"name": "工资报酬", "active": True})
    town = two_townships["a"]["town"]
    client_account = UserFactory(username="fault_platform", role="api_client")
    _, token = issue_api_token(actor=None, user=client_account, name="故障演练")

    name = _copy_test_database(private_cluster)
    log = tmp_path / "gunicorn.log"
    server, base = _start_api(private_cluster, name, log)
    answers: dict[str, str] = {}  # Idempotency-Key → tracking number the client was given
    retries = {"count": 0, "statuses": set()}
    lock = threading.Lock()
    half_done = threading.Event()

    def client(n: int) -> None:
        for i in range(PER_CLIENT):
            key = f"fault-{n}-{i}"
            body = {
                "category": "wages",
                "description": f"故障演练：客户端{n}的第{i}条诉求，工资被拖欠",
                "region_code": town.code,
            }
            while time.monotonic() < deadline:
                status, payload = _post(base, token, key, body)
                if status in (200, 201):
                    with lock:
                        answers[key] = payload["tracking_no"]
                        if len(answers) >= CLIENTS * PER_CLIENT // 3:
                            half_done.set()
                    break
                with lock:
                    retries["count"] += 1
                    retries["statuses"].add(status)
                time.sleep(0.1)

    try:
        # Wait for the API to answer at all before the clients start.
        while _post(base, token, "warm-up", {})[0] in (0, 502, 503):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        assert half_done.wait(timeout=max(1.0, deadline - time.monotonic())), "no progress"
        private_cluster.restart_after_crash()
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "clients did not finish in time"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, 9)
        server.wait(timeout=10)

    keys = {f"fault-{n}-{i}" for n in range(CLIENTS) for i in range(PER_CLIENT)}
    assert set(answers) == keys, f"unanswered: {sorted(keys - set(answers))[:5]}"
    prefix = f"api:{client_account.pk}:"
    with psycopg.connect(private_cluster.url(name)) as conn:
        rows = conn.execute(
            "SELECT idempotency_key, tracking_no FROM appeals_appeal WHERE idempotency_key LIKE %s",
            [prefix + "fault-%"],
        ).fetchall()
    stored = {key.removeprefix(prefix): tracking for key, tracking in rows}
    assert len(rows) == len(keys), "duplicated rows"  # 0 duplicated
    assert stored == answers  # 0 lost: every answer the clients hold is a stored row
    print(
        f"retries across the restart: {retries['count']} (statuses {sorted(retries['statuses'])})"
    )
