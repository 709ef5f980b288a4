from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from gigbranch.core.permissions import require_capability

from . import services
from .forms import LoginForm, UserCreateForm
from .models import User
from .roles import Role


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = services.attempt_login(
            request=request,
            identifier=form.cleaned_data["identifier"],
            password=form.cleaned_data["password"],
        )
        if result.user is not None:
            login(request, result.user)
            target = request.POST.get("next") or request.GET.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "/"
            return redirect(target)
        error = result.error
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=200 if not error else 401,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@require_capability("accounts.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.select_related("scope_region", "scope_organization", "department")
    role = request.GET.get("role", "")
    if role:
        users = users.filter(role=role)
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(username__icontains=q) | users.filter(full_name__icontains=q)
    page = Paginator(users.order_by("role", "username"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "roles": Role.choices, "role": role, "q": q},
    )


@require_capability("accounts.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("password", exc.messages)
        else:
            messages.success(request, f"已创建账号 {user.username}。")
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form})


@require_capability("accounts.manage")
@require_POST
def user_toggle_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        services.set_active(actor=request.user, user=user, active=not user.is_active)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("accounts:users")


@require_capability("security.manage")
def security(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

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
    from .models import ApiToken

    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        _, issued = services.issue_api_token(
            actor=request.user, user=form.cleaned_data["user"], name=form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.select_related("user").order_by("-created_at")
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "issued": issued}
    )


@require_capability("accounts.manage")
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ApiToken

    services.revoke_api_token(actor=request.user, token=get_object_or_404(ApiToken, pk=pk))
    messages.success(request, "令牌已吊销。")
    return redirect("accounts:api_tokens")
