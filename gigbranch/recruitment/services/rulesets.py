"""Local rule sets and yearly recruitment targets."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.organizations.models import Region

from .. import policy
from ..models import (
    RuleSet,
    YearTarget,
)
from .facts import RULES, _require

# --- Rule sets and targets --------------------------------------------------------------


@transaction.atomic
def save_ruleset(
    *, actor: Any, region: Region, name: str, values: dict[str, int], basis: str = ""
) -> RuleSet:
    """Create or replace a jurisdiction's local rules; national rules cannot be relaxed."""
    _require(actor, RULES)
    try:
        rules = policy.LocalRules.from_mapping(values)
    except (TypeError, ValueError):
        raise ValidationError({"values": "规则取值应为整数。"}) from None
    errors = policy.validate_local_rules(rules)
    if errors:
        raise ValidationError(errors)
    rs, created = RuleSet.objects.update_or_create(
        region=region,
        defaults={
            "name": name or f"{region.name}发展党员规则",
            "values": rules.as_dict(),
            "basis": basis,
        },
    )
    audit.record(
        actor=actor,
        action="recruitment.rules_saved",
        obj=rs,
        changes={"region": region.pk, "values": rules.as_dict(), "created": created},
    )
    return rs


@transaction.atomic
def set_year_target(*, actor: Any, region: Region, year: int, target: int) -> YearTarget:
    _require(actor, RULES)
    if target < 0 or not 2000 <= year <= 2100:
        raise ValidationError({"target": "年度或目标人数无效。"})
    yt, _ = YearTarget.objects.update_or_create(
        region=region, year=year, defaults={"target": target}
    )
    audit.record(
        actor=actor,
        action="recruitment.target_set",
        obj=yt,
        changes={"region": region.pk, "year": year, "target": target},
    )
    return yt
