"""Points: idempotent posting, jurisdiction rules, caps per period, BURDEN-2."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gigbranch.members import services
from gigbranch.members.models import PointEntry

pytestmark = pytest.mark.django_db

T = dt.datetime(2026, 5, 10, 9, tzinfo=dt.UTC)


def test_post_points_is_idempotent_per_source_key(two_townships, county):
    worker = two_townships["a"]["worker"]
    services.set_point_rule(actor=None, region=county, event_kind="study_completed", points=5)
    e1 = services.post_points(
        actor=None,
        person=worker,
        event_kind="study_completed",
        source_key="study:1:w",
        occurred_at=T,
    )
    e2 = services.post_points(
        actor=None,
        person=worker,
        event_kind="study_completed",
        source_key="study:1:w",
        occurred_at=T,
    )
    assert e1.pk == e2.pk and e1.points == 5
    assert PointEntry.objects.count() == 1
    assert services.balance(worker) == 5


def test_most_specific_jurisdiction_wins(two_townships, county):
    a, b = two_townships["a"], two_townships["b"]
    services.set_point_rule(actor=None, region=county, event_kind="activity_attended", points=2)
    services.set_point_rule(actor=None, region=a["town"], event_kind="activity_attended", points=3)
    ea = services.post_points(
        actor=None,
        person=a["worker"],
        event_kind="activity_attended",
        source_key="act:1:a",
        occurred_at=T,
    )
    eb = services.post_points(
        actor=None,
        person=b["worker"],
        event_kind="activity_attended",
        source_key="act:1:b",
        occurred_at=T,
    )
    assert (ea.points, eb.points) == (3, 2)


def test_cap_per_period(two_townships, county):
    worker = two_townships["a"]["worker"]
    services.set_point_rule(
        actor=None, region=county, event_kind="activity_attended", points=4, cap=10, period="month"
    )
    got = [
        services.post_points(
            actor=None,
            person=worker,
            event_kind="activity_attended",
            source_key=f"act:{i}",
            occurred_at=T + dt.timedelta(days=i),
        ).points
        for i in range(4)
    ]
    assert got == [4, 4, 2, 0]
    last = PointEntry.objects.get(source_key="act:3")
    assert (last.requested_points, last.note) == (4, "已达每月上限10分")
    # Next month the cap starts again.
    nxt = services.post_points(
        actor=None,
        person=worker,
        event_kind="activity_attended",
        source_key="act:june",
        occurred_at=dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC),
    )
    assert nxt.points == 4


def test_explicit_points_and_no_rule(two_townships):
    worker = two_townships["a"]["worker"]
    e = services.post_points(
        actor=None,
        person=worker,
        event_kind="volunteer_service",
        source_key="vol:1",
        points=6,
        occurred_at=T,
    )
    assert e.points == 6
    e0 = services.post_points(
        actor=None, person=worker, event_kind="volunteer_service", source_key="vol:2", occurred_at=T
    )
    assert (e0.points, e0.note) == (0, "本辖区未设置该事项的积分规则")


@pytest.mark.parametrize("kind", ["online_time", "study_duration", "login", "like", "unknown_kind"])
def test_activity_metrics_are_refused(two_townships, kind):
    with pytest.raises(ValidationError):
        services.post_points(
            actor=None,
            person=two_townships["a"]["worker"],
            event_kind=kind,
            source_key=f"x:{kind}",
            points=1,
        )
    assert PointEntry.objects.count() == 0
