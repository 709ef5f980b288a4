from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gigbranch.core import ratelimit
from gigbranch.core.permissions import require_capability
from gigbranch.core.viewhelpers import add_service_errors, safe_next

from . import changes, mfa, services
from .forms import DecisionForm, LoginForm, PasswordChangeForm, UserChangeForm, UserCreateForm
from .models import AccountChange, MfaDevice, User
from .roles import Role, has_capability

PENDING_LOGIN = "_pending_login"
BACKEND = "gigbranch.accounts.backends.UsernameOrMobileBackend"


def _require_any(*capabilities: str) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_capability(request.user, c) for c in capabilities):
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST":
        wait = ratelimit.check(
            request,
            ("login.ip", ratelimit.client_address(request)),
            ("login.account", request.POST.get("identifier", "").strip().lower()),
        )
        if wait:
            return ratelimit.too_many(request, wait)
    if request.method == "POST" and form.is_valid():
        result = services.attempt_login(
            request=request,
            identifier=form.cleaned_data["identifier"],
            password=form.cleaned_data["password"],
        )
        if result.user is not None:
            target = safe_next(request, "/")
            # The password alone signs nobody in: the session holds a pending sign-in
            # until the second factor and any forced password change are done (ADR 0045).
            request.session.cycle_key()
            request.session[PENDING_LOGIN] = {
                "user": result.user.pk,
                "since": int(time.time()),
                "mfa": False,
                "next": target,
            }
            return continue_login(request, result.user, request.session[PENDING_LOGIN])
        error = result.error
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=200 if not error else 401,
    )


def pending_login(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The account whose password passed in this session, while its sign-in is pending."""
    data = request.session.get(PENDING_LOGIN)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("since", 0)) > settings.MFA_PENDING_SECONDS:
        request.session.pop(PENDING_LOGIN, None)
        return None
    user = User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
    if user is None:
        request.session.pop(PENDING_LOGIN, None)
        return None
    return user, data


def second_factor_outstanding(user: User, data: dict[str, Any]) -> str:
    """The view name of the second-factor step still to do ("" when none)."""
    if data.get("mfa"):
        return ""
    if mfa.is_enrolled(user):
        return "accounts:mfa_verify"
    if mfa.required_for(user):
        return "accounts:mfa_enrol"
    return ""


def continue_login(request: HttpRequest, user: User, data: dict[str, Any]) -> HttpResponse:
    """The next step of a pending sign-in: second factor (verify, or enrol when required),
    then a forced password change (initial, reset or expired), then the session."""
    step = second_factor_outstanding(user, data)
    if step:
        return redirect(step)
    if user.must_change_password or services.password_expired(user):
        return redirect("accounts:password_change")
    request.session.pop(PENDING_LOGIN, None)
    login(request, user, backend=BACKEND)
    return redirect(data.get("next") or "/")


def login_continue(request: HttpRequest) -> HttpResponse:
    pending = pending_login(request)
    if pending is None:
        return redirect("accounts:login")
    return continue_login(request, *pending)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; also the forced change after an initial, reset or
    expired one (after the second factor, before the session is signed in)."""
    pending = None
    if request.user.is_authenticated:
        user = request.user
    else:
        pending = pending_login(request)
        if pending is None:
            return redirect_to_login(request.get_full_path())
        user, data = pending
        if second_factor_outstanding(user, data):
            return continue_login(request, user, data)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = changes.change_own_password(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, "new_password")
        else:
            messages.success(request, "密码已修改。")
            if pending is not None:
                return continue_login(request, user, pending[1])
            update_session_auth_hash(request, user)
            return redirect("home")
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "forced": pending is not None,
            "expired": pending is not None and not user.must_change_password,
            "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
            "account": user,
            "password_min_length": settings.PASSWORD_MIN_LENGTH,
            "history": settings.PASSWORD_HISTORY,
        },
        status=400 if form.errors else 200,
    )


@_require_any("accounts.manage", "accounts.approve")
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.select_related("scope_region", "scope_organization", "department")
    role = request.GET.get("role", "")
    if role:
        users = users.filter(role=role)
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(username__icontains=q) | users.filter(full_name__icontains=q)
    page = Paginator(users.order_by("role", "username"), 50).get_page(request.GET.get("page"))
    pending = set(
        AccountChange.objects.filter(
            status=AccountChange.Status.PENDING, user__in=[u.pk for u in page]
        ).values_list("user_id", flat=True)
    )
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "roles": Role.choices,
            "role": role,
            "q": q,
            "pending": pending,
            "can_propose": has_capability(request.user, "accounts.manage"),
            "can_reset": has_capability(request.user, "accounts.approve"),
            "can_reset_mfa": has_capability(request.user, "security.manage"),
            "mfa_enrolled": set(
                MfaDevice.objects.filter(confirmed=True, user__in=[u.pk for u in page]).values_list(
                    "user_id", flat=True
                )
            ),
            "mfa_required_roles": settings.MFA_REQUIRED_ROLES if settings.MFA_REQUIRED else [],
        },
    )


@require_capability("accounts.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = changes.propose_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"已提交新建账号 {change.username} 的申请，安全管理员批准后账号生效，"
                "初始密码由安全管理员交给本人。",
            )
            return redirect("accounts:changes")
    return render(request, "accounts/user_form.html", {"form": form, "title": "新建账号"})


