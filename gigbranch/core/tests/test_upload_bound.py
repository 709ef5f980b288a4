"""Uploads cannot drive the process's memory up (ADR 0046, GB/T 22239 入侵防范):
a file part is counted while it streams in and dropped past the cap, and a workbook
whose entries inflate past their declared sizes is refused before any reader expands it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import override_settings
from django.urls import reverse

from gigbranch.core.tests.disguised_bomb import disguised_bomb
from gigbranch.core.uploads import CappedUploadHandler, OversizeUpload
from gigbranch.core.workbook import WorkbookRefused, check_upload

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024
# The reading path's own growth while it refuses the disguised bomb, measured as the
# process's peak resident size (calamine allocates outside Python's tracemalloc). Before
# the gate inflated every entry itself, the same 2 MB file took about 800 MB here.
PEAK_RSS_BOUND_MB = 64


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return disguised_bomb(400)


def test_the_bomb_is_small_on_the_wire_and_passes_zipfiles_own_checks(bomb):
    import zipfile

    assert len(bomb) < 4 * MB
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.testzip() is None  # zipfile stops at the declared size: looks sound
        assert sum(e.file_size for e in archive.infolist()) < 64 * 1024


def test_the_gate_refuses_an_entry_that_inflates_past_its_declared_size(bomb):
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookRefused) as caught:
            check_upload(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(caught.value) == (
        "文件已损坏：其中“xl/worksheets/sheet1.xml”校验失败，请重新从Excel另存为.xlsx后上传。"
    )
    assert peak < 4 * MB  # one inflated chunk at a time


def test_reading_the_bomb_as_a_roster_keeps_peak_memory_bounded(bomb, tmp_path):
    """In a fresh process (its peak resident size is its own): the roster reader's path,
    gate then calamine, from the crafted bytes to the refusal."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    script = textwrap.dedent(
        f"""
        import resource, django
        django.setup()
        from gigbranch.members import roster
        data = open({str(path)!r}, "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            roster.read_headers(data)
            outcome = "read"
        except roster.RosterFileError as exc:
            outcome = exc.messages[0]
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024)
        print(outcome)
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GIGBRANCH_PROFILE": "test",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    grown_mb, outcome = done.stdout.strip().splitlines()[-2:]
    assert int(grown_mb) < PEAK_RSS_BOUND_MB
    assert outcome.startswith("文件已损坏：其中“xl/worksheets/sheet1.xml”校验失败")


def _multipart(file_bytes: int) -> tuple[bytes, str]:
    boundary = "gigbranchboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="roster.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + b"\x00" * file_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@override_settings(UPLOAD_MAX_BYTES=1 * MB)
def test_a_file_past_the_cap_is_dropped_while_it_streams_in():
    from django.core.files.uploadhandler import (
        MemoryFileUploadHandler,
        TemporaryFileUploadHandler,
    )

    body, content_type = _multipart(30 * MB)
    # The request declares a small length: the parser must count what arrives, not trust it.
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    handlers = [CappedUploadHandler(), MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    tracemalloc.start()
    try:
        _, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload = files["file"]
    assert isinstance(upload, OversizeUpload)
    assert upload.size == 1 * MB + 1
    assert upload.read() == b""
    assert peak < 4 * MB


@override_settings(UPLOAD_MAX_BYTES=1 * MB)
def test_a_file_within_the_cap_arrives_whole():
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    body, content_type = _multipart(MB)
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    _, files = MultiPartParser(
        meta, io.BytesIO(body), [CappedUploadHandler(), MemoryFileUploadHandler()]
    ).parse()
    assert not isinstance(files["file"], OversizeUpload)
    assert files["file"].read() == b"\x00" * MB


@pytest.mark.django_db
def test_posting_the_bomb_to_the_roster_import_is_refused_in_chinese(
    client_for, two_townships, bomb
):
    from gigbranch.members.models import Platform, RosterImport

    platform = Platform.objects.create(name="美团外卖")
    client = client_for(two_townships["a"]["admin"])
    response = client.post(
        reverse("members:imports"),
        {"platform": platform.pk, "file": SimpleUploadedFile("美团.xlsx", bomb)},
        follow=True,
    )
    assert response.status_code == 200
    assert "校验失败，请重新从Excel另存为.xlsx后上传" in response.content.decode()
    assert not RosterImport.objects.exists()


@pytest.mark.django_db
@override_settings(UPLOAD_MAX_BYTES=64 * 1024)
def test_posting_past_the_cap_is_refused_in_chinese_and_keeps_nothing(client_for, two_townships):
    from gigbranch.members.models import Platform, RosterImport

    platform = Platform.objects.create(name="美团外卖")
    client = client_for(two_townships["a"]["admin"])
    response = client.post(
        reverse("members:imports"),
        {"platform": platform.pk, "file": SimpleUploadedFile("美团.xlsx", b"PK" + b"\0" * MB)},
        follow=True,
    )
    assert response.status_code == 200
    assert "文件超过大小上限。" in response.content.decode()
    assert not RosterImport.objects.exists()
