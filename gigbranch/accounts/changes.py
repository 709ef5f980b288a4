"""Account changes that need two people: propose, approve, reject, withdraw (三员分立).

The rules are in `separation.py`; this module writes, each step with its audit event in
the same transaction. Direct writes (`services.create_user`) remain for seeding and
management commands run by the operator on the server, never from a page or the API.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.core import audit
from gigbranch.core.validators import normalize_mobile

from .models import AccountChange, User
from .roles import Role
from .separation import (
    THREE_ADMINS,
    ChangeKind,
    approval_refusal,
    may_propose,
    needs_approval,
)
from .services import _check_scope, create_user, remember_password, set_active

_SCOPE_FIELDS = ("scope_region", "scope_organization", "department")


@dataclass
class Decision:
    change: AccountChange
    # The one-time password of a new account: sent to the holder's own mobile by
    # `send_one_time_password`, never shown on a page (neither administrator learns it).
    initial_password: str = ""


def one_time_password() -> str:
    """A random initial password meeting the policy (4 character classes, 16 long)."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    return (
        secrets.choice(string.ascii_uppercase)
        + secrets.choice(string.ascii_lowercase)
        + secrets.choice(string.digits)
        + secrets.choice("@#%+=")
        + core
    )


def _require_proposer(actor: Any) -> None:
    if not may_propose(getattr(actor, "role", "")):
        raise PermissionDenied("只有系统管理员可以提出账号变更。")


def _proposed(actor: Any, change: AccountChange) -> AccountChange:
    audit.record(
        actor=actor,
        action="account_change.proposed",
        obj=change,
        changes={"kind": change.kind, "username": change.username, "role": change.role},
    )
    return change


def _pending_for(user: User | None, username: str) -> bool:
    pending = AccountChange.objects.filter(status=AccountChange.Status.PENDING)
    if user is not None:
        return pending.filter(user=user).exists()
    return pending.filter(kind=ChangeKind.CREATE, username=username).exists()


@transaction.atomic
def propose_create(
    *,
    actor: Any,
    username: str,
    role: str,
    reason: str,
    full_name: str = "",
    mobile: str = "",
    scope_region: Any = None,
    scope_organization: Any = None,
    department: Any = None,
) -> AccountChange:
    _require_proposer(actor)
    if role not in Role.values or role == Role.WORKER:
        raise ValidationError({"role": "未知角色或不能由此新建的角色。"})
    _check_scope(role, scope_region, scope_organization, department)
    if role != Role.API_CLIENT and not mobile:
        raise ValidationError(
            {"mobile": "须填写账号本人的手机号码：初始密码只发送到本人手机，不经过管理员。"}
        )
    if mobile:
        from gigbranch.core.fields import blind_index

        mobile = normalize_mobile(mobile)
        if User.objects.filter(mobile_hash=blind_index(mobile, context="mobile")).exists():
            raise ValidationError({"mobile": "该手机号码已登记在另一个账号上。"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "该账号已存在。"})
    if _pending_for(None, username):
        raise ValidationError({"username": "该账号已有待审批的新建申请。"})
    change = AccountChange.objects.create(
        kind=ChangeKind.CREATE,
        username=username,
        full_name=full_name,
        mobile=mobile,
        role=role,
        scope_region=scope_region,
        scope_organization=scope_organization,
        department=department,
        reason=reason,
        proposed_by=actor,
    )
    return _proposed(actor, change)


@transaction.atomic
def propose_change(
    *,
    actor: Any,
    user: User,
    role: str,
    reason: str,
    scope_region: Any = None,
    scope_organization: Any = None,
    department: Any = None,
) -> AccountChange:
    _require_proposer(actor)
    if role not in Role.values or role == Role.WORKER:
        raise ValidationError({"role": "未知角色或不能由此变更的角色。"})
    if user.role == Role.WORKER:
        raise ValidationError("劳动者账号的角色不能在此变更。")
    _check_scope(role, scope_region, scope_organization, department)
    current = (user.role, user.scope_region_id, user.scope_organization_id, user.department_id)
    wanted = (
        role,
        getattr(scope_region, "pk", None),
        getattr(scope_organization, "pk", None),
        getattr(department, "pk", None),
    )
    if current == wanted:
        raise ValidationError("角色和数据范围没有变化。")
    if _pending_for(user, user.username):
        raise ValidationError("该账号已有待审批的申请，请等审批后再提。")
    change = AccountChange.objects.create(
        kind=ChangeKind.CHANGE,
        user=user,
        username=user.username,
        full_name=user.full_name,
        role=role,
        scope_region=scope_region,
        scope_organization=scope_organization,
        department=department,
        reason=reason,
        proposed_by=actor,
    )
    return _proposed(actor, change)


@transaction.atomic
def set_account_active(*, actor: Any, user: User, active: bool, reason: str = "") -> Any:
    """Enable or disable an account: immediate where `needs_approval` allows, else proposed.

    Returns the user when applied, the AccountChange when it waits for approval.
    """
    _require_proposer(actor)
    kind = ChangeKind.ACTIVATE if active else ChangeKind.DEACTIVATE
    if user.is_active == active:
        raise ValidationError("账号已是该状态。")
    if not needs_approval(kind, user.role):
        return set_active(actor=actor, user=user, active=active)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError("不能停用或启用自己的账号。")
    if _pending_for(user, user.username):
        raise ValidationError("该账号已有待审批的申请，请等审批后再提。")
    change = AccountChange.objects.create(
        kind=kind,
        user=user,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        reason=reason or ("启用账号" if active else "停用账号"),
        proposed_by=actor,
    )
    return _proposed(actor, change)


