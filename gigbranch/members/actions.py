"""Who may take which people-domain action (gigbranch.core.permissions.can)."""

from __future__ import annotations

from typing import Any

from gigbranch.accounts.roles import has_capability
from gigbranch.core.permissions import action, capability_action

capability_action("members.roster_import", "people.change")
# Buttons and views of the people pages ask these (the views fetch the record through
# `visible_to`, so the scope is already applied).
capability_action("members.change", "people.change")
capability_action("members.reveal", "pii.reveal")


@action("members.transfer.move")
def transfer_move(user: Any, transfer: Any, to: str) -> bool:
    """MOB-3: a step of a membership transfer is taken by its own side (the sending side
    approves and cancels, the receiving side accepts and completes, either returns)."""
    from .services.transfers import may_take_side

    return has_capability(user, "people.change") and may_take_side(user, transfer, to)
