"""Writes for activities and sign-ups (capacity, waiting list) — every one audited.

Sign-ups serialise on a row lock of the activity (PostgreSQL) or on SQLite's immediate
write transaction, so capacity is never exceeded. Cancelling a confirmed place moves the
first person on the waiting list up (ordered by the time they joined the list).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from gigbranch.accounts.roles import Role
from gigbranch.core import audit
from gigbranch.core.permissions import check_manage

from .models import Activity, ActivityStatus, SignUp, SignUpEvent, SignUpStatus

SIGNUP_TRANSITIONS: dict[str, set[str]] = {
    SignUpStatus.CONFIRMED: {SignUpStatus.CANCELLED},
    SignUpStatus.WAITLISTED: {SignUpStatus.CONFIRMED, SignUpStatus.CANCELLED},
    SignUpStatus.CANCELLED: set(),
}
ACTIVITY_FIELDS = {
    "title",
    "description",
    "organization",
    "region",
    "place",
    "starts_at",
    "ends_at",
    "signup_deadline",
    "capacity",
    "status",
}


def transition_signup(*, actor: Any, signup: SignUp, to: str, note: str = "") -> SignUp:
    """The one place a sign-up changes status (table SIGNUP_TRANSITIONS)."""
    if to not in SIGNUP_TRANSITIONS.get(signup.status, set()):
        raise ValidationError(
            f"报名状态不能从“{SignUpStatus(signup.status).label}”变为“{SignUpStatus(to).label}”。"
        )
    before = signup.status
    signup.status = to
    signup.save(update_fields=["status"])
    SignUpEvent.objects.create(
        signup=signup, from_status=before, to_status=to, actor=actor, note=note
    )
    audit.record(
        actor=actor,
        action=f"signup.{to}",
        obj=signup,
        changes={"status": [before, to], "activity": signup.activity_id, "note": note},
    )
    return signup


def _check_manage(actor: Any, activity: Activity | None = None, organization: Any = None) -> None:
    from gigbranch.organizations.models import Organization

    check_manage(
        actor,
        "activities.manage",
        "您的角色无权发布或维护活动。",
        (Organization.objects.visible_to(actor), organization, "该党组织不在您的管理范围内。"),
        (Activity.objects.visible_to(actor), activity, "该活动不在您的管理范围内。"),
    )


@transaction.atomic
def save_activity(*, actor: Any, activity: Activity | None = None, **fields: Any) -> Activity:
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    _check_manage(actor, activity, fields.get("organization"))
    if fields.get("organization") is not None and fields.get("region") is None:
        fields["region"] = fields["organization"].region
    created = activity is None
    if activity is not None:
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if (
            "capacity" in fields
            and fields["capacity"] < activity.signups.filter(status=SignUpStatus.CONFIRMED).count()
        ):
            raise ValidationError({"capacity": "名额不能少于已报名成功的人数。"})
    else:
        activity = Activity()
    changes: dict[str, Any] = {} if created else audit.diff(activity, fields)
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.full_clean()
    activity.save()
    audit.record(
        actor=actor,
        action="activity.created" if created else "activity.updated",
        obj=activity,
        changes=changes or {"title": activity.title},
    )
    if not created and "capacity" in changes:
        _promote(actor=actor, activity=activity)
    return activity


def _promote(*, actor: Any, activity: Activity) -> list[SignUp]:
    confirmed = activity.signups.filter(status=SignUpStatus.CONFIRMED).count()
    free = activity.capacity - confirmed
    promoted = []
    if free > 0:
        for signup in activity.signups.filter(status=SignUpStatus.WAITLISTED).order_by(
            "queued_at", "id"
        )[:free]:
            promoted.append(
                transition_signup(
                    actor=actor, signup=signup, to=SignUpStatus.CONFIRMED, note="候补递补"
                )
            )
    for signup in promoted:
        _notify_promoted(signup)
    return promoted


def _notify_promoted(signup: SignUp) -> None:
    from gigbranch.notifications.sms import send_sms

    mobile = signup.user.mobile
    if mobile:
        text = f"【新就业群体服务】您候补的活动“{signup.activity.title}”已有空位，报名成功。"
        transaction.on_commit(lambda: send_sms(mobile=mobile, text=text))


def sign_up(*, user: Any, activity_id: int, now: dt.datetime | None = None) -> SignUp:
    """Sign a worker up: a place if one is free, else the waiting list."""
    if getattr(user, "role", None) != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以报名。")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity_id)
            if activity.status != ActivityStatus.PUBLISHED:
                raise ValidationError("该活动未开放报名。")
            deadline = activity.signup_deadline or activity.starts_at
            if now >= deadline:
                raise ValidationError("报名已截止。")
            if activity.signups.live().filter(user=user).exists():
                raise ValidationError("您已报名该活动。")
            confirmed = activity.signups.filter(status=SignUpStatus.CONFIRMED).count()
            status = (
                SignUpStatus.CONFIRMED if confirmed < activity.capacity else SignUpStatus.WAITLISTED
            )
            signup = SignUp.objects.create(
                activity=activity, user=user, status=status, queued_at=now
            )
            SignUpEvent.objects.create(signup=signup, to_status=status, actor=user)
            audit.record(
                actor=user, action=f"signup.{status}", obj=signup, changes={"activity": activity.pk}
            )
    except IntegrityError as exc:
        raise ValidationError("您已报名该活动。") from exc
    return signup


def cancel_signup(*, actor: Any, signup: SignUp) -> SignUp:
    """Cancel a place or a waiting-list entry; a freed place goes to the next in line."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
        signup = SignUp.objects.select_for_update().get(pk=signup.pk)
        if signup.user_id != getattr(actor, "pk", None):
            _check_manage(actor, activity)
        was_confirmed = signup.status == SignUpStatus.CONFIRMED
        transition_signup(actor=actor, signup=signup, to=SignUpStatus.CANCELLED)
        if was_confirmed:
            _promote(actor=actor, activity=activity)
    return signup


def waitlist_position(signup: SignUp) -> int | None:
    if signup.status != SignUpStatus.WAITLISTED:
        return None
    ahead = (
        SignUp.objects.filter(activity_id=signup.activity_id, status=SignUpStatus.WAITLISTED)
        .filter(queued_at__lt=signup.queued_at)
        .count()
    )
    ties = SignUp.objects.filter(
        activity_id=signup.activity_id,
        status=SignUpStatus.WAITLISTED,
        queued_at=signup.queued_at,
        id__lt=signup.id,
    ).count()
    return ahead + ties + 1