@require_capability("accounts.manage")
def user_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.exclude(role=Role.WORKER), pk=pk)
    initial = {
        "role": user.role,
        "scope_region": user.scope_region_id,
        "scope_organization": user.scope_organization_id,
        "department": user.department_id,
    }
    form = UserChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes.propose_change(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已提交账号 {user.username} 的变更申请，待安全管理员审批。")
            return redirect("accounts:changes")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": f"变更角色或数据范围：{user.username}", "account": user},
    )


@require_capability("accounts.manage")
@require_POST
def user_toggle_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        result = changes.set_account_active(
            actor=request.user, user=user, active=not user.is_active
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if isinstance(result, AccountChange):
            messages.info(request, f"已提交“{result.get_kind_display()}”申请，待安全管理员审批。")
        else:
            messages.success(
                request, f"已{'启用' if result.is_active else '停用'}账号 {user.username}。"
            )
    return redirect("accounts:users")


@_require_any("accounts.manage", "accounts.approve")
def change_list(request: HttpRequest) -> HttpResponse:
    queryset = AccountChange.objects.select_related(
        "user", "proposed_by", "decided_by", "scope_region", "scope_organization", "department"
    )
    status = request.GET.get("status", AccountChange.Status.PENDING)
    if status in AccountChange.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/changes.html",
        {
            "page": page,
            "status": status,
            "statuses": AccountChange.Status.choices,
            "can_approve": has_capability(request.user, "accounts.approve"),
            "can_propose": has_capability(request.user, "accounts.manage"),
            "form": DecisionForm(),
        },
    )


@require_capability("accounts.approve")
@require_POST
def change_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    change = get_object_or_404(AccountChange, pk=pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if decision == "approve":
            result = changes.approve(actor=request.user, change=change, note=note)
        else:
            changes.reject(actor=request.user, change=change, note=note)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("accounts:changes")
    if decision != "approve":
        messages.success(request, f"已驳回 {change.username} 的申请。")
        return redirect("accounts:changes")
    if result.initial_password:
        assert result.change.user is not None
        sms = changes.send_one_time_password(
            actor=request.user, user=result.change.user, password=result.initial_password
        )
        return render(
            request,
            "accounts/password_sent.html",
            {"account": result.change.user, "sms": sms},
        )
    messages.success(request, f"已批准 {change.username} 的申请。")
    return redirect("accounts:changes")


@require_capability("accounts.manage")
@require_POST
def change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(AccountChange, pk=pk)
    try:
        changes.withdraw(actor=request.user, change=change)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "申请已撤回。")
    return redirect("accounts:changes")


@require_capability("accounts.approve")
@require_POST
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        password = changes.reset_password(actor=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("accounts:users")
    sms = changes.send_one_time_password(actor=request.user, user=user, password=password)
    return render(
        request, "accounts/password_sent.html", {"account": user, "sms": sms, "reset": True}
    )


@require_capability("security.manage")
def security(request: HttpRequest) -> HttpResponse:

    from gigbranch.core.models import AuditEvent

    locked = User.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until")
    recent_failures = AuditEvent.objects.filter(action__startswith="login.failed")[:50]
    return render(
        request,
        "accounts/security.html",
        {
            "locked": locked,
            "failures": recent_failures,
            "policy": {
                "min_length": settings.PASSWORD_MIN_LENGTH,
                "classes": settings.PASSWORD_MIN_CHARACTER_CLASSES,
                "max_failures": settings.LOGIN_MAX_FAILURES,
                "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
                "idle_minutes": settings.STAFF_IDLE_TIMEOUT_SECONDS // 60,
            },
        },
    )


@require_capability("security.manage")
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    services.unlock_user(actor=request.user, user=user)
    messages.success(request, f"已解锁账号 {user.username}。")
    return redirect("accounts:security")


@require_capability("accounts.manage")
def api_tokens(request: HttpRequest) -> HttpResponse:
    from .forms import ApiTokenForm

    form = ApiTokenForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, issued = services.issue_api_token(
                    actor=request.user,
                    user=form.cleaned_data["user"],
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
    return _token_page(request, form, issued, status)


def _token_page(
    request: HttpRequest, form: Any, issued: str | None, status: int = 200
) -> HttpResponse:
    from .models import ApiToken

    now = timezone.now()
    tokens = list(ApiToken.objects.select_related("user").order_by("-created_at")[:500])
    for token in tokens:
        token.status = token.status_at(now)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "issued": issued,
            "grace_hours": settings.API_TOKEN_ROTATION_GRACE_HOURS,
        },
        status=status,
    )


@require_capability("accounts.manage")
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ApiToken

    services.revoke_api_token(actor=request.user, token=get_object_or_404(ApiToken, pk=pk))
    messages.success(request, "令牌已吊销。")
    return redirect("accounts:api_tokens")


@require_capability("accounts.manage")
@require_POST
def api_token_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new secret for the same client; the old one works for the grace period."""
    from .forms import ApiTokenForm
    from .models import ApiToken

    token = get_object_or_404(ApiToken, pk=pk)
    try:
        _, issued = services.rotate_api_token(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("accounts:api_tokens")
    return _token_page(request, ApiTokenForm(), issued)
