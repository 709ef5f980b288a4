"""Import files kept between dry run and confirmation: encrypted, bound to their owner,
deleted on use and by the sweep (issue: uploaded files must not stay readable)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gigbranch.core import stash
from gigbranch.core.schedule import PERIODIC_JOBS

DATA = b"PK\x03\x04 workbook bytes with 11010519491231002X"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _files() -> list[Path]:
    return list(stash._dir().iterdir())


def test_stored_encrypted_and_read_back_by_its_owner():
    token = stash.put(DATA, purpose="p", owner_id=7)
    [path] = _files()
    assert b"11010519491231002X" not in path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert stash.get(token, purpose="p", owner_id=7) == DATA


def test_another_account_or_purpose_gets_nothing():
    token = stash.put(DATA, purpose="p", owner_id=7)
    assert stash.get(token, purpose="p", owner_id=8) is None
    assert stash.get(token, purpose="q", owner_id=7) is None
    assert stash.get("../../etc/passwd", purpose="p", owner_id=7) is None


def test_expired_files_are_refused_and_swept(settings):
    settings.STASH_MAX_AGE_SECONDS = 60
    old = stash.put(DATA, purpose="p", owner_id=1)
    fresh = stash.put(DATA, purpose="p", owner_id=1)
    old_path = stash._dir() / f"{old}.bin"
    past = time.time() - 3600
    os.utime(old_path, (past, past))
    legacy = stash._dir() / "stations-abc.xlsx"  # a plaintext leftover of an older version
    legacy.write_bytes(DATA)
    os.utime(legacy, (past, past))
    assert stash.get(old, purpose="p", owner_id=1) is None
    assert stash.sweep() == 1  # the legacy file (the expired one went on `get`)
    assert [p.name for p in _files()] == [f"{fresh}.bin"]


def test_the_sweep_is_scheduled():
    assert "gigbranch.core.tasks.stash_sweep" in [job.task_path for job in PERIODIC_JOBS]


@pytest.mark.django_db
def test_station_import_keeps_no_plaintext_between_dry_run_and_confirm(client, county):
    import io

    from openpyxl import Workbook

    from gigbranch.organizations.models import Region
    from gigbranch.stations import imports
    from tests.factories import UserFactory

    town = Region.objects.create(name="甲镇", level="township", parent=county, code="339021001")
    admin = UserFactory(role="township_admin", scope_region=town)
    wb = Workbook()
    wb.active.append(imports.REQUIRED)
    wb.active.append(["暖心驿站一号", "暖心驿站", "人民路1号", "甲镇", 29.8, 120.3, "08:00-20:00"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = "stations.xlsx"
    buf.seek(0)
    client.force_login(admin)
    response = client.post("/stations/import/", {"file": buf})
    assert response.status_code == 200
    assert response.context["report"] is not None, response.context["form"].errors
    assert response.context["report"].ok, response.context["report"].errors
    [path] = _files()
    assert "暖心驿站一号".encode() not in path.read_bytes() and b"PK" not in path.read_bytes()[:40]
    token = client.session["station_import"]
    response = client.post("/stations/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert _files() == []
