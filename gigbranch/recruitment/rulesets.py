"""The local rules in force for a region: read by services and by the rule checks alike."""

from __future__ import annotations

from gigbranch.organizations.models import Region

from . import policy
from .models import RuleSet


def effective_rules(region: Region | None) -> tuple[policy.LocalRules, RuleSet | None]:
    """The nearest rule set up the region tree; the national defaults when there is none."""
    if region is None:
        return policy.LocalRules(), None
    ids = [int(part) for part in region.path.split(".") if part]
    sets = {rs.region_id: rs for rs in RuleSet.objects.filter(region_id__in=ids)}
    for region_id in reversed(ids):
        if region_id in sets:
            return sets[region_id].rules, sets[region_id]
    return policy.LocalRules(), None
