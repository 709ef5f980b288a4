"""The cockpit's only writes: granting and revoking a higher-level system's read access to
the upward statistics (each audited in the same transaction)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.roles import Role
from gigbranch.core import audit
from gigbranch.organizations.models import Region

from .models import StatsGrant


@transaction.atomic
def grant_stats_access(*, actor: Any, user: Any, region: Region) -> StatsGrant:
    if user.role != Role.API_CLIENT:
        raise ValidationError({"user": "只能向接口账号（上级系统）授权读取统计数据。"})
    if not user.is_active:
        raise ValidationError({"user": "该接口账号已停用。"})
    existing = StatsGrant.objects.filter(user=user, region=region, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    grant = StatsGrant.objects.create(
        user=user, region=region, granted_by=actor if getattr(actor, "pk", None) else None
    )
    audit.record(
        actor=actor,
        action="stats.access_granted",
        obj=grant,
        changes={"user": user.username, "region": region.code},
    )
    return grant


@transaction.atomic
def revoke_stats_access(*, actor: Any, grant: StatsGrant) -> StatsGrant:
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="stats.access_revoked",
        obj=grant,
        changes={"user": grant.user.username, "region": grant.region.code},
    )
    return grant
