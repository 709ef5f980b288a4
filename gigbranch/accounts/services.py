"""Account writes: login with lockout, account creation, unlocking (every one audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from gigbranch.core import audit
from gigbranch.core.validators import normalize_mobile

from .backends import find_user
from .models import User
from .roles import SCOPE_OF_ROLE, Role, ScopeKind


def login_failed_message() -> str:
    """One answer for every failed login (unknown account, wrong password, locked): a
    different text for a locked account would tell a guesser that the account exists."""
    return (
        f"账号或密码不正确。连续{settings.LOGIN_MAX_FAILURES}次失败的账号将锁定"
        f"{settings.LOGIN_LOCKOUT_MINUTES}分钟，如已锁定请稍后再试或联系安全管理员解锁。"
    )


@dataclass
class LoginResult:
    user: User | None
    error: str = ""


def attempt_login(*, request: HttpRequest, identifier: str, password: str) -> LoginResult:
    """Check credentials; count failures and lock after LOGIN_MAX_FAILURES (login security)."""
    now = timezone.now()
    with transaction.atomic():
        account = find_user(identifier)
        if account is not None:
            account = User.objects.select_for_update().get(pk=account.pk)
            if account.locked_until and account.locked_until > now:
                audit.record(actor=None, action="login.refused_locked", obj=account)
                User().set_password(password)  # same cost as a real check (timing)
                return LoginResult(None, login_failed_message())
        user = authenticate(request, username=identifier, password=password)
        if user is None:
            if account is not None:
                account.failed_login_count += 1
                changes: dict[str, Any] = {"failed_login_count": account.failed_login_count}
                if account.failed_login_count >= settings.LOGIN_MAX_FAILURES:
                    account.locked_until = now + dt.timedelta(
                        minutes=settings.LOGIN_LOCKOUT_MINUTES
                    )
                    account.failed_login_count = 0
                    changes["locked_until"] = account.locked_until
                account.save(update_fields=["failed_login_count", "locked_until"])
                audit.record(actor=None, action="login.failed", obj=account, changes=changes)
            else:
                audit.record(
                    actor=None,
                    action="login.failed_unknown",
                    object_type="accounts.user",
                    changes={"identifier": identifier[:3] + "***"},
                )
            return LoginResult(None, login_failed_message())
        assert isinstance(user, User)
        if user.failed_login_count or user.locked_until:
            user.failed_login_count = 0
            user.locked_until = None
            user.save(update_fields=["failed_login_count", "locked_until"])
        audit.record(actor=user, action="login.succeeded", obj=user)
        return LoginResult(user)


def _check_scope(role: str, scope_region: Any, scope_organization: Any, department: Any) -> None:
    kind = SCOPE_OF_ROLE[role]
    given = {
        ScopeKind.REGION: scope_region,
        ScopeKind.ORGANIZATION: scope_organization,
        ScopeKind.DEPARTMENT: department,
    }
    for scope_kind, value in given.items():
        if scope_kind == kind and value is None:
            raise ValidationError(
                {"scope": f"角色“{Role(role).label}”必须指定{ScopeKind(kind).label}。"}
            )
        if scope_kind != kind and value is not None:
            raise ValidationError(
                {"scope": f"角色“{Role(role).label}”不能绑定{ScopeKind(scope_kind).label}。"}
            )


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    mobile: str = "",
    scope_region: Any = None,
    scope_organization: Any = None,
    department: Any = None,
    worker: Any = None,
    check_password: bool = True,
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": "未知角色。"})
    _check_scope(role, scope_region, scope_organization, department)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "该账号已存在。"})
    user = User(
        username=username,
        role=role,
        full_name=full_name,
        mobile=normalize_mobile(mobile) if mobile else "",
        scope_region=scope_region,
        scope_organization=scope_organization,
        department=department,
        worker=worker,
    )
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    remember_password(user)
    audit.record(
        actor=actor,
        action="user.created",
        obj=user,
        changes={"role": role, "scope": user.scope_label},
    )
    return user


def remember_password(user: User) -> None:
    """Keep the hash of the password just set, and only the last PASSWORD_HISTORY of them
    (passwords.PasswordHistoryValidator). Called inside the service that set it."""
    from .models import PasswordHistory

    keep = settings.PASSWORD_HISTORY
    if keep <= 0 or not user.has_usable_password():
        return
    PasswordHistory.objects.create(user=user, password=user.password)
    old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(old)).delete()


def password_expired(user: User, now: dt.datetime | None = None) -> bool:
    """Whether `user` must change an expired password before signing in (staff only)."""
    from .passwords import password_expired as expired

    if not user.is_staff_role:
        return False
    return expired(user.password_changed_at, settings.PASSWORD_MAX_AGE_DAYS, now or timezone.now())


@transaction.atomic
def unlock_user(*, actor: Any, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.locked_until = None
    user.failed_login_count = 0
    user.save(update_fields=["locked_until", "failed_login_count"])
    audit.record(actor=actor, action="user.unlocked", obj=user)
    return user


@transaction.atomic
def set_active(*, actor: Any, user: User, active: bool) -> User:
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError("不能停用自己的账号。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="user.activated" if active else "user.deactivated", obj=user)
    return user


def _new_token(*, user: User, name: str, days: int, replaces: Any = None) -> tuple[Any, str]:
    import secrets

    from gigbranch.core.fields import blind_index

    from .models import ApiToken

    raw = "gb_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        prefix=raw[3:11],
        token_hash=blind_index(raw, context="api_token"),
        expires_at=timezone.now() + dt.timedelta(days=days),
        replaces=replaces,
    )
    return token, raw


@transaction.atomic
def issue_api_token(
    *, actor: Any, user: User, name: str, days: int | None = None
) -> tuple[Any, str]:
    """Create a token for `user` valid `days` (API_TOKEN_DAYS); return (record,
    plaintext). The plaintext is not stored, only its keyed hash."""
    from .roles import Role

    acting_for_other = actor is not None and getattr(actor, "pk", None) != user.pk
    if acting_for_other and user.role != Role.API_CLIENT:
        # 三员分立: a token acts as its account, so an administrator must not be able to
        # mint one for a business account and read business data through it. Accounts may
        # hold tokens of their own; others get tokens only for API-client accounts.
        raise ValidationError({"user": "只能为“接口账号”角色的账号签发令牌。"})
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3 * 365:
        raise ValidationError({"days": "有效期应在1至1095天之间。"})
    token, raw = _new_token(user=user, name=name, days=days)
    audit.record(
        actor=actor,
        action="api_token.issued",
        obj=token,
        changes={"user": user.username, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def rotate_api_token(*, actor: Any, token: Any) -> tuple[Any, str]:
    """Issue a successor with a new secret; the old token keeps working for
    API_TOKEN_ROTATION_GRACE_HOURS (so the client can switch), then is refused."""
    from .models import ApiToken
    from .tokenauth import forget_after_commit

    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now:
        raise ValidationError("已吊销或已过期的令牌不能轮换，请重新签发。")
    if token.rotated_at is not None:
        raise ValidationError("该令牌已轮换过，请轮换其接替令牌。")
    if not token.user.is_active:
        raise ValidationError("令牌所属账号已停用。")
    successor, raw = _new_token(
        user=token.user, name=token.name, days=settings.API_TOKEN_DAYS, replaces=token
    )
    grace_end = now + dt.timedelta(hours=settings.API_TOKEN_ROTATION_GRACE_HOURS)
    token.rotated_at = now
    token.expires_at = min(token.expires_at, grace_end)
    token.save(update_fields=["rotated_at", "expires_at"])
    audit.record(
        actor=actor,
        action="api_token.rotated",
        obj=token,
        changes={"successor": successor.pk, "old_expires_at": token.expires_at.isoformat()},
    )
    forget_after_commit(token_hash=token.token_hash)
    return successor, raw


@transaction.atomic
def revoke_api_token(*, actor: Any, token: Any) -> Any:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="api_token.revoked", obj=token)
        from .tokenauth import forget_after_commit

        forget_after_commit(token_hash=token.token_hash)
    return token
