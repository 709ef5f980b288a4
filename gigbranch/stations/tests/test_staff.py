"""Staff maintenance: stations, closures, QR poster, Excel import, study sanitising."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import Workbook

from gigbranch.core.models import AuditEvent
from gigbranch.stations import imports, services
from gigbranch.stations.models import Article, Station
from tests.factories import ArticleFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(two_townships):
    a, b = two_townships["a"], two_townships["b"]
    return {"a": a, "b": b, "admin_a": a["admin"], "town_a": a["town"], "town_b": b["town"]}


def test_create_update_station_with_hours_and_amenities(setup):
    admin = setup["admin_a"]
    station = services.create_station(
        actor=admin,
        name="甲镇暖心驿站",
        kind="warm_heart",
        address="人民路1号",
        region=setup["town_a"],
        latitude=29.87,
        longitude=120.35,
        amenities=["microwave", "water"],
        hours="周一至周五 08:00-20:00；周六 22:00-06:00",
    )
    assert station.amenity_codes == ["microwave", "water"]
    assert station.hours.count() == 6
    services.update_station(
        actor=admin, station=station, amenities=["water"], hours="24小时", name="甲镇暖心驿站（新）"
    )
    station.refresh_from_db()
    assert (station.name, station.always_open, station.hours.count()) == (
        "甲镇暖心驿站（新）",
        True,
        0,
    )
    ev = AuditEvent.objects.filter(action="station.updated").get()
    assert ev.changes["amenities"] == [["microwave", "water"], ["water"]]


def test_out_of_scope_station_edit_refused_and_changes_nothing(setup):
    station = StationFactory(region=setup["town_b"], name="乙镇驿站")
    with pytest.raises(PermissionDenied):
        services.update_station(actor=setup["admin_a"], station=station, name="改名")
    with pytest.raises(ValidationError):
        services.create_station(
            actor=setup["admin_a"],
            name="x",
            kind="warm_heart",
            address="y",
            region=setup["town_b"],
            latitude=1,
            longitude=1,
        )
    station.refresh_from_db()
    assert station.name == "乙镇驿站"
    assert Station.objects.count() == 1


def test_roles_without_manage_cannot_write(setup):
    branch = UserFactory(role="branch_secretary", scope_organization=setup["a"]["branch"])
    with pytest.raises(PermissionDenied):
        services.create_station(
            actor=branch,
            name="x",
            kind="warm_heart",
            address="y",
            region=setup["town_a"],
            latitude=1,
            longitude=1,
        )
    assert Station.objects.count() == 0


def test_staff_pages_scope_and_poster(client, setup):
    mine = StationFactory(region=setup["town_a"])
    theirs = StationFactory(region=setup["town_b"])
    client.force_login(setup["admin_a"])
    page = client.get(reverse("stations:list")).content.decode()
    assert mine.name in page and theirs.name not in page
    assert client.get(reverse("stations:detail", args=[theirs.pk])).status_code == 404
    poster = client.get(reverse("stations:poster", args=[mine.pk])).content.decode()
    assert "<svg" in poster and mine.qr_token in poster
    old = mine.qr_token
    client.post(reverse("stations:qr_regenerate", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.qr_token != old


def test_station_form_view_creates(client, setup):
    client.force_login(setup["admin_a"])
    r = client.post(
        reverse("stations:create"),
        {
            "name": "新驿站",
            "kind": "love",
            "address": "路",
            "region": setup["town_a"].pk,
            "latitude": "29.9",
            "longitude": "120.4",
            "hours": "22:00-06:00",
            "amenities": ["toilet"],
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    s = Station.objects.get(name="新驿站")
    assert s.amenity_codes == ["toilet"] and s.hours.count() == 7
    r = client.post(
        reverse("stations:create"),
        {
            "name": "坏",
            "kind": "love",
            "address": "路",
            "region": setup["town_a"].pk,
            "latitude": "29.9",
            "longitude": "120.4",
            "hours": "早上",
        },
    )
    assert r.status_code == 200 and "无法识别的开放时间" in r.content.decode()


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = [
    "站点编码",
    "名称",
    "类型",
    "地址",
    "属地",
    "纬度",
    "经度",
    "开放时间",
    "法定节假日闭站",
    "设施",
]


def test_import_dry_run_then_idempotent(setup):
    admin = setup["admin_a"]
    data = _xlsx(
        [
            HEADER,
            [
                "A1",
                "一号驿站",
                "暖心驿站",
                "路1",
                "甲镇",
                29.87,
                120.35,
                "24小时",
                "否",
                "饮水、微波炉",
            ],
            ["A2", "二号驿站", "爱心驿站", "路2", "甲镇", 29.88, 120.36, "08:00-20:00", "是", ""],
        ]
    )
    report = imports.apply_import(actor=admin, data=data, dry_run=True)
    assert (report.ok, report.created, Station.objects.count()) == (True, 2, 0)
    report = imports.apply_import(actor=admin, data=data, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert Station.objects.get(external_code="A1").amenity_codes == ["microwave", "water"]
    report = imports.apply_import(actor=admin, data=data, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    changed = _xlsx(
        [
            HEADER,
            ["A1", "一号驿站", "暖心驿站", "路1", "甲镇", 29.87, 120.35, "24小时", "否", "饮水"],
        ]
    )
    report = imports.apply_import(actor=admin, data=changed, dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert Station.objects.count() == 2


def test_import_reports_row_column_reason_and_refuses_formulas(setup):
    data = _xlsx(
        [
            HEADER,
            ["A1", "一号", "未知类", "路1", "乙镇", 99, 120.35, "早上", "也许", "飞机"],
            ["A2", "二号", "暖心驿站", "路2", "甲镇", "=1+1", 120.36, "24小时", "", ""],
            ["A3", "三号", "暖心驿站", "路3", "甲镇", 29.1, 120.1, "24小时", "", ""],
            ["A3", "三号", "暖心驿站", "路3", "甲镇", 29.1, 120.1, "24小时", "", ""],
        ]
    )
    report = imports.apply_import(actor=setup["admin_a"], data=data, dry_run=False)
    got = {(e.row, e.column) for e in report.errors}
    assert {
        (2, "类型"),
        (2, "属地"),
        (2, "纬度"),
        (2, "开放时间"),
        (2, "法定节假日闭站"),
        (2, "设施"),
        (3, "纬度"),
        (5, "站点编码"),
    } <= got
    assert any("公式" in e.reason for e in report.errors if e.row == 3)
    assert Station.objects.count() == 0


def test_import_refuses_garbage_and_missing_columns(setup):
    report = imports.apply_import(actor=setup["admin_a"], data=b"not excel", dry_run=True)
    assert "不是有效的Excel" in report.errors[0].reason
    report = imports.apply_import(actor=setup["admin_a"], data=_xlsx([["名称"]]), dry_run=True)
    assert report.errors[0].reason == "缺少必填列"


def test_article_body_is_sanitised(county):
    admin = UserFactory(role="county_admin", scope_region=county)
    article = services.save_article(
        actor=admin,
        title="t",
        kind="article",
        summary="",
        region=county,
        points=1,
        is_published=True,
        body='<p onclick="x()">好<script>alert(1)</script><a href="javascript:alert(1)">坏</a>'
        '<a href="https://gov.cn">链</a><img src="/media/a.png" onerror="x"><iframe src="x"></iframe>'
        '<span style="color:red">红</span></p>',
    )
    assert article.body == (
        '<p>好<a rel="noopener noreferrer">坏</a><a href="https://gov.cn" rel="noopener noreferrer">链</a>'
        '<img src="/media/a.png"><span>红</span></p>'
    )
    assert article.published_at is not None


def test_study_manage_denied_for_branch(county):
    branch = UserFactory(role="branch_secretary")
    with pytest.raises(PermissionDenied):
        services.save_article(actor=branch, title="t", body="x", region=county)
    assert Article.objects.count() == 0


def test_complete_article_posts_points_once_to_the_ledger(county):
    from gigbranch.members.models import PointEntry
    from gigbranch.members.services import balance
    from tests.factories import WorkerFactory, WorkerUserFactory

    worker = WorkerFactory(region=county)
    user = WorkerUserFactory(worker=worker)
    article = ArticleFactory(points=5, region=county)
    completion, created = services.complete_article(user=user, article=article)
    assert created and completion.points_posted
    again, created_again = services.complete_article(user=user, article=article)
    assert (again.pk, created_again) == (completion.pk, False)
    entry = PointEntry.objects.get()
    assert (entry.event_kind, entry.points, entry.source_key) == (
        "study_completed",
        5,
        f"study:{article.pk}:worker:{worker.pk}",
    )
    assert balance(worker) == 5


def test_unlinked_account_completes_without_points(county):
    from tests.factories import WorkerUserFactory

    completion, created = services.complete_article(
        user=WorkerUserFactory(), article=ArticleFactory(region=county)
    )
    assert created and not completion.points_posted


def test_import_code_of_other_township_is_row_error_and_not_revealed(setup):
    """Security review: 站点编码 is matched only among the actor's own stations; a code used
    by another township's station is a row error (dry run too), its details not shown."""
    other = StationFactory(
        name="乙镇秘密驿站", region=setup["town_b"], external_code="B1", address="乙镇路9号"
    )
    row = ["B1", "一号驿站", "暖心驿站", "路1", "甲镇", 29.87, 120.35, "24小时", "否", ""]
    data = _xlsx(
        [
            HEADER,
            row,
            ["A9", "九号驿站", "暖心驿站", "路9", "甲镇", 29.87, 120.35, "24小时", "否", ""],
        ]
    )
    for dry_run in (True, False):
        report = imports.apply_import(actor=setup["admin_a"], data=data, dry_run=dry_run)
        assert not report.ok
        assert [(e.row, e.column) for e in report.errors] == [(2, "站点编码")]
        assert "乙镇秘密驿站" not in report.errors[0].reason
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    other.refresh_from_db()
    assert (other.name, other.region, other.address) == (
        "乙镇秘密驿站",
        setup["town_b"],
        "乙镇路9号",
    )
    assert Station.objects.count() == 1
    assert not AuditEvent.objects.filter(action="stations.imported").exists()


def test_import_own_code_still_updates(setup):
    mine = StationFactory(name="一号驿站", region=setup["town_a"], external_code="A1")
    row = ["A1", "一号驿站", "暖心驿站", "新路1", "甲镇", 29.87, 120.35, "24小时", "否", ""]
    report = imports.apply_import(actor=setup["admin_a"], data=_xlsx([HEADER, row]), dry_run=False)
    assert (report.ok, report.created, report.updated) == (True, 0, 1)
    mine.refresh_from_db()
    assert mine.address == "新路1"
