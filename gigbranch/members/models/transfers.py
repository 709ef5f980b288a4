"""Member events (decisions) and membership transfers (MOB-1, MOB-3)."""

from __future__ import annotations

from typing import Any

from django.db import models

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopeSpec

from .people import MemberKind, MemberStatus, PartyMember, _member_spec

# --- Member events (decisions) -----------------------------------------------------------


class MemberEvent(models.Model):
    """Append-only: every change of a member's kind, status or membership, with the branch
    decision (date, reason) behind it."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("事项", max_length=30)
    from_value = models.CharField("原值", max_length=30, blank=True)
    to_value = models.CharField("新值", max_length=30, blank=True)
    decided_on = models.DateField("决定日期")
    reason = models.CharField("理由", max_length=300)
    deciding_org = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.decided_on} {self.action}"

    @property
    def change_label(self) -> str:
        labels = dict(MemberStatus.choices) | dict(MemberKind.choices) | {"mobile": "流动党员"}
        if not (self.from_value or self.to_value):
            return ""
        return f"{labels.get(self.from_value, '—')} → {labels.get(self.to_value, self.to_value)}"


# --- Transfers (MOB-1, MOB-3) ------------------------------------------------------------


class TransferDirection(models.TextChoices):
    IN = "in", "转入"
    OUT = "out", "转出"
    INTERNAL = "internal", "县内转接"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", "已申请"
    APPROVED = "approved", "转出党委已审批（介绍信已开具）"
    ACCEPTED = "accepted", "接收党组织已接收"
    COMPLETED = "completed", "已完成"
    REJECTED = "rejected", "已退回"
    CANCELLED = "cancelled", "已撤销"


class TransferQuerySet(models.QuerySet["Transfer"]):
    def visible_to(self, user: Any) -> TransferQuerySet:
        """Each side sees its part: the sending and the receiving organisation's scopes."""
        from gigbranch.core.scoping import scope_filter

        q = scope_filter(user, _member_spec("member__"))
        for side in ("from_org", "to_org"):
            q |= scope_filter(
                user,
                ScopeSpec(
                    capability="people.view",
                    org_path=f"{side}__path",
                    region_path=f"{side}__region__path",
                ),
            )
        return self.filter(q).distinct()

    def open(self) -> TransferQuerySet:
        return self.filter(
            status__in=[TransferStatus.REQUESTED, TransferStatus.APPROVED, TransferStatus.ACCEPTED]
        )


class Transfer(TimeStampedModel):
    member = models.ForeignKey(
        PartyMember, verbose_name="党员", on_delete=models.PROTECT, related_name="transfers"
    )
    direction = models.CharField("方向", max_length=10, choices=TransferDirection.choices)
    from_org = models.ForeignKey(
        "organizations.Organization",
        verbose_name="转出党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    from_external = models.CharField("转出党组织（县外）", max_length=100, blank=True)
    to_org = models.ForeignKey(
        "organizations.Organization",
        verbose_name="接收党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_external = models.CharField("接收党组织（县外）", max_length=100, blank=True)
    reason = models.CharField("转接原因", max_length=200)
    status = models.CharField(
        "状态", max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    requested_on = models.DateField("申请日期")
    approved_on = models.DateField("审批日期", null=True, blank=True)
    letter_valid_until = models.DateField("介绍信有效期至", null=True, blank=True)
    accepted_on = models.DateField("接收日期", null=True, blank=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    status_changed_on = models.DateField("状态变更日期")

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member.worker.name} {self.get_direction_display()}"

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_external

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_external


class TransferEvent(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.from_status}→{self.to_status}"
