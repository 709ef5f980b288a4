"""Pages of the second factor: verify at sign-in, enrol, recovery codes, reset (ADR 0045)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from gigbranch.core import ratelimit
from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors

from . import mfa
from .forms import MfaCodeForm
from .models import User
from .views import PENDING_LOGIN, continue_login, pending_login


def _qr_svg(text: str) -> str:
    import segno

    return str(segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff"))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator or a recovery code."""
    pending = pending_login(request)
    if pending is None:
        return redirect("accounts:login")
    user, data = pending
    if data.get("mfa") or not mfa.is_enrolled(user):
        return continue_login(request, user, data)
    form = MfaCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = ratelimit.check(
            request,
            ("mfa.ip", ratelimit.client_address(request)),
            ("mfa.account", f"user:{user.pk}"),
        )
        if wait:
            return ratelimit.too_many(request, wait)
        if form.is_valid():
            method = mfa.verify(user=user, code=form.cleaned_data["code"])
            if method:
                data["mfa"] = True
                request.session[PENDING_LOGIN] = data
                if method == "recovery":
                    left = mfa.recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"已使用一个恢复码，还剩{left}个。请尽快在“双因素认证”页生成新的恢复码。",
                    )
                return continue_login(request, user, data)
            form.add_error("code", "验证码不正确或已使用过，请输入认证器上当前显示的6位数字。")
        status = 401
    return render(
        request, "accounts/mfa_verify.html", {"form": form, "account": user}, status=status
    )


def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator: scan the QR code (or type the key), confirm with a code.

    Reached while signing in (a required, not yet enrolled account can do nothing else)
    or by a signed-in staff member from their own page."""
    pending = None
    if request.user.is_authenticated:
        user = request.user
        if not user.is_staff_role:
            raise PermissionDenied("您的角色无需双因素认证。")
        if mfa.is_enrolled(user):
            return redirect("accounts:mfa")
    else:
        pending = pending_login(request)
        if pending is None:
            return redirect_to_login(request.get_full_path())
        user, data = pending
        if data.get("mfa") or mfa.is_enrolled(user):
            return continue_login(request, user, data)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST":
        wait = ratelimit.check(
            request,
            ("mfa.ip", ratelimit.client_address(request)),
            ("mfa.account", f"user:{user.pk}"),
        )
        if wait:
            return ratelimit.too_many(request, wait)
        if form.is_valid():
            try:
                codes = mfa.confirm_enrolment(user=user, code=form.cleaned_data["code"])
            except ValidationError as exc:
                add_service_errors(form, exc, "code")
            else:
                if pending is not None:
                    pending[1]["mfa"] = True
                    request.session[PENDING_LOGIN] = pending[1]
                return render(
                    request,
                    "accounts/mfa_codes.html",
                    {"codes": codes, "pending": pending is not None, "enrolled": True},
                )
    device = mfa.device_of(user, confirmed=False) or mfa.start_enrolment(user=user)
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "account": user,
            "pending": pending is not None,
            "required": mfa.required_for(user),
            "qr_svg": mark_safe(_qr_svg(device.config_url(settings.MFA_ISSUER))),  # noqa: S308
            "secret": _grouped(device.base32_secret),
            "issuer": settings.MFA_ISSUER,
        },
        status=200 if request.method == "GET" or not form.errors else 400,
    )


def mfa_status(request: HttpRequest) -> HttpResponse:
    """A staff member's own second factor: enrolled or not, recovery codes left."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff_role:
        raise PermissionDenied("您的角色无需双因素认证。")
    device = mfa.device_of(request.user)
    return render(
        request,
        "accounts/mfa_status.html",
        {
            "device": device,
            "required": mfa.required_for(request.user),
            "codes_left": mfa.recovery_codes_left(request.user) if device else 0,
        },
    )


@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login("/accounts/mfa/")
    if not request.user.is_staff_role:
        raise PermissionDenied("您的角色无需双因素认证。")
    try:
        codes = mfa.regenerate_recovery_codes(user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("accounts:mfa")
    return render(request, "accounts/mfa_codes.html", {"codes": codes, "pending": False})


@require_capability("security.manage")
@require_POST
def mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The security administrator removes a holder's lost authenticator and codes."""
    user = get_object_or_404(User, pk=pk)
    mfa.reset(actor=request.user, user=user)
    messages.success(
        request, f"已重置账号 {user.username} 的双因素认证，其下次登录时须重新绑定认证器。"
    )
    return redirect("accounts:users")
