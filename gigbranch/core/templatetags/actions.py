"""`{% can "action" obj as allowed %}`: show a button only to those who may take its
action (the same rule the view checks, gigbranch.core.permissions.can)."""

from __future__ import annotations

from typing import Any

from django import template

from gigbranch.core.permissions import can as _can

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: Any, name: str, obj: Any = None, *args: Any) -> bool:
    request = context.get("request")
    return _can(getattr(request, "user", None), name, obj, *args)
