from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from gigbranch.core.fields import BlindIndexField, EncryptedTextField
from gigbranch.core.masking import mask_mobile

from .roles import SCOPE_OF_ROLE, STAFF_ROLES, Role, ScopeKind, capabilities_of
from .separation import ChangeKind


class GigbranchUserManager(UserManager["User"]):
    def create_superuser(self, *args: Any, **kwargs: Any) -> User:
        # There is no all-powerful account (三员分立); use the three administrator roles.
        raise ValueError("gigbranch has no superuser; create a system administrator")


# django-otp (MfaDevice's base) has no type information: the plugin cannot see its reverse
# manager on User.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """An account. `role` decides capabilities; the scope fields decide which data."""

    role = models.CharField("角色", max_length=24, choices=Role.choices)
    full_name = models.CharField("姓名", max_length=40, blank=True)
    mobile = EncryptedTextField("手机号码", blank=True, default="")
    mobile_hash = BlindIndexField(
        source="mobile", context="mobile", null=True, blank=True, unique=True
    )
    scope_region = models.ForeignKey(
        "organizations.Region",
        verbose_name="管理区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="管理党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    worker = models.OneToOneField(
        "members.Worker",
        verbose_name="对应劳动者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    failed_login_count = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    must_change_password = models.BooleanField(
        "须修改密码",
        default=False,
        help_text="初始密码或重置后的密码：下次登录须先修改才能进入系统。",
    )

    objects = GigbranchUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "用户"
        constraints = [
            models.CheckConstraint(condition=Q(is_superuser=False), name="user_no_superuser"),
            models.CheckConstraint(
                condition=~(Q(scope_region__isnull=False) & Q(scope_organization__isnull=False)),
                name="user_single_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def scope_kind(self) -> str:
        return SCOPE_OF_ROLE.get(self.role, ScopeKind.NONE)

    @property
    def scope_label(self) -> str:
        if self.scope_region_id:
            return self.scope_region.name
        if self.scope_organization_id:
            return self.scope_organization.name
        if self.department_id:
            return self.department.name
        if self.role == Role.WORKER:
            return "本人"
        return "系统管理（无业务数据）"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def capabilities(self) -> frozenset[str]:
        return capabilities_of(self.role) if self.is_active else frozenset()


class ApiToken(models.Model):
    """A bearer token for a platform company or another system (DESIGN §3 API).

    The token acts as its `user`, whose role and scope limit what it sees. Only a keyed
    hash is stored; the token is shown once when issued.
    """

    name = models.CharField("名称", max_length=60)
    user = models.ForeignKey(
        User, verbose_name="代表账号", on_delete=models.PROTECT, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=8, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    # Lifecycle (ADR 0045): every token ends; a rotation issues a successor and shortens
    # the old token's life to the grace period.
    expires_at = models.DateTimeField("有效期至")
    rotated_at = models.DateTimeField("轮换时间", null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="接替的令牌",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successor",
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def status_at(self, now: Any) -> str:
        """revoked, expired, grace (rotated, old secret still accepted) or active."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.rotated_at is not None:
            return "grace"
        return "active"


class MfaDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (RFC 6238: 6 digits, 30 s) of one account (ADR 0045).

    django-otp's TOTPDevice keeps its key in clear text; here the key is encrypted at
    rest like other secrets (core/fields.py) and checked with django-otp's TOTP. A device
    is `confirmed` once its holder has entered a first code from it.
    """

    user: Any = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="mfa_devices"
    )
    secret = EncryptedTextField("密钥（十六进制）", context="mfa_secret")
    # Annotated: django-otp has no type information, so the plugin cannot infer these.
    last_t: Any = models.BigIntegerField(default=-1)
    drift: Any = models.SmallIntegerField(default=0)

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1

    class Meta:
        verbose_name = "双因素认证器"
        constraints = [models.UniqueConstraint(fields=["user"], name="mfa_device_one_per_user")]

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "MFA_THROTTLE_FACTOR", 1))

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.secret)

    @property
    def base32_secret(self) -> str:
        import base64

        return base64.b32encode(self.bin_key).decode().rstrip("=")

    def totp(self, at: float | None = None) -> Any:
        import time

        from django_otp.oath import TOTP

        totp = TOTP(self.bin_key, self.STEP, 0, self.DIGITS, self.drift)
        totp.time = time.time() if at is None else at
        return totp

    def verify_token(self, token: Any) -> bool:
        """django-otp's TOTP check: one step either side, never the same step twice."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            value = int(str(token).strip())
        except ValueError:
            verified = False
        else:
            totp = self.totp()
            verified = bool(totp.verify(value, self.TOLERANCE, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def config_url(self, issuer: str) -> str:
        from urllib.parse import quote

        label = quote(f"{issuer}:{self.user.get_username()}")
        return (
            f"otpauth://totp/{label}?secret={self.base32_secret}&algorithm=SHA1"
            f"&digits={self.DIGITS}&period={self.STEP}&issuer={quote(issuer)}"
        )


class RecoveryCode(models.Model):
    """A one-time recovery code; only its keyed hash is stored (ADR 0045)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"

    def __str__(self) -> str:
        return f"恢复码 #{self.pk}"


class PasswordHistory(models.Model):
    """The hashes of an account's recent passwords (PASSWORD_HISTORY, ADR 0045)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"历史密码 #{self.pk}"


class AccountChange(models.Model):
    """A proposed account change waiting for a second person (accounts/separation.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"
        WITHDRAWN = "withdrawn", "已撤回"

    kind = models.CharField("申请类型", max_length=12, choices=ChangeKind.choices)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    user = models.ForeignKey(
        User,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_changes",
        help_text="新建申请在批准后才有账号。",
    )
    username = models.CharField("账号名", max_length=150)
    full_name = models.CharField("姓名", max_length=40, blank=True)
    mobile = EncryptedTextField("手机号码", blank=True, default="")
    role = models.CharField("角色", max_length=24, choices=Role.choices, blank=True)
    scope_region = models.ForeignKey(
        "organizations.Region",
        verbose_name="管理区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="管理党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("申请理由", max_length=200)
    proposed_by = models.ForeignKey(
        User, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "账号变更申请"
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=F("proposed_by")), name="account_change_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username}"

    @property
    def scope_label(self) -> str:
        for scope in (self.scope_region, self.scope_organization, self.department):
            if scope is not None:
                return scope.name
        return ""

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)
