"""Money in templates: `{{ amount|yuan }}` shows an amount to the fen (136.80)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

FEN = Decimal("0.01")


@register.filter
def yuan(value: Any) -> str:
    """An amount in yuan to the fen, half up (DUES-6 rounding): 136.8 → "136.80";
    nothing → "—". Text that is not a number is shown as it is."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    return f"{amount.quantize(FEN, rounding=ROUND_HALF_UP):.2f}"
