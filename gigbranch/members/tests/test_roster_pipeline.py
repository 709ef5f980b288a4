"""Roster validation in a second process (members/rosterpipe.py): the same batches, rows,
errors and stored values as in-process validation; a failure in the child reaches the
importer as a file error; the importer's database connection survives the child."""

from __future__ import annotations

import pytest

from gigbranch.core.crypto import get_cipher
from gigbranch.members import roster, rosterpipe
from gigbranch.members.models import Worker
from gigbranch.members.services import roster as roster_services
from gigbranch.members.tests.rosterfile import xlsx
from gigbranch.members.tests.test_roster_import import bad_check, run
from gigbranch.members.tests.test_roster_import import setup as setup
from gigbranch.members.xlsxreader import Sheet, XlsxError
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(roster, "CHUNK", 4)  # 22 data rows: six batches, a child process


def roster_rows(setup):
    station = setup["station"].name
    rows = [
        [
            f"骑手{i}",
            make_id_number(3000 + i),
            f"1350000{i:04d}",
            f"PL{i:05d}",
            station,
            "外卖骑手",
            "2024-03-01",
            "群众",
        ]
        for i in range(20)
    ]
    rows[3][1] = bad_check(rows[3][1])  # row 5
    rows[7][2] = rows[1][2]  # row 9: the mobile of row 3
    rows[11][4] = "不存在的站点"  # row 13
    rows.append(list(rows[0]))  # row 22: row 2 again, in a later batch
    rows.append(["", "", "", "", "", "", "", ""])  # an empty row: skipped
    rows.append([*rows[5][:3], "PL99999", *rows[5][4:]])  # row 24: ID of row 7
    return rows


def batches(setup, data, *, parallel, settings, seal=False):
    settings.MEMBERS_IMPORT_PARALLEL = parallel
    mapping = roster.guess_mapping(list(roster_services.roster.read_headers(data)[0]))
    assert rosterpipe.use_child_process(24) is parallel
    return list(
        rosterpipe.validate(
            lambda: roster.Validator.for_platform(setup["platform"], setup["admin"]),
            data,
            mapping,
            rows=24,
            seal=seal,
        )
    )


def test_child_process_and_in_process_validation_agree(setup, small_batches, settings):
    data = xlsx(roster_rows(setup))
    here = batches(setup, data, parallel=False, settings=settings)
    there = batches(setup, data, parallel=True, settings=settings)
    assert here == there
    assert len(here) == 6 and sum(b.size for b in here) == 22
    assert sorted({e.row for b in here for e in b.errors}) == [5, 9, 13, 22, 24]
    assert sum(len(b.valid) for b in here) == 17


def test_rows_sealed_in_the_sealing_process_are_the_rows_validated(setup, small_batches, settings):
    data = xlsx(roster_rows(setup))
    plain = batches(setup, data, parallel=True, settings=settings)
    sealed = batches(setup, data, parallel=True, settings=settings, seal=True)
    cipher = get_cipher()
    rows = [r for b in sealed for r in b.valid]
    assert len(rows) == 17
    for r in rows:
        id_cipher, last4, mobile_cipher, mobile_hash = r.sealed
        assert cipher.decrypt(id_cipher, context=roster._ID_CONTEXT) == r.id_number
        assert cipher.decrypt(mobile_cipher, context=roster._MOBILE_CONTEXT) == r.mobile
        assert last4 == cipher.blind_index(r.id_number[-4:], context="id_last4")
        assert mobile_hash == cipher.blind_index(r.mobile, context="mobile")
        r.sealed = None  # ciphertexts differ by nonce; the rest must be identical
    assert sealed == plain


def test_an_import_validated_in_a_child_process_stores_what_in_process_would(
    setup, small_batches, settings
):
    settings.MEMBERS_IMPORT_PARALLEL = True
    rows = roster_rows(setup)
    imp = run(setup, rows)
    assert (imp.valid_rows, imp.error_rows) == (17, 5)
    done = roster_services.start_run(actor=setup["admin"], roster_import=imp)
    assert (done.created_count, done.unchanged_count, done.error_rows) == (17, 0, 5)
    assert done.processed_rows == 22
    # Sealed in the child: ciphertexts and blind indexes decrypt and match as the model's.
    cipher = get_cipher()
    w = Worker.objects.get(platform_worker_id="PL00002")
    assert w.id_number == rows[2][1] and w.mobile == rows[2][2]
    assert cipher.same_index(
        w.id_last4_hash, cipher.blind_index(rows[2][1][-4:], context="id_last4")
    )
    assert (
        Worker.objects.filter(mobile_hash=cipher.blind_index(rows[2][2], context="mobile")).count()
        == 1
    )
    # Re-import of the same file in the child: nothing changes.
    settings.MEMBERS_IMPORT_PARALLEL = False
    again = roster_services.start_run(actor=setup["admin"], roster_import=run(setup, rows))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 17)
    settings.MEMBERS_IMPORT_PARALLEL = True
    third = roster_services.start_run(actor=setup["admin"], roster_import=run(setup, rows))
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 0, 17)
    assert [e["row"] for e in third.errors] == [e["row"] for e in again.errors]


@pytest.mark.parametrize("seal", [False, True])
@pytest.mark.parametrize("at_row", [0, 10])
def test_a_failure_in_the_child_is_a_file_error_and_the_connection_survives(
    setup, small_batches, settings, monkeypatch, at_row, seal
):
    settings.MEMBERS_IMPORT_PARALLEL = True
    data = xlsx(roster_rows(setup))
    real = Sheet.rows

    def broken(self):
        for k, row in enumerate(real(self)):
            if k == at_row:
                raise XlsxError("truncated")
            yield row

    monkeypatch.setattr(Sheet, "rows", broken)  # inherited by the forked child
    with pytest.raises(roster.RosterFileError):
        batches(setup, data, parallel=True, settings=settings, seal=seal)
    # The importer's connection still answers after the children are gone.
    assert Worker.objects.filter(platform=setup["platform"]).count() == 0


def test_a_threaded_process_validates_in_process(settings):
    """A fork copies only the calling thread: a web worker with threads never forks."""
    import threading

    settings.MEMBERS_IMPORT_PARALLEL = True
    assert rosterpipe.use_child_process(100_000)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not rosterpipe.use_child_process(100_000)
    finally:
        release.set()
        other.join()
    assert not rosterpipe.use_child_process(2 * roster.CHUNK)  # a small file
    settings.MEMBERS_IMPORT_PARALLEL = False
    assert not rosterpipe.use_child_process(100_000)
