"""Vanguard team (党员先锋队) member picker: a scoped, capped search instead of one <select>
of every member in scope; posted member ids are checked against the user's scope again."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.members import services
from gigbranch.members.models import MemberStatus, VanguardTeam
from tests.factories import PartyMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = "members:vanguard_member_search"
OUT_OF_SCOPE = "所选党员不在您的管理范围内。"


def _member(t, name, **kw):
    return PartyMemberFactory(
        worker__name=name,
        worker__region=t["town"],
        worker__workplace=t["workplace"],
        organization=t["branch"],
        **kw,
    )


@pytest.fixture
def picker(two_townships):
    a, b = two_townships["a"], two_townships["b"]
    return {
        **two_townships,
        "a_wang": [_member(a, f"王{i:02d}") for i in range(25)],
        "a_li": _member(a, "李明"),
        "a_left": _member(a, "王已出党", status=MemberStatus.LEFT),
        "b_wang": _member(b, "王乙镇"),
        "b_li": _member(b, "李乙镇"),
    }


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-member-id="(\d+)"', html)]


def _search(client, q):
    return client.get(reverse(SEARCH), {"q": q}, HTTP_HX_REQUEST="true")


# --- the search endpoint ---------------------------------------------------------------------


def test_search_by_name_is_scoped_and_capped_at_20(client_for, picker):
    c = client_for(picker["a"]["admin"])
    r = _search(c, "王")
    assert r.status_code == 200
    html = r.content.decode()
    ids = _ids(html)
    assert len(ids) == 20  # 25 matches in scope, at most 20 offered
    assert set(ids) <= {m.pk for m in picker["a_wang"]}
    assert picker["b_wang"].pk not in ids  # the other township's member never appears
    assert picker["a_left"].pk not in ids  # members who have left cannot join a team
    assert "仅显示前20人" in html
    assert "<html" not in html  # a fragment for htmx

    html = _search(c, "王0").content.decode()
    assert len(_ids(html)) == 10 and "仅显示前20人" not in html


def test_search_by_last4_uses_the_blind_index_in_scope(client_for, picker):
    a_li, b_li = picker["a_li"], picker["b_li"]
    c = client_for(picker["a"]["admin"])
    html = _search(c, a_li.worker.id_number[-4:]).content.decode()
    assert a_li.pk in _ids(html)
    assert a_li.worker.masked_id_number in html  # masked, never the full number
    assert a_li.worker.id_number not in html
    html = _search(c, b_li.worker.id_number[-4:]).content.decode()
    assert b_li.pk not in _ids(html)


def test_empty_or_blank_search_lists_nobody(client_for, picker):
    c = client_for(picker["a"]["admin"])
    for q in ("", "   "):
        assert _ids(_search(c, q).content.decode()) == []


def test_search_needs_people_change(client_for, picker, county):
    inspector = UserFactory(role="inspector", scope_region=county)
    assert _search(client_for(inspector), "王").status_code == 403


def test_branch_secretary_searches_only_own_branch(client_for, picker):
    other_branch_member = PartyMemberFactory(
        worker__name="王别支部",
        worker__region=picker["a"]["town"],
        organization=picker["a"]["committee"],
    )
    secretary = UserFactory(role="branch_secretary", scope_organization=picker["a"]["branch"])
    ids = _ids(_search(client_for(secretary), "王别").content.decode())
    assert other_branch_member.pk not in ids


# --- the form: no giant <select>, chips for chosen members -------------------------------------


def test_form_has_no_member_select_and_shows_chosen_members_as_chips(client_for, picker):
    a = picker["a"]
    c = client_for(a["admin"])
    html = c.get(reverse("members:vanguard_team_create")).content.decode()
    assert re.search(r'<select[^>]*name="(members|leader)"', html) is None
    assert 'name="q"' in html and reverse(SEARCH) in html
    assert picker["a_wang"][0].worker.name not in html  # nobody listed up front

    team = services.create_vanguard_team(
        actor=None,
        name="甲镇先锋队",
        leader=picker["a_wang"][0],
        members=[picker["a_li"]],
        workplace=a["workplace"],
        year=2026,
    )
    html = c.get(reverse("members:vanguard_team_edit", args=[team.pk])).content.decode()
    chips = re.findall(r'<input type="hidden" name="members" value="(\d+)"', html)
    assert sorted(int(x) for x in chips) == sorted([picker["a_wang"][0].pk, picker["a_li"].pk])
    assert re.search(rf'name="leader"\s+value="{picker["a_wang"][0].pk}"[^>]*checked', html), (
        "the leader's chip is marked"
    )


def test_create_with_picked_member_ids(client_for, picker):
    a = picker["a"]
    c = client_for(a["admin"])
    leader, other = picker["a_wang"][3], picker["a_li"]
    r = c.post(
        reverse("members:vanguard_team_create"),
        {
            "name": "骑手先锋队",
            "workplace": a["workplace"].pk,
            "year": 2026,
            "leader": leader.pk,
            "members": [leader.pk, other.pk],
        },
    )
    assert r.status_code == 302
    team = VanguardTeam.objects.get()
    assert team.leader == leader and set(team.members.all()) == {leader, other}
    page = c.get(reverse("members:vanguard_teams")).content.decode()
    assert leader.worker.name in page and other.worker.name in page


# --- out-of-scope ids are refused and change nothing -----------------------------------------


@pytest.mark.parametrize("field", ["members", "leader"])
def test_out_of_scope_id_refused_on_create(client_for, picker, field):
    a = picker["a"]
    c = client_for(a["admin"])
    data = {
        "name": "越权先锋队",
        "workplace": a["workplace"].pk,
        "year": 2026,
        "leader": picker["a_li"].pk,
        "members": [picker["a_li"].pk],
    }
    data[field] = (
        [picker["a_li"].pk, picker["b_li"].pk] if field == "members" else picker["b_li"].pk
    )
    before = AuditEvent.objects.count()
    r = c.post(reverse("members:vanguard_team_create"), data)
    assert r.status_code == 403
    html = r.content.decode()
    assert OUT_OF_SCOPE in html
    assert picker["b_li"].worker.name not in html  # the other township's name is not leaked
    assert VanguardTeam.objects.count() == 0
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("bad", ["b_li", "missing"])
def test_out_of_scope_or_unknown_id_refused_on_edit(client_for, picker, bad):
    a = picker["a"]
    team = services.create_vanguard_team(
        actor=None,
        name="甲镇先锋队",
        leader=picker["a_li"],
        members=[picker["a_wang"][0]],
        workplace=a["workplace"],
        year=2026,
    )
    bad_id = picker["b_li"].pk if bad == "b_li" else 10**9
    c = client_for(a["admin"])
    before = AuditEvent.objects.count()
    r = c.post(
        reverse("members:vanguard_team_edit", args=[team.pk]),
        {
            "name": "改名先锋队",
            "workplace": a["workplace"].pk,
            "year": 2027,
            "leader": picker["a_li"].pk,
            "members": [picker["a_li"].pk, bad_id],
        },
    )
    assert r.status_code == 403 and OUT_OF_SCOPE in r.content.decode()
    team.refresh_from_db()
    assert (team.name, team.year) == ("甲镇先锋队", 2026)
    assert set(team.members.all()) == {picker["a_li"], picker["a_wang"][0]}
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "１２"])
def test_malformed_member_id_is_400(client_for, picker, value):
    a = picker["a"]
    r = client_for(a["admin"]).post(
        reverse("members:vanguard_team_create"),
        {
            "name": "先锋队",
            "workplace": a["workplace"].pk,
            "year": 2026,
            "leader": picker["a_li"].pk,
            "members": [value],
        },
    )
    assert r.status_code == 400 and "所选党员无效。" in r.content.decode()
    assert VanguardTeam.objects.count() == 0


def test_missing_leader_is_400_with_chinese_error(client_for, picker):
    a = picker["a"]
    r = client_for(a["admin"]).post(
        reverse("members:vanguard_team_create"),
        {
            "name": "先锋队",
            "workplace": a["workplace"].pk,
            "year": 2026,
            "members": [picker["a_li"].pk],
        },
    )
    assert r.status_code == 400 and "请在已选队员中选定队长。" in r.content.decode()
    # The chosen member is still shown as a chip, so nothing has to be picked again.
    assert f'name="members" value="{picker["a_li"].pk}"' in r.content.decode()
    assert VanguardTeam.objects.count() == 0


def test_service_resolves_ids_only_within_scope(picker):
    a = picker["a"]
    leader, members = services.team_members_from_ids(
        actor=a["admin"], leader_id=picker["a_li"].pk, member_ids=[picker["a_wang"][1].pk]
    )
    assert leader == picker["a_li"] and members == [picker["a_wang"][1]]
    for leader_id, member_ids in (
        (picker["b_li"].pk, []),
        (picker["a_li"].pk, [picker["b_wang"].pk]),
        (picker["a_li"].pk, [10**9]),
    ):
        with pytest.raises(PermissionDenied) as exc:
            services.team_members_from_ids(
                actor=a["admin"], leader_id=leader_id, member_ids=member_ids
            )
        assert str(exc.value) == OUT_OF_SCOPE


def test_editing_keeps_members_outside_the_editors_scope(client_for, picker):
    """A team spanning two townships, edited by township A's admin: A's choices apply, and
    the member from township B (not in A's form) is kept, not silently dropped."""
    a = picker["a"]
    leader, mine, theirs = picker["a_wang"][0], picker["a_wang"][1], picker["b_li"]
    team = services.create_vanguard_team(
        actor=None,
        name="跨镇先锋队",
        leader=leader,
        members=[mine, theirs],
        workplace=a["workplace"],
        year=2026,
    )
    c = client_for(a["admin"])
    page = c.get(reverse("members:vanguard_team_edit", args=[team.pk])).content.decode()
    assert theirs.worker.name not in page
    assert "另有1名队员不在您的管理范围，保存时保持不变。" in page
    other = picker["a_li"]
    r = c.post(
        reverse("members:vanguard_team_edit", args=[team.pk]),
        {
            "name": "跨镇先锋队",
            "workplace": a["workplace"].pk,
            "year": 2026,
            "leader": leader.pk,
            "members": [leader.pk, other.pk],  # drops `mine`, adds `other`
        },
    )
    assert r.status_code == 302
    assert set(team.members.all()) == {leader, other, theirs}
    event = AuditEvent.objects.filter(action="honour.vanguard_team_updated").latest("pk")
    assert event.changes["members"][1] == sorted([leader.pk, other.pk, theirs.pk])
