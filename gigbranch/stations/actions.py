"""Who may take which station action (gigbranch.core.permissions.can)."""

from __future__ import annotations

from gigbranch.core.permissions import capability_action

capability_action("stations.import", "stations.manage")
