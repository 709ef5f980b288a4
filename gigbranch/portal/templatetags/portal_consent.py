from __future__ import annotations

from typing import Any

from django import template

from gigbranch.portal import consent

register = template.Library()


@register.filter
def political_status_for_staff(worker: Any) -> str:
    """A worker's political status for staff pages, or "本人未授权显示" (PIPL)."""
    return consent.political_status_for_staff(worker)
