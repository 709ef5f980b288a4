"""field__anyof: the same rows as __in on both backends (one array parameter on
PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gigbranch.organizations.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    return [
        Region.objects.create(name=f"乡镇{i}", code=f"LK{i:03d}", level="town") for i in range(6)
    ]


def test_anyof_matches_in(regions):
    codes = ["LK001", "LK004", "NOPE"]
    assert set(Region.objects.filter(code__anyof=codes)) == set(
        Region.objects.filter(code__in=codes)
    )
    pks = [regions[2].pk, regions[5].pk]
    assert set(Region.objects.filter(pk__anyof=pks).values_list("pk", flat=True)) == set(pks)
    assert not Region.objects.filter(pk__anyof=[]).exists()


def test_anyof_with_a_subquery_is_plain_in(regions):
    sub = Region.objects.filter(code__in=["LK000", "LK003"]).values("pk")
    assert Region.objects.filter(pk__anyof=sub).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL array parameter")
def test_anyof_sends_one_parameter_on_postgresql(regions):
    values = [r.code for r in regions] * 400
    with CaptureQueriesContext(connection) as ctx:
        assert Region.objects.filter(code__anyof=values).count() == len(regions)
    sql = ctx.captured_queries[-1]["sql"]
    assert "= ANY(" in sql and sql.count("LK000") == 400