def _locked_pending(change: AccountChange) -> AccountChange:
    locked = AccountChange.objects.select_for_update().get(pk=change.pk)
    if locked.status != AccountChange.Status.PENDING:
        raise ValidationError("该申请已处理。")
    return locked


@transaction.atomic
def approve(*, actor: Any, change: AccountChange, note: str = "") -> Decision:
    change = _locked_pending(change)
    refusal = approval_refusal(
        approver_id=actor.pk,
        approver_role=getattr(actor, "role", ""),
        proposer_id=change.proposed_by_id,
        target_id=change.user_id,
    )
    if refusal:
        raise PermissionDenied(refusal)
    password = ""
    if change.kind == ChangeKind.CREATE:
        if User.objects.filter(username=change.username).exists():
            raise ValidationError("该账号名已被占用，请驳回后重新申请。")
        password = one_time_password() if change.role != Role.API_CLIENT else ""
        user = create_user(
            actor=actor,
            username=change.username,
            password=password,
            role=change.role,
            full_name=change.full_name,
            mobile=change.mobile,
            scope_region=change.scope_region,
            scope_organization=change.scope_organization,
            department=change.department,
            check_password=False,
        )
        if password:
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        else:  # an API account signs in with tokens only
            user.set_unusable_password()
            user.save(update_fields=["password"])
        change.user = user
    else:
        assert change.user_id is not None
        user = User.objects.select_for_update().get(pk=change.user_id)
        if change.kind == ChangeKind.CHANGE:
            before = {
                "role": user.role,
                "scope": user.scope_label,
            }
            user.role = change.role
            for field in _SCOPE_FIELDS:
                setattr(user, field, getattr(change, field))
            user.save(update_fields=["role", *_SCOPE_FIELDS])
            audit.record(
                actor=actor,
                action="user.role_changed",
                obj=user,
                changes={
                    "before": before,
                    "after": {"role": user.role, "scope": change.scope_label},
                },
            )
        else:
            user.is_active = change.kind == ChangeKind.ACTIVATE
            user.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                action="user.activated" if user.is_active else "user.deactivated",
                obj=user,
                changes={"account_change": change.pk},
            )
    change.status = AccountChange.Status.APPROVED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save()
    audit.record(
        actor=actor,
        action="account_change.approved",
        obj=change,
        changes={"kind": change.kind, "username": change.username},
    )
    return Decision(change, password)


@transaction.atomic
def reject(*, actor: Any, change: AccountChange, note: str) -> AccountChange:
    change = _locked_pending(change)
    refusal = approval_refusal(
        approver_id=actor.pk,
        approver_role=getattr(actor, "role", ""),
        proposer_id=change.proposed_by_id,
        target_id=change.user_id,
    )
    if refusal:
        raise PermissionDenied(refusal)
    if not note.strip():
        raise ValidationError({"note": "驳回须填写意见。"})
    change.status = AccountChange.Status.REJECTED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note.strip()
    change.save()
    audit.record(actor=actor, action="account_change.rejected", obj=change)
    return change


@transaction.atomic
def withdraw(*, actor: Any, change: AccountChange) -> AccountChange:
    change = _locked_pending(change)
    if change.proposed_by_id != actor.pk:
        raise PermissionDenied("只能撤回自己提出的申请。")
    change.status = AccountChange.Status.WITHDRAWN
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_at"])
    audit.record(actor=actor, action="account_change.withdrawn", obj=change)
    return change


@transaction.atomic
def reset_password(*, actor: Any, user: User) -> str:
    """The security administrator issues a one-time password; the next login must change it."""
    if getattr(actor, "role", "") != Role.SECURITY_ADMIN:
        raise PermissionDenied("只有安全管理员可以重置密码。")
    if user.pk == actor.pk:
        raise ValidationError("请在“修改密码”页修改自己的密码。")
    if user.role in (Role.WORKER, Role.API_CLIENT):
        raise ValidationError("劳动者和接口账号不使用密码登录，无需重置密码。")
    if user.role in THREE_ADMINS:
        # Resetting another administrator would let one administrator act as two.
        raise ValidationError(
            "系统管理员、安全管理员、审计管理员的密码不能在此重置，"
            "请由运维人员在服务器上执行 manage.py reset_admin_password（留有审计记录）。"
        )
    if not user.mobile:
        raise ValidationError("该账号没有登记手机号码，无法把一次性密码发送给本人。")
    password = one_time_password()
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    remember_password(user)
    audit.record(actor=actor, action="user.password_reset", obj=user)
    return password


@transaction.atomic
def change_own_password(*, user: User, old_password: str, new_password: str) -> User:
    from django.contrib.auth.password_validation import validate_password

    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确。"})
    if old_password == new_password:
        raise ValidationError({"new_password": "新密码不能与原密码相同。"})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    remember_password(user)
    audit.record(actor=user, action="user.password_changed", obj=user)
    return user


def send_one_time_password(*, actor: Any, user: User, password: str) -> Any:
    """Send a one-time password to the holder's own mobile, after the approval committed.

    Neither administrator sees it: the approver learns only whether the SMS went out.
    """
    from gigbranch.notifications.sms import send_sms

    text = (
        f"【新就业群体党建工作平台】账号 {user.username} 的一次性密码：{password} ，"
        "请尽快登录并修改为只有您本人知道的密码。如非本人操作请联系安全管理员。"
    )
    result = send_sms(mobile=user.mobile, text=text)
    audit.record(
        actor=actor,
        action="user.one_time_password_sent" if result.ok else "user.one_time_password_failed",
        obj=user,
        changes={"mobile": user.masked_mobile, "error": result.error},
    )
    return result
