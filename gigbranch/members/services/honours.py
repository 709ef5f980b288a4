"""Honours: model posts (党员示范岗) and vanguard teams (党员先锋队)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.organizations.models import Workplace

from ..models import HonourLevel, MemberStatus, ModelPost, PartyMember, VanguardTeam


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
    if not name.strip():
        raise ValidationError({"name": "请填写先锋队名称。"})
    team = VanguardTeam.objects.create(
        name=name.strip(), leader=leader, workplace=workplace, year=year
    )
    team.members.set({leader, *members})
    audit.record(
        actor=actor,
        action="honour.vanguard_team_created",
        obj=team,
        changes={
            "leader": leader.pk,
            "members": sorted(m.pk for m in {leader, *members}),
            "workplace": workplace.pk,
            "year": year,
        },
    )
    return team
