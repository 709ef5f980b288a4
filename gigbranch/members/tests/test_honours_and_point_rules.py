"""Vanguard teams (党员先锋队) and point rules (积分规则, BURDEN-2): pages and services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.members import services
from gigbranch.members.models import PointRule, VanguardTeam
from gigbranch.members.policy import ACTIVITY_METRIC_MESSAGE, is_activity_metric
from tests.factories import PartyMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams_setup(two_townships):
    out = {}
    for key in ("a", "b"):
        t = two_townships[key]
        out[key] = {
            **t,
            "m1": PartyMemberFactory(
                worker__region=t["town"], worker__workplace=t["workplace"], organization=t["branch"]
            ),
            "m2": PartyMemberFactory(
                worker__region=t["town"], worker__workplace=t["workplace"], organization=t["branch"]
            ),
        }
    return out


def _team_post(t, **over):
    data = {
        "name": "骑手先锋队",
        "workplace": t["workplace"].pk,
        "leader": t["m1"].pk,
        "members": [t["m2"].pk],
        "year": 2026,
    }
    data.update(over)
    return data


# --- vanguard teams ------------------------------------------------------------------------


def test_township_admin_creates_and_edits_a_team_audited(client_for, teams_setup):
    a = teams_setup["a"]
    c = client_for(a["admin"])
    form_page = c.get(reverse("members:vanguard_team_create")).content.decode()
    assert a["workplace"].name in form_page and teams_setup["b"]["workplace"].name not in form_page
    r = c.post(reverse("members:vanguard_team_create"), _team_post(a))
    assert r.status_code == 302 and r["Location"] == reverse("members:vanguard_teams")
    team = VanguardTeam.objects.get()
    assert (team.name, team.leader, team.workplace, team.year) == (
        "骑手先锋队",
        a["m1"],
        a["workplace"],
        2026,
    )
    assert set(team.members.all()) == {a["m1"], a["m2"]}
    created = AuditEvent.objects.get(action="honour.vanguard_team_created")
    assert created.actor == a["admin"] and created.object_id == str(team.pk)

    r = c.post(
        reverse("members:vanguard_team_edit", args=[team.pk]),
        _team_post(a, name="快递先锋队", leader=a["m2"].pk, members=[], year=2027),
    )
    assert r.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.leader, team.year) == ("快递先锋队", a["m2"], 2027)
    assert list(team.members.all()) == [a["m2"]]
    updated = AuditEvent.objects.get(action="honour.vanguard_team_updated")
    assert updated.changes["name"] == ["骑手先锋队", "快递先锋队"]
    assert updated.changes["year"] == [2026, 2027]

    page = c.get(reverse("members:vanguard_teams"))
    assert page.status_code == 200 and "快递先锋队" in page.content.decode()
    honours = c.get(reverse("members:honours")).content.decode()
    assert reverse("members:vanguard_teams") in honours


def test_township_admin_cannot_create_a_team_for_another_townships_workplace(
    client_for, teams_setup
):
    a, b = teams_setup["a"], teams_setup["b"]
    c = client_for(a["admin"])
    before = AuditEvent.objects.count()
    # Through the page: the other township's workplace is not a valid choice.
    r = c.post(reverse("members:vanguard_team_create"), _team_post(a, workplace=b["workplace"].pk))
    assert r.status_code == 400
    # Through the service: refused outright, whatever the form allowed.
    with pytest.raises(PermissionDenied):
        services.create_vanguard_team(
            actor=a["admin"],
            name="越权先锋队",
            leader=a["m1"],
            members=[],
            workplace=b["workplace"],
            year=2026,
        )
    with pytest.raises(PermissionDenied):
        services.create_vanguard_team(
            actor=a["admin"],
            name="越权先锋队",
            leader=a["m1"],
            members=[b["m1"]],
            workplace=a["workplace"],
            year=2026,
        )
    assert VanguardTeam.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_team_of_another_township_cannot_be_edited(client_for, teams_setup):
    a, b = teams_setup["a"], teams_setup["b"]
    team = services.create_vanguard_team(
        actor=None,
        name="乙镇先锋队",
        leader=b["m1"],
        members=[],
        workplace=b["workplace"],
        year=2026,
    )
    c = client_for(a["admin"])
    assert c.get(reverse("members:vanguard_team_edit", args=[team.pk])).status_code == 404
    r = c.post(reverse("members:vanguard_team_edit", args=[team.pk]), _team_post(a))
    assert r.status_code == 404
    team.refresh_from_db()
    assert (team.name, team.workplace) == ("乙镇先锋队", b["workplace"])
    assert not AuditEvent.objects.filter(action="honour.vanguard_team_updated").exists()
    assert "乙镇先锋队" not in c.get(reverse("members:vanguard_teams")).content.decode()


def test_inspector_cannot_create_teams(client_for, teams_setup, county):
    from tests.factories import UserFactory

    inspector = UserFactory(username="insp", role="inspector", scope_region=county)
    c = client_for(inspector)
    r = c.post(reverse("members:vanguard_team_create"), _team_post(teams_setup["a"]))
    assert r.status_code == 403
    assert VanguardTeam.objects.count() == 0


def test_team_name_required(teams_setup):
    a = teams_setup["a"]
    with pytest.raises(ValidationError) as exc:
        services.create_vanguard_team(
            actor=a["admin"],
            name=" ",
            leader=a["m1"],
            members=[],
            workplace=a["workplace"],
            year=2026,
        )
    assert exc.value.message_dict == {"name": ["请填写先锋队名称。"]}


# --- point rules ---------------------------------------------------------------------------


def _rule_post(region, **over):
    data = {"region": region.pk, "event_kind": "volunteer_service", "points": 5, "cap": 20}
    data.update({"period": "month", **over})
    return data


def test_county_admin_creates_and_edits_a_rule_audited(client_for, county_admin, county):
    c = client_for(county_admin)
    page = c.get(reverse("members:point_rules")).content.decode()
    assert "积分不排名" in page and "不用于任何考核" in page and "BURDEN-2" in page
    assert c.get(reverse("members:point_rule_create")).status_code == 200
    r = c.post(reverse("members:point_rule_create"), _rule_post(county))
    assert r.status_code == 302
    rule = PointRule.objects.get()
    assert (rule.region, rule.event_kind, rule.points, rule.cap, rule.period) == (
        county,
        "volunteer_service",
        5,
        20,
        "month",
    )
    ev = AuditEvent.objects.get(action="points.rule_set")
    assert ev.actor == county_admin and ev.object_id == str(rule.pk)

    r = c.post(
        reverse("members:point_rule_edit", args=[rule.pk]),
        {"points": 3, "cap": "", "period": "quarter", "active": "on"},
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.cap, rule.period, rule.active) == (3, None, "quarter", True)
    ev = AuditEvent.objects.get(action="points.rule_updated")
    assert ev.changes == {"points": [5, 3], "cap": [20, None], "period": ["month", "quarter"]}


@pytest.mark.parametrize(
    "kind", ["online_time", "study_duration", "like", "likes", "share", "shares", "login"]
)
def test_activity_metric_kinds_are_refused_with_burden2(client_for, county_admin, county, kind):
    assert is_activity_metric(kind)
    with pytest.raises(ValidationError) as exc:
        services.set_point_rule(actor=county_admin, region=county, event_kind=kind, points=1)
    assert exc.value.message_dict == {"event_kind": [ACTIVITY_METRIC_MESSAGE]}
    assert "BURDEN-2" in ACTIVITY_METRIC_MESSAGE and "在线时长" in ACTIVITY_METRIC_MESSAGE
    r = client_for(county_admin).post(
        reverse("members:point_rule_create"), _rule_post(county, event_kind=kind), follow=True
    )
    assert ACTIVITY_METRIC_MESSAGE in r.content.decode()
    assert PointRule.objects.count() == 0
    assert not AuditEvent.objects.filter(action="points.rule_set").exists()


def test_ordinary_kinds_are_not_activity_metrics():
    for kind in ("volunteer_service", "activity_attended", "study_completed", "helped_others"):
        assert not is_activity_metric(kind)


def test_township_admin_gets_403_and_nothing_changes(client_for, two_townships, county):
    a = two_townships["a"]
    rule = services.set_point_rule(
        actor=None, region=county, event_kind="volunteer_service", points=5
    )
    before = AuditEvent.objects.count()
    c = client_for(a["admin"])
    page = c.get(reverse("members:point_rules"))
    assert page.status_code == 200 and "志愿服务" in page.content.decode()
    assert reverse("members:point_rule_create") not in page.content.decode()
    assert c.get(reverse("members:point_rule_create")).status_code == 403
    r = c.post(reverse("members:point_rule_create"), _rule_post(a["town"]))
    assert r.status_code == 403
    r = c.post(
        reverse("members:point_rule_edit", args=[rule.pk]),
        {"points": 50, "cap": "", "period": "year", "active": ""},
    )
    assert r.status_code == 403
    rule.refresh_from_db()
    assert (rule.points, rule.period, rule.active) == (5, "month", True)
    assert PointRule.objects.count() == 1
    assert AuditEvent.objects.count() == before
    with pytest.raises(PermissionDenied):
        services.set_point_rule(
            actor=a["admin"], region=a["town"], event_kind="volunteer_service", points=9
        )
    with pytest.raises(PermissionDenied):
        services.update_point_rule(
            actor=a["admin"], rule=rule, points=50, cap=None, period="year", active=False
        )
    rule.refresh_from_db()
    assert rule.points == 5 and PointRule.objects.count() == 1


def test_county_admin_cannot_set_rules_outside_own_county(county_admin):
    from tests.factories import RegionFactory

    other = RegionFactory(name="外县", level="county", parent=None)
    with pytest.raises(PermissionDenied):
        services.set_point_rule(
            actor=county_admin, region=other, event_kind="volunteer_service", points=1
        )
    assert PointRule.objects.count() == 0


def test_team_list_names_only_members_in_the_users_scope(client_for, teams_setup):
    """A team's workplace may be in scope while some members' organisations are not:
    those members are counted, never named (their names would disclose membership)."""
    a, b = teams_setup["a"], teams_setup["b"]
    team = VanguardTeam.objects.create(
        name="跨镇先锋队", workplace=a["workplace"], leader=a["m1"], year=2026
    )
    team.members.set([a["m1"], a["m2"], b["m1"]])
    page = client_for(a["admin"]).get(reverse("members:vanguard_teams")).content.decode()
    assert a["m2"].worker.name in page
    assert b["m1"].worker.name not in page
    assert "3人" in page and "另有1人不在您的管理范围" in page
