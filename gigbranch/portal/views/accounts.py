"""Portal accounts: SMS login and registration, consent, the link to a roster record."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gigbranch.accounts.roles import Role
from gigbranch.core import ratelimit
from gigbranch.core.masking import mask_mobile
from gigbranch.core.viewhelpers import safe_next
from gigbranch.members import consent as consent_store
from gigbranch.members.models import ConsentPurpose

from .. import services
from .base import SESSION_MOBILE, _error_text, _me, portal_view

# --- Accounts: SMS login/registration, consent, roster link ---------------------------------


def login_mobile(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.role == Role.WORKER:
        return redirect(safe_next(request, reverse("portal:home")))
    error = ""
    mobile = ""
    if request.method == "POST":
        mobile = request.POST.get("mobile", "").strip()
        # Per mobile number the service allows 5 codes an hour; per client address this
        # stops one sender spraying codes to many numbers (SMS cost, harassment).
        wait = ratelimit.hit("sms_code.ip", ratelimit.client_address(request))
        if wait:
            return ratelimit.too_many(request, wait)
        try:
            services.request_code(mobile=mobile)
        except ValidationError as exc:
            error = _error_text(exc)
            if "60秒" in error:  # a code was just sent: go on to enter it
                _remember_mobile(request, mobile)
                messages.info(request, error)
                return redirect(_verify_url(request))
        else:
            _remember_mobile(request, mobile)
            messages.info(request, "验证码已发送，5分钟内有效。")
            return redirect(_verify_url(request))
    return render(
        request,
        "portal/login.html",
        {"error": error, "mobile": mobile, "next": safe_next(request, "")},
    )


def _remember_mobile(request: HttpRequest, mobile: str) -> None:
    """Between the code request and its entry the session holds the mobile number
    encrypted with the field cipher: session rows are signed, not encrypted."""
    from gigbranch.core.crypto import get_cipher

    request.session[SESSION_MOBILE] = get_cipher().encrypt(mobile, context=SESSION_MOBILE)


def _remembered_mobile(request: HttpRequest) -> str:
    from gigbranch.core.crypto import DecryptionError, get_cipher

    token = request.session.get(SESSION_MOBILE, "")
    if not token:
        return ""
    try:
        return get_cipher().decrypt(token, context=SESSION_MOBILE)
    except (DecryptionError, ValueError):
        return ""


def _verify_url(request: HttpRequest) -> str:
    nxt = safe_next(request, "")
    url = reverse("portal:verify")
    return f"{url}?next={nxt}" if nxt else url


def login_verify(request: HttpRequest) -> HttpResponse:
    mobile = _remembered_mobile(request)
    if not mobile:
        return redirect("portal:login")
    error = ""
    if request.method == "POST":
        try:
            result = services.verify_code(mobile=mobile, code=request.POST.get("code", ""))
        except (ValidationError, PermissionDenied) as exc:
            error = _error_text(exc)
        else:
            login(request, result.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            request.session.pop(SESSION_MOBILE, None)
            nxt = safe_next(request, reverse("portal:home"))
            if not consent_store.is_granted(result.user, ConsentPurpose.BASIC):
                return redirect(f"{reverse('portal:consent')}?next={nxt}")
            return redirect(nxt)
    masked = mask_mobile(mobile)
    return render(
        request,
        "portal/verify.html",
        {"error": error, "masked": masked, "next": safe_next(request, "")},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


def consent(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if not user.is_authenticated:
        return redirect("portal:login")
    if user.role != Role.WORKER:
        raise PermissionDenied("工作人员无需此授权。")
    state = consent_store.answers(user)
    error = ""
    if request.method == "POST":
        try:
            services.record_consent(
                user=user,
                basic=request.POST.get("basic") == "on",
                political_status=request.POST.get("political_status") == "on",
            )
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            default = reverse("portal:home") if user.worker_id else reverse("portal:link")
            return redirect(safe_next(request, default) if user.worker_id else default)
    return render(
        request,
        "portal/consent.html",
        {"state": state, "error": error, "next": safe_next(request, "")},
    )


@portal_view
def link(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    error = ""
    if request.method == "POST":
        try:
            worker = services.link_worker(user=user, id_number=request.POST.get("id_number", ""))
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            messages.success(request, f"已关联登记信息：{worker.name}。")
            return redirect("portal:home")
    return render(request, "portal/link.html", {"error": error, "tab": "me"})
