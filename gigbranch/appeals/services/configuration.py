"""Intake configuration: routing rules (category × region → department)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from gigbranch.core import actors, audit
from gigbranch.core.actors import Actor
from gigbranch.core.permissions import can

from ..models import Category, RoutingRule


@transaction.atomic
def set_routing_rule(
    *, actor: Actor, category: Category, region: Any, department: Any
) -> RoutingRule:
    if not actors.is_system(actor) and not can(actor, "appeals.set_routing_rule"):
        raise PermissionDenied("只有县级管理员可以维护派单规则。")
    rule, _ = RoutingRule.objects.update_or_create(
        category=category, region=region, defaults={"department": department}
    )
    audit.record(
        actor=actor,
        action="appeal.routing_rule_set",
        obj=rule,
        changes={
            "category": category.code,
            "region": getattr(region, "pk", None),
            "department": department.pk,
        },
    )
    return rule
