"""Who may take which planning action (gigbranch.core.permissions.can)."""

from __future__ import annotations

from gigbranch.core.permissions import capability_action

capability_action("planning.save", "planning.save")
