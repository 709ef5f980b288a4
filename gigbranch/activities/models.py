"""A minimal activity model with sign-up, capacity and a waiting list (issue 7).

The full activity module (check-in, hours, photos) comes later; this holds what the
portal's sign-up needs. Sign-ups change status only through
`activities.services.transition_signup` (table `SIGNUP_TRANSITIONS`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from gigbranch.core.models import TimeStampedModel
from gigbranch.core.scoping import ScopedQuerySet, ScopeSpec


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    CANCELLED = "cancelled", "已取消"


class ActivityQuerySet(ScopedQuerySet["Activity"]):
    scope_spec = ScopeSpec(
        capability="activities.view", org_path="organization__path", region_path="region__path"
    )

    def published(self) -> ActivityQuerySet:
        return self.filter(status=ActivityStatus.PUBLISHED)


class Activity(TimeStampedModel):
    title = models.CharField("活动名称", max_length=120)
    description = models.TextField("活动说明", blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="发布党组织",
        on_delete=models.PROTECT,
        related_name="activities",
    )
    region = models.ForeignKey(
        "organizations.Region", verbose_name="属地", on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField("地点", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    signup_deadline = models.DateTimeField("报名截止", null=True, blank=True)
    capacity = models.PositiveIntegerField("名额")
    status = models.CharField(
        "状态", max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "活动"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_time_order"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", "报名成功"
    WAITLISTED = "waitlisted", "候补中"
    CANCELLED = "cancelled", "已取消"


LIVE_SIGNUP = [SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]


class SignUpQuerySet(models.QuerySet["SignUp"]):
    def live(self) -> SignUpQuerySet:
        return self.filter(status__in=LIVE_SIGNUP)


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField("状态", max_length=12, choices=SignUpStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Waiting-list order: the time the person joined the list (ties broken by id).
    queued_at = models.DateTimeField()

    objects = SignUpQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="signup_one_live_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.user_id} {self.status}"


class SignUpEvent(models.Model):
    """Append-only history of sign-up status changes."""

    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"
