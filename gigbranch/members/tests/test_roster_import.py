"""Roster import: mapping remembered, row validation, dry run, error report, idempotent
upsert, "left" marking, background job; no plaintext ID or mobile in the database."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from gigbranch.core.validators import resident_id_check_char
from gigbranch.members.models import ImportStatus, Platform, RosterImport, Worker, WorkerChange
from gigbranch.members.services import roster as roster_services
from gigbranch.members.tests.rosterfile import xlsx
from tests.factories import UserFactory, WorkplaceFactory, make_id_number

pytestmark = pytest.mark.django_db


def bad_check(number: str) -> str:
    wrong = "0" if resident_id_check_char(number[:17]) != "0" else "1"
    return number[:17] + wrong


@pytest.fixture
def setup(two_townships):
    a = two_townships["a"]
    platform = Platform.objects.create(name="美团外卖")
    station = WorkplaceFactory(name="美团甲镇1号站", region=a["town"], organization=a["branch"])
    platform.workplaces.add(station, a["workplace"])
    rows = [
        [
            f"骑手{i}",
            make_id_number(1000 + i),
            f"1380000{i:04d}",
            f"MT{i:05d}",
            station.name,
            "外卖骑手",
            "2024-03-01",
            "群众",
        ]
        for i in range(5)
    ]
    return {
        **two_townships,
        "platform": platform,
        "station": station,
        "rows": rows,
        "admin": a["admin"],
    }


def run(setup, rows, *, mark_left=False, admin=None):
    admin = admin or setup["admin"]
    imp = roster_services.start_import(
        actor=admin, platform=setup["platform"], filename="美团花名册.xlsx", data=xlsx(rows)
    )
    imp = roster_services.set_mapping(
        actor=admin, roster_import=imp, mapping=imp.mapping, mark_missing_left=mark_left
    )
    imp = roster_services.dry_run(actor=admin, roster_import=imp)
    return imp


def test_mapping_guessed_then_remembered_per_platform(setup, county_admin):
    """The county admin's confirmed mapping becomes the platform default (a township's
    does not: see test_security_review)."""
    imp = roster_services.start_import(
        actor=county_admin,
        platform=setup["platform"],
        filename="a.xlsx",
        data=xlsx([], headers=["名字", "证件号码", "网点X", "备注"]),
    )
    assert imp.mapping == {"名字": "name", "证件号码": "id_number"}
    with pytest.raises(ValidationError) as exc:
        roster_services.set_mapping(
            actor=county_admin, roster_import=imp, mapping=imp.mapping, mark_missing_left=False
        )
    assert "所属站点" in str(exc.value)
    roster_services.set_mapping(
        actor=county_admin,
        roster_import=imp,
        mapping={**imp.mapping, "网点X": "workplace"},
        mark_missing_left=False,
    )
    setup["platform"].refresh_from_db()
    imp2 = roster_services.start_import(
        actor=county_admin,
        platform=setup["platform"],
        filename="b.xlsx",
        data=xlsx([], headers=["名字", "证件号码", "网点X"]),
    )
    assert imp2.mapping == {"名字": "name", "证件号码": "id_number", "网点X": "workplace"}


def test_dry_run_reports_bad_check_char_duplicate_mobile_unknown_station(setup):
    rows = [r[:] for r in setup["rows"]]
    rows[1][1] = bad_check(rows[1][1])
    rows[3][2] = rows[0][2]  # duplicate mobile
    rows[4][4] = "不存在的站点"
    imp = run(setup, rows)
    assert (imp.total_rows, imp.valid_rows, imp.error_rows, imp.created_count) == (5, 2, 3, 2)
    assert [(e["row"], e["column"]) for e in imp.errors] == [
        (3, "公民身份号码"),
        (5, "手机号码"),
        (6, "所属站点"),
    ]
    assert "校验位" in imp.errors[0]["reason"] and "与第2行手机号码重复" in imp.errors[1]["reason"]
    assert "*" in imp.errors[0]["value"] and "*" in imp.errors[1]["value"]
    assert Worker.objects.filter(platform=setup["platform"]).count() == 0  # dry run writes nothing
    report = load_workbook(io.BytesIO(roster_services.error_report(imp)), read_only=True)
    lines = list(report.worksheets[0].iter_rows(values_only=True))
    assert lines[0] == ("行号", "列", "原因", "内容（已脱敏）")
    assert [ln[0] for ln in lines[1:]] == [3, 5, 6]
    imp = roster_services.start_run(actor=setup["admin"], roster_import=imp)
    assert (imp.status, imp.created_count, imp.error_rows) == ("done", 2, 3)
    assert imp.stored_file == ""


def test_reimport_unchanged_changes_nothing_and_changed_row_is_history(setup):
    first = roster_services.start_run(actor=setup["admin"], roster_import=run(setup, setup["rows"]))
    assert first.created_count == 5
    stamps = dict(Worker.objects.values_list("pk", "updated_at"))
    second = roster_services.start_run(
        actor=setup["admin"], roster_import=run(setup, setup["rows"])
    )
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 5)
    assert dict(Worker.objects.values_list("pk", "updated_at")) == stamps
    assert WorkerChange.objects.count() == 0
    rows = [r[:] for r in setup["rows"]]
    rows[2][7] = "中共党员"
    rows[2][2] = "13999990000"
    third = roster_services.start_run(actor=setup["admin"], roster_import=run(setup, rows))
    assert (third.updated_count, third.unchanged_count) == (1, 4)
    change = WorkerChange.objects.get()
    assert change.changes == {
        "political_status": ["masses", "party_member"],
        "mobile": ["***", "***"],
    }
    w = Worker.objects.get(pk=change.worker_id)
    assert w.mobile == "13999990000" and w.political_status == "party_member"


def test_missing_workers_marked_left_never_deleted(setup):
    roster_services.start_run(actor=setup["admin"], roster_import=run(setup, setup["rows"]))
    imp = roster_services.start_run(
        actor=setup["admin"], roster_import=run(setup, setup["rows"][:3], mark_left=True)
    )
    assert imp.left_count == 2
    assert Worker.objects.filter(platform=setup["platform"]).count() == 5
    assert Worker.objects.filter(platform=setup["platform"], status="left").count() == 2
    # Coming back on a later roster makes them active again.
    imp = roster_services.start_run(actor=setup["admin"], roster_import=run(setup, setup["rows"]))
    assert imp.updated_count == 2
    assert Worker.objects.filter(platform=setup["platform"], status="left").count() == 0


def test_formula_refused_and_wrong_file(setup):
    rows = [r[:] for r in setup["rows"][:1]]
    rows[0][0] = '=HYPERLINK("http://x")'
    imp = run(setup, rows)
    assert imp.error_rows == 1 and "公式" in imp.errors[0]["reason"]
    with pytest.raises(ValidationError):
        roster_services.start_import(
            actor=setup["admin"], platform=setup["platform"], filename="a.xlsx", data=b"not excel"
        )
    with pytest.raises(ValidationError):
        roster_services.start_import(
            actor=setup["admin"], platform=setup["platform"], filename="a.csv", data=xlsx([])
        )


def test_out_of_scope_worker_not_overwritten(setup):
    b = setup["b"]
    rows = [["乙镇人", b["worker"].id_number, "", "", setup["station"].name, "快递员", "", ""]]
    imp = run(setup, rows)
    assert imp.error_rows == 1 and "管辖范围以外" in imp.errors[0]["reason"]
    imp = roster_services.start_run(actor=setup["admin"], roster_import=imp)
    b["worker"].refresh_from_db()
    assert b["worker"].name != "乙镇人"


def test_denied_roles_change_nothing(setup):
    inspector = UserFactory(role="inspector", scope_region=setup["county"])
    with pytest.raises(PermissionDenied):
        roster_services.start_import(
            actor=inspector, platform=setup["platform"], filename="a.xlsx", data=xlsx(setup["rows"])
        )
    assert RosterImport.objects.count() == 0


def test_large_file_runs_as_background_job(setup, settings, django_capture_on_commit_callbacks):
    settings.MEMBERS_IMPORT_SYNC_MAX_ROWS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    imp = run(setup, setup["rows"])
    with django_capture_on_commit_callbacks(execute=True):
        imp = roster_services.start_run(actor=setup["admin"], roster_import=imp)
    assert imp.status == ImportStatus.QUEUED
    imp.refresh_from_db()
    assert (imp.status, imp.processed_rows, imp.created_count) == ("done", 5, 5)


def test_no_plaintext_id_or_mobile_anywhere_in_the_database(setup):
    rows = [r[:] for r in setup["rows"]]
    rows[1][1] = bad_check(rows[1][1])  # errors are stored too: masked
    imp = roster_services.start_run(actor=setup["admin"], roster_import=run(setup, rows))
    w = Worker.objects.filter(platform=setup["platform"]).first()
    from gigbranch.members import services

    services.reveal(actor=setup["admin"], worker=w, field="id_number")
    secrets = set()
    for r in setup["rows"]:
        secrets |= {r[1], r[1][-8:], r[2], bad_check(r[1])}
    secrets |= {setup["a"]["worker"].id_number, setup["a"]["worker"].mobile}
    assert imp.error_rows == 1
    found = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')
            for row in cur.fetchall():
                text = " ".join(str(v) for v in row if v is not None)
                found += [(table, s) for s in secrets if s in text]
    assert found == []


def test_unchanged_rows_still_count_for_duplicates(setup):
    roster_services.start_run(actor=setup["admin"], roster_import=run(setup, setup["rows"]))
    extra = [
        "新人",
        make_id_number(1999),
        setup["rows"][0][2],
        "MT99999",
        setup["station"].name,
        "外卖骑手",
        "2024-03-01",
        "群众",
    ]
    dup_first = [[*extra[:2], "13700000000", "MT88888", *extra[4:]]]
    dup_first[0][1] = setup["rows"][1][1]  # same ID as an unchanged row that comes later
    imp = run(setup, [*setup["rows"], extra])
    assert (imp.unchanged_count, imp.error_rows) == (5, 1)
    assert "与第2行手机号码重复" in imp.errors[0]["reason"]
    imp = run(setup, dup_first + setup["rows"])
    assert imp.error_rows == 1 and "与第2行身份证号码重复" in imp.errors[0]["reason"]


def test_many_batches_give_the_same_result_as_one(setup, monkeypatch):
    """Batch k+1 is validated while batch k is written: counts, duplicates across batch
    boundaries, progress and idempotence must not depend on the batch size."""
    from gigbranch.members import roster

    monkeypatch.setattr(roster, "CHUNK", 3)
    station = setup["station"].name
    rows = [
        [
            f"骑手{i}",
            make_id_number(2000 + i),
            f"1390000{i:04d}",
            f"MB{i:05d}",
            station,
            "外卖骑手",
            "2024-03-01",
            "群众",
        ]
        for i in range(8)
    ]
    rows.append(list(rows[1]))  # row 10: the same person as row 3, in a later batch
    rows[4][1] = bad_check(rows[4][1])  # row 6: wrong check character
    imp = run(setup, rows)
    done = roster_services.run_import(roster_import_id=imp.pk)
    assert (done.created_count, done.updated_count, done.unchanged_count) == (7, 0, 0)
    assert done.processed_rows == done.total_rows == 9
    assert {e["row"] for e in done.errors} == {6, 10}
    assert Worker.objects.filter(platform=setup["platform"]).count() == 7
    again = roster_services.run_import(roster_import_id=run(setup, rows).pk)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 7)
    assert {e["row"] for e in again.errors} == {6, 10}


def _mapped(setup, rows):
    admin = setup["admin"]
    imp = roster_services.start_import(
        actor=admin, platform=setup["platform"], filename="美团花名册.xlsx", data=xlsx(rows)
    )
    return roster_services.set_mapping(
        actor=admin, roster_import=imp, mapping=imp.mapping, mark_missing_left=False
    )


def test_large_file_is_checked_in_the_background(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.MEMBERS_IMPORT_SYNC_MAX_ROWS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    rows = [r[:] for r in setup["rows"]]
    rows[2][1] = bad_check(rows[2][1])
    imp = _mapped(setup, rows)
    with django_capture_on_commit_callbacks(execute=True):
        queued = roster_services.start_check(actor=setup["admin"], roster_import=imp)
    assert queued.status == ImportStatus.CHECK_QUEUED
    imp.refresh_from_db()
    assert (imp.status, imp.processed_rows, imp.valid_rows, imp.error_rows) == (
        ImportStatus.CHECKED,
        5,
        4,
        1,
    )
    assert imp.errors[0]["row"] == 4
    assert not Worker.objects.filter(platform=setup["platform"]).exists()  # dry run: no write
    # Then the import itself, also in the background.
    with django_capture_on_commit_callbacks(execute=True):
        roster_services.start_run(actor=setup["admin"], roster_import=imp)
    imp.refresh_from_db()
    assert (imp.status, imp.created_count) == (ImportStatus.DONE, 4)


def test_background_check_of_an_unreadable_file_is_reported_in_chinese(setup, monkeypatch):
    from gigbranch.members.xlsxreader import Sheet, XlsxError

    imp = _mapped(setup, setup["rows"])
    RosterImport.objects.filter(pk=imp.pk).update(status=ImportStatus.CHECK_QUEUED)

    def broken(self):
        raise XlsxError("truncated")
        yield ()  # a generator, as Sheet.rows

    monkeypatch.setattr(Sheet, "rows", broken)
    done = roster_services.run_check(roster_import_id=imp.pk, actor_id=setup["admin"].pk)
    assert done.status == ImportStatus.FAILED
    assert done.message.startswith("校验失败：无法读取Excel文件")
    assert not Worker.objects.filter(platform=setup["platform"]).exists()


def test_check_page_polls_progress_until_checked(setup, client_for):
    imp = _mapped(setup, setup["rows"])
    RosterImport.objects.filter(pk=imp.pk).update(status=ImportStatus.CHECKING, processed_rows=2)
    c = client_for(setup["admin"])
    page = c.get(reverse("members:import_detail", args=[imp.pk])).content.decode()
    assert "校验中：已处理 2 / 5 行" in page
    assert reverse("members:import_progress", args=[imp.pk]) in page
    r = c.get(reverse("members:import_progress", args=[imp.pk]))
    assert "HX-Refresh" not in r
    RosterImport.objects.filter(pk=imp.pk).update(status=ImportStatus.CHECKED)
    assert c.get(reverse("members:import_progress", args=[imp.pk]))["HX-Refresh"] == "true"
