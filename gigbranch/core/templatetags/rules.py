"""Rules as users should read them: name and source, with the ID as a small reference."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from gigbranch.core.rulebook import rule

register = template.Library()


@register.simple_tag
def rule_ref(rule_id: str) -> str:
    """`依据《…》第N条：name` followed by the ID in small type; the bare ID when unknown."""
    found = rule(rule_id)
    if found is None:
        return format_html('<small class="gb-rule-id text-muted">{}</small>', rule_id)
    return format_html(
        '<small class="gb-rule text-muted">依据{}：{} <span class="gb-rule-id">{}</span></small>',
        found.source,
        found.name,
        found.id,
    )


@register.filter
def rule_name(rule_id: str) -> str:
    """The rule's Chinese name (the ID when the rule is not in the rulebook)."""
    found = rule(rule_id)
    return found.name if found else rule_id


@register.filter
def rule_source(rule_id: str) -> str:
    found = rule(rule_id)
    return found.source if found else ""
