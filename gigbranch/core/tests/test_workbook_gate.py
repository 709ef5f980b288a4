"""Damaged workbooks are a Chinese file error in every import, never a 500 (issue: bad
input): a bad CRC, an unknown compression method, a corrupt deflate stream."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from gigbranch.core.workbook import WorkbookRefused, check_upload

SHEET = "xl/worksheets/sheet1.xml"


def _valid(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "手机号码"])
    for n in range(50):
        ws.append([f"骑手{n}", "11010519491231002X", f"139{n:08d}"])
    raw = io.BytesIO()
    wb.save(raw)
    # Re-pack so that the sheet entry has the compression the test wants.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename), compress_type=compression)
    return out.getvalue()


def _data_offset(data: bytes, name: str) -> tuple[int, int]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len
    return start, info.compress_size


def bad_crc() -> bytes:
    data = bytearray(_valid(zipfile.ZIP_STORED))
    start, size = _data_offset(bytes(data), SHEET)
    at = bytes(data).index(b"<row", start, start + size)
    data[at + 3] = ord("x")  # same length, different content: the CRC no longer matches
    return bytes(data)


def unknown_method() -> bytes:
    data = bytearray(_valid())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    struct.pack_into("<H", data, info.header_offset + 8, 99)  # local header
    # The central directory record of this entry: the last "PK\x01\x02" before its name
    # in the directory (which follows all the entries' data).
    directory = bytes(data).index(b"PK\x01\x02")
    pos = bytes(data).find(SHEET.encode(), directory)
    record = bytes(data).rfind(b"PK\x01\x02", 0, pos)
    struct.pack_into("<H", data, record + 10, 99)
    return bytes(data)


def corrupt_deflate() -> bytes:
    data = bytearray(_valid())
    start, size = _data_offset(bytes(data), SHEET)
    for i in range(start + 2, start + min(size, 40)):
        data[i] = 0xFF
    return bytes(data)


DAMAGED = {"bad_crc": bad_crc, "unknown_method": unknown_method, "corrupt_deflate": corrupt_deflate}


def test_the_valid_workbook_passes():
    check_upload(_valid())
    check_upload(_valid(zipfile.ZIP_STORED))


@pytest.mark.parametrize("kind", DAMAGED)
def test_the_gate_refuses_each_damage_in_chinese(kind):
    with pytest.raises(WorkbookRefused) as caught:
        check_upload(DAMAGED[kind]())
    assert "损坏" in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DAMAGED)
def test_roster_import_reports_a_file_error(kind):
    from gigbranch.members.roster import RosterFileError, read_headers

    with pytest.raises(RosterFileError) as caught:
        read_headers(DAMAGED[kind]())
    assert "损坏" in caught.value.messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DAMAGED)
def test_organisation_import_reports_a_file_error(kind, county_admin):
    from gigbranch.organizations.excel import ImportRefused, parse_workplaces

    with pytest.raises(ImportRefused) as caught:
        parse_workplaces(DAMAGED[kind](), actor=county_admin)
    assert "损坏" in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DAMAGED)
def test_station_import_reports_a_file_error(kind, county_admin):
    from gigbranch.stations.imports import parse_workbook

    report = parse_workbook(DAMAGED[kind](), actor=county_admin)
    assert report.errors and "损坏" in report.errors[0].reason
