"""Honours: model posts (党员示范岗) and vanguard teams (党员先锋队)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.organizations.models import Workplace

from ..models import HonourLevel, MemberStatus, ModelPost, PartyMember, VanguardTeam

OUT_OF_SCOPE = "所选党员不在您的管理范围内。"
TEAM_MAX_MEMBERS = 200


@transaction.atomic
def create_model_post(
    *,
    actor: Any,
    member: PartyMember,
    post_name: str,
    standard: str,
    year: int,
    level: str,
    evaluation: str = "",
) -> ModelPost:
    errors = {}
    if not post_name.strip():
        errors["post_name"] = "请填写岗位名称。"
    if not standard.strip():
        errors["standard"] = "请填写岗位标准。"
    if level not in HonourLevel.values:
        errors["level"] = "请选择级别。"
    if member.status != MemberStatus.NORMAL:
        errors["member"] = "党籍状态不正常的党员不能设岗。"
    if errors:
        raise ValidationError(errors)
    post = ModelPost.objects.create(
        member=member,
        post_name=post_name.strip(),
        standard=standard.strip(),
        year=year,
        level=level,
        evaluation=evaluation.strip(),
    )
    audit.record(
        actor=actor,
        action="honour.model_post_created",
        obj=post,
        changes={"member": member.pk, "year": year, "level": level},
    )
    return post


def _check_team(
    *,
    actor: Any,
    name: str,
    leader: PartyMember,
    members: list[PartyMember],
    workplace: Workplace,
    year: int,
) -> None:
    """Validate a vanguard team and check that the workplace and every member are inside
    the actor's scope (a user may not form a team for another jurisdiction). `actor=None`
    is the system (demo seed, migrations)."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写先锋队名称。"
    elif len(name.strip()) > 60:
        errors["name"] = "先锋队名称不超过60个字。"
    if not 2000 <= year <= 2100:
        errors["year"] = "请填写正确的年度。"
    if leader.status != MemberStatus.NORMAL:
        errors["leader"] = "党籍状态不正常的党员不能担任队长。"
    if errors:
        raise ValidationError(errors)
    if actor is None:
        return
    if not Workplace.objects.visible_to(actor).filter(pk=workplace.pk).exists():
        raise PermissionDenied("该企业/站点不在您的管理范围内。")
    wanted = {m.pk for m in (leader, *members)}
    visible = set(
        PartyMember.objects.visible_to(actor).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if visible != wanted:
        raise PermissionDenied(OUT_OF_SCOPE)


def team_members_from_ids(
    *, actor: Any, leader_id: int, member_ids: Sequence[int]
) -> tuple[PartyMember, list[PartyMember]]:
    """The leader and members a form posted as ids, each looked up in the actor's own
    scope. An id the actor may not see (or that does not exist) is refused with the same
    message, so the refusal tells nothing about other jurisdictions' members."""
    ids = list(dict.fromkeys(member_ids))
    if len(ids) > TEAM_MAX_MEMBERS:
        raise ValidationError({"members": f"先锋队队员不超过{TEAM_MAX_MEMBERS}人。"})
    found = (
        PartyMember.objects.visible_to(actor).select_related("worker").in_bulk([leader_id, *ids])
    )
    if leader_id not in found or any(pk not in found for pk in ids):
        raise PermissionDenied(OUT_OF_SCOPE)
    left = [m.worker.name for m in found.values() if m.status == MemberStatus.LEFT]
    if left:
        raise ValidationError({"members": f"已出党人员不能加入先锋队：{'、'.join(left)}。"})
    return found[leader_id], [found[pk] for pk in ids if pk != leader_id]


def hidden_team_members(team: VanguardTeam, actor: Any) -> Any:
    """The team's members outside the actor's scope."""
    return team.members.exclude(pk__in=PartyMember.objects.visible_to(actor).values("pk"))


def _team_changes(team: VanguardTeam) -> dict[str, Any]:
    return {
        "name": team.name,
        "leader": team.leader_id,
        "members": sorted(team.members.values_list("pk", flat=True)),
        "workplace": team.workplace_id,
        "year": team.year,
    }


@transaction.atomic
def create_vanguard_team(
    *,
    actor: Any,
    name: str,
    leader: PartyMember,
    members: list[PartyMember],
    workplace: Workplace,
    year: int,
) -> VanguardTeam:
    _check_team(
        actor=actor, name=name, leader=leader, members=members, workplace=workplace, year=year
    )
    team = VanguardTeam.objects.create(
        name=name.strip(), leader=leader, workplace=workplace, year=year
    )
    team.members.set({leader, *members})
    audit.record(
        actor=actor,
        action="honour.vanguard_team_created",
        obj=team,
        changes=_team_changes(team),
    )
    return team


@transaction.atomic
def update_vanguard_team(
    *,
    actor: Any,
    team: VanguardTeam,
    name: str,
    leader: PartyMember,
    members: list[PartyMember],
    workplace: Workplace,
    year: int,
) -> VanguardTeam:
    """Edit a team. The actor must see the team itself as well as the new workplace,
    leader and members; members outside the actor's scope (a team may span jurisdictions)
    cannot be shown in the actor's form and are kept as they are. The audit event keeps
    the values before and after."""
    team = VanguardTeam.objects.select_for_update().get(pk=team.pk)
    if actor is not None and not VanguardTeam.objects.visible_to(actor).filter(pk=team.pk).exists():
        raise PermissionDenied("该先锋队不在您的管理范围内。")
    _check_team(
        actor=actor, name=name, leader=leader, members=members, workplace=workplace, year=year
    )
    before = _team_changes(team)
    kept = set(hidden_team_members(team, actor)) if actor is not None else set()
    team.name, team.leader, team.workplace, team.year = name.strip(), leader, workplace, year
    team.save()
    team.members.set({leader, *members, *kept})
    after = _team_changes(team)
    audit.record(
        actor=actor,
        action="honour.vanguard_team_updated",
        obj=team,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return team
