"""APL-4 KPIs counted in the database (queries.kpi_cells, drill_down) agree with the
rules (rules.compute_kpi, rules.METRICS), and the KPI page reads the appeals once."""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gigbranch.appeals import queries, rules, services
from gigbranch.appeals.models import Appeal, Channel
from gigbranch.appeals.rules import Status

from .conftest import at

NOW = at(2026, 10, 20, 9, 0)
STATUSES = [Status.SUBMITTED, Status.ACCEPTED, Status.REPLIED, Status.CLOSED, Status.WITHDRAWN]
SATISFACTION = ["", rules.SATISFIED, rules.BASICALLY_SATISFIED, rules.DISSATISFIED]


def _appeals(world, n, rng):
    """n appeals over four local months, with times on both sides of every deadline; some
    received just after local midnight on the 1st (still the previous month in UTC)."""
    for i in range(n):
        town = world["a" if i % 2 else "b"]["town"]
        submitted = services.submit_appeal(
            actor=None,
            category=world["wages" if i % 3 else "traffic"],
            description=f"测试诉求{i}",
            channel=Channel.HOTLINE,
            region=town,
            contact_mobile="13900001111",
        )
        if i % 7 == 0:
            received = at(2026, 7 + i % 4, 1, 0, 30)
        else:
            received = at(2026, 7, 1, 8) + dt.timedelta(minutes=rng.randrange(0, 150_000))
        accepted = rng.choice([None, received + dt.timedelta(hours=rng.choice([2, 30]))])
        replied = rng.choice([None, received + dt.timedelta(minutes=rng.randrange(60, 20_000))])
        resolved = rng.choice([None, True, False]) if replied else None
        Appeal.objects.filter(pk=submitted.appeal.pk).update(
            received_at=received,
            accept_due_at=received + dt.timedelta(days=1),
            accepted_at=accepted,
            reply_due_at=received + dt.timedelta(days=7),
            replied_at=replied,
            status=rng.choice(STATUSES),
            resolved=resolved,
            satisfaction=rng.choice(SATISFACTION) if resolved is not None else "",
        )


def _row(a):
    return rules.KpiRow(
        received_at=a.received_at,
        accept_due_at=a.accept_due_at,
        accepted_at=a.accepted_at,
        reply_due_at=a.reply_due_at,
        replied_at=a.replied_at,
        status=a.status,
        resolved=a.resolved,
        satisfaction=a.satisfaction or "",
    )


@pytest.mark.parametrize("by", ["department", "region"])
def test_database_counts_agree_with_the_rules(world, by):
    _appeals(world, 80, random.Random(4))
    appeals = list(Appeal.objects.all())
    months = ["2026-07", "2026-08", "2026-09"]  # October left out: counted under ""
    cells = queries.kpi_cells(Appeal.objects.all(), by=by, months=months, now=NOW)

    groups = defaultdict(list)
    for a in appeals:
        groups[getattr(a, f"{by}_id") or "none"].append(_row(a))
    table = {r["key"]: r for r in queries.kpi_table(cells)}
    assert set(table) == set(groups) and len(groups) >= 2
    for key, rows in groups.items():
        expected = asdict(rules.compute_kpi(rows, NOW))
        assert {k: table[key][k] for k in expected} == expected
    assert queries.kpi_total(cells) == rules.compute_kpi(map(_row, appeals), NOW)

    for month in months:
        local = [_row(a) for a in appeals if f"{timezone.localtime(a.received_at):%Y-%m}" == month]
        assert queries.kpi_total(queries.in_month(cells, month)) == rules.compute_kpi(local, NOW)
    trend = queries.trend(cells, months)
    october = [a for a in appeals if timezone.localtime(a.received_at).month == 10]
    assert sum(trend["received"]) == len(appeals) - len(october) > 0


def test_drill_down_finds_the_appeals_each_rule_counts(world):
    _appeals(world, 60, random.Random(9))
    appeals = list(Appeal.objects.all())
    for metric, predicate in rules.METRICS.items():
        found = set(
            queries.drill_down(Appeal.objects.all(), metric, NOW).values_list("pk", flat=True)
        )
        assert found == {a.pk for a in appeals if predicate(_row(a), NOW)}, metric


def _appeal_reads(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if '"appeals_appeal"' in q["sql"]]


@pytest.mark.parametrize("url", ["/appeals/kpi/", "/appeals/kpi/?by=region&month=2026-08"])
def test_kpi_page_reads_the_appeals_once_whatever_their_number(client, world, url):
    client.force_login(world["county_admin"])
    rng = random.Random(1)
    _appeals(world, 5, rng)
    few = _appeal_reads(client, url)
    _appeals(world, 45, rng)
    many = _appeal_reads(client, url)

    assert len(few) == len(many) == 1
