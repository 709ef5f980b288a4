"""Membership transfers (组织关系转接, MOB-1, MOB-3): one transition function with an
explicit table of allowed moves (policy.TRANSFER_MOVES) and an append-only history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from gigbranch.core import audit
from gigbranch.core.scoping import ScopeSpec, scope_filter
from gigbranch.organizations.models import BRANCH_KINDS, Organization
from gigbranch.organizations.queries import LetterValidity, transfer_letter_validity

from .. import policy
from ..models import (
    MemberStatus,
    PartyMember,
    Transfer,
    TransferDirection,
    TransferEvent,
    TransferStatus,
)


def letter_validity(transfer: Transfer) -> LetterValidity:
    """MOB-3: the letter is issued by the sending organisation, so its validity is that
    organisation's setting (inherited down the tree; the global setting is the default).
    A letter from outside the county (no local sender) gets the global default."""
    return transfer_letter_validity(transfer.from_org if transfer.from_org_id else None)


def letter_validity_days(org: Organization | None = None) -> int:
    """MOB-3: days a letter issued by `org` is valid (sources say 3 or 6 months)."""
    return transfer_letter_validity(org).days


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _in_scope(actor: Any, org: Organization | None) -> bool:
    if org is None or actor is None:
        return actor is None  # system actions (tests, tasks) have no scope to check
    # Remembered on the account for the request: a list of transfers asks about the same
    # few organisations for every row and move.
    key = (
        org.pk,
        getattr(actor, "role", ""),
        getattr(actor, "scope_region_id", None),
        getattr(actor, "scope_organization_id", None),
    )
    cache = getattr(actor, "_transfer_scope_cache", None)
    if cache is None:
        cache = {}
        actor._transfer_scope_cache = cache
    if key not in cache:
        spec = ScopeSpec(capability="people.change", org_path="path", region_path="region__path")
        cache[key] = Organization.objects.filter(scope_filter(actor, spec), pk=org.pk).exists()
    return bool(cache[key])


@transaction.atomic
def request_transfer(
    *,
    actor: Any,
    member: PartyMember,
    direction: str,
    reason: str,
    requested_on: dt.date,
    to_org: Organization | None = None,
    to_external: str = "",
    from_external: str = "",
) -> Transfer:
    if direction not in TransferDirection.values:
        raise ValidationError({"direction": "未知的转接方向。"})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"member": "已出党人员不能办理组织关系转接。"})
    if Transfer.objects.open().filter(member=member).exists():
        raise ValidationError({"member": "该党员已有正在办理的组织关系转接。"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写转接原因。"})
    from_org = member.organization
    if direction == TransferDirection.IN:
        if to_org is None or not from_external.strip():
            raise ValidationError({"to_org": "转入须填写县外转出党组织和本县接收党组织。"})
        from_org = None
    elif direction == TransferDirection.OUT:
        if from_org is None or not to_external.strip():
            raise ValidationError(
                {"to_external": "转出须由本县党组织转往县外党组织，请填写接收党组织。"}
            )
        to_org = None
    else:
        if from_org is None or to_org is None:
            raise ValidationError({"to_org": "县内转接须有转出和接收党组织。"})
        if from_org.pk == to_org.pk:
            raise ValidationError({"to_org": "接收党组织不能与转出党组织相同。"})
    if to_org is not None and to_org.kind not in BRANCH_KINDS:
        raise ValidationError({"to_org": "接收党组织应为党支部。"})
    transfer = Transfer.objects.create(
        member=member,
        direction=direction,
        from_org=from_org,
        from_external=from_external.strip(),
        to_org=to_org,
        to_external=to_external.strip(),
        reason=reason.strip(),
        requested_on=requested_on,
        status_changed_on=requested_on,
    )
    TransferEvent.objects.create(
        transfer=transfer,
        to_status=TransferStatus.REQUESTED,
        on=requested_on,
        note=reason.strip(),
        actor=_user(actor),
    )
    audit.record(
        actor=actor,
        action="transfer.requested",
        obj=transfer,
        changes={"direction": direction, "from": transfer.from_label, "to": transfer.to_label},
    )
    return transfer


# Which side acts on each move (MOB-3: the sending side approves, the receiving accepts).
SIDE_FOR_MOVE = {
    "approved": "from",
    "accepted": "to",
    "completed": "to",
    "rejected": "either",
    "cancelled": "from",
}


def may_take_side(actor: Any, transfer: Transfer, target: str) -> bool:
    """MOB-3: may `actor` take move `target` on `transfer` as far as sides go? The sending
    side approves and cancels, the receiving side accepts and completes, either returns. A
    county-external side is recorded by whichever local side holds the paper."""
    side = SIDE_FOR_MOVE.get(target)
    if side is None:
        return False
    external_ok = {"from": transfer.from_org_id is None, "to": transfer.to_org_id is None}
    if side == "either":
        return (
            external_ok["from"]
            or external_ok["to"]
            or _in_scope(actor, transfer.from_org)
            or _in_scope(actor, transfer.to_org)
        )
    return external_ok[side] or _in_scope(
        actor, transfer.from_org if side == "from" else transfer.to_org
    )


def _check_side(actor: Any, transfer: Transfer, target: str) -> None:
    if not may_take_side(actor, transfer, target):
        side = SIDE_FOR_MOVE[target]
        raise PermissionDenied(
            "该步骤应由" + ("转出" if side == "from" else "接收") + "方党组织办理。"
        )


@transaction.atomic
def move_transfer(
    *, actor: Any, transfer: Transfer, to: str, on: dt.date, note: str = ""
) -> Transfer:
    """Move a transfer along TRANSFER_MOVES; every other move is refused (MOB-3)."""
    transfer = Transfer.objects.select_for_update().select_related("member").get(pk=transfer.pk)
    policy.check_move(policy.TRANSFER_MOVES, transfer.status, to, what="组织关系转接")
    if on < transfer.status_changed_on:
        raise ValidationError({"on": "日期不能早于上一步骤的日期。"})
    if to == TransferStatus.REJECTED and not note.strip():
        raise ValidationError({"note": "退回须说明理由（MOB-3：不得无故拒绝）。"})
    _check_side(actor, transfer, to)
    if (
        to == TransferStatus.ACCEPTED
        and transfer.letter_valid_until
        and on > transfer.letter_valid_until
    ):
        raise ValidationError(
            {"on": f"介绍信已于{transfer.letter_valid_until:%Y-%m-%d}过期，请重新开具。"}
        )
    old = transfer.status
    transfer.status, transfer.status_changed_on = to, on
    letter: dict[str, Any] = {}
    if to == TransferStatus.APPROVED:
        transfer.approved_on = on
        # MOB-3: the date is fixed on the letter now; later setting changes do not move it.
        validity = letter_validity(transfer)
        transfer.letter_valid_until = on + dt.timedelta(days=validity.days)
        letter = {
            "letter_days": validity.days,
            "letter_days_source": validity.source_label,
            "letter_valid_until": transfer.letter_valid_until,
        }
    elif to == TransferStatus.ACCEPTED:
        transfer.accepted_on = on
    elif to == TransferStatus.COMPLETED:
        transfer.completed_on = on
        member = PartyMember.objects.select_for_update().get(pk=transfer.member_id)
        if transfer.direction == TransferDirection.OUT:
            member.organization = None
            member.is_mobile = False
            member.outflow_org_name = transfer.to_external
        else:
            member.organization = transfer.to_org
            member.is_mobile = False
            member.away_since = None
        member.save()
    transfer.save()
    TransferEvent.objects.create(
        transfer=transfer,
        from_status=old,
        to_status=to,
        on=on,
        note=note.strip()[:300],
        actor=_user(actor),
    )
    audit.record(
        actor=actor,
        action=f"transfer.{to}",
        obj=transfer,
        changes={"status": [old, to], "on": on, "note": note, **letter},
    )
    return transfer
