"""The staff appeal list at city scale: the scope filter for the whole county joins no
region table, and the pager counts only as far as it needs (and says when its figure is
a lower bound)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gigbranch.appeals.models import Appeal, Category, Channel
from gigbranch.appeals.views import staff as views
from tests.factories import RegionFactory

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _appeals(region, n, start=0):
    category = Category.objects.get(code="wages")
    t = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    Appeal.objects.bulk_create(
        Appeal(
            tracking_no=f"T{start + i:09d}",
            category=category,
            description="站点拖欠工资",
            channel=Channel.HOTLINE,
            region=region,
            received_at=t + dt.timedelta(minutes=i),
            accept_due_at=t + dt.timedelta(hours=2),
            clock_started_at=t,
            reply_due_at=t + dt.timedelta(days=7),
        )
        for i in range(n)
    )


def test_whole_county_scope_does_not_join_the_region_table(world):
    _appeals(world["a"]["town"], 2)
    _appeals(world["b"]["town"], 3, start=100)
    qs = Appeal.objects.visible_to(world["county_admin"])
    assert "organizations_region" not in str(qs.query)
    assert qs.count() == 5
    # A township's scope still filters on the region path.
    town_qs = Appeal.objects.visible_to(world["a"]["admin"])
    assert "organizations_region" in str(town_qs.query)
    assert town_qs.count() == 2


def test_a_second_region_tree_keeps_the_path_filter(world):
    """With another root region the county's scope is no longer everything."""
    other = RegionFactory(name="邻县", level="county", parent=None)
    other.path = f"{other.pk:06d}/"
    other.save()
    _appeals(world["a"]["town"], 2)
    _appeals(other, 4, start=100)
    qs = Appeal.objects.visible_to(world["county_admin"])
    assert "organizations_region" in str(qs.query)
    assert qs.count() == 2


def test_the_list_counts_only_as_far_as_it_needs_and_says_so(world, client, monkeypatch):
    monkeypatch.setattr(views, "LIST_PAGES_AHEAD", 1)  # count to 2 pages of 25
    _appeals(world["a"]["town"], 60)
    client.force_login(world["county_admin"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/appeals/")
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    # The pager's count is bounded; the others are the page's headline figures (one
    # count each, filtered by status, shown as links above the list).
    pager = [sql for sql in counts if "FROM (SELECT" in sql]
    assert len(pager) == 1 and "LIMIT 51" in pager[0]
    assert len(counts) - 1 == len(views.queries.APPEAL_FIGURES)
    html = response.content.decode()
    assert "共 50 余件" in html
    assert "第 1 / 2 余页" in html
    assert "page=2" in html  # next page link

    # The last page: the count reaches the end, the figure is exact again.
    response = client.get("/appeals/?page=3")
    html = response.content.decode()
    assert "共 60 件。" in html
    assert "第 3 / 3 页" in html
    assert html.count("/appeals/") > 10 and "余页" not in html


def test_a_kpi_drill_down_keeps_the_exact_total(world, client, monkeypatch):
    monkeypatch.setattr(views, "LIST_PAGES_AHEAD", 1)
    _appeals(world["a"]["town"], 60)
    client.force_login(world["county_admin"])
    response = client.get(f"/appeals/?region={world['a']['town'].pk}")
    html = response.content.decode()
    assert "共 60 件" in html and "余" not in html


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999"])
def test_bad_page_numbers_show_a_page(world, client, page):
    _appeals(world["a"]["town"], 3)
    client.force_login(world["county_admin"])
    response = client.get(f"/appeals/?page={page}")
    assert response.status_code == 200
    assert response.content.decode().count("T0000000") == 3


def test_township_user_sees_only_its_rows_in_the_list(world, client):
    _appeals(world["a"]["town"], 2)
    _appeals(world["b"]["town"], 3, start=100)
    client.force_login(world["a"]["admin"])
    html = client.get("/appeals/").content.decode()
    assert "共 2 件。" in html
    assert "T000000100" not in html


def test_the_list_does_not_load_what_it_does_not_show(world, client):
    """The contact mobile is encrypted: loading it means decrypting 25 values per page."""
    _appeals(world["a"]["town"], 3)
    client.force_login(world["county_admin"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/appeals/").content.decode()
    page_sql = [q["sql"] for q in ctx.captured_queries if '"tracking_no"' in q["sql"]]
    assert page_sql and all(
        '"contact_mobile"' not in sql and '"reply_text"' not in sql for sql in page_sql
    )
    assert "T000000002" in html and "甲镇" in html
