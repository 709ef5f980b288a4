"""Read-only aggregates for the console (scoped to the user)."""

from __future__ import annotations

from typing import Any

from gigbranch.members.models import PartyMember, Worker
from gigbranch.organizations.models import Organization, Workplace


def console_summary(user: Any) -> dict[str, int]:
    workers = Worker.objects.visible_to(user).active()
    return {
        "organizations": Organization.objects.visible_to(user).count(),
        "workplaces": Workplace.objects.visible_to(user).count(),
        "workers": workers.count(),
        "members": PartyMember.objects.visible_to(user).filter(worker__status="active").count(),
    }
