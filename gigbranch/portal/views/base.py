"""What every portal page shares: the worker-only guard and small helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from gigbranch.accounts.roles import Role
from gigbranch.core.masking import mask_mobile
from gigbranch.members import consent as consent_store
from gigbranch.members.models import ConsentPurpose

SESSION_MOBILE = "portal_mobile"


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "无权执行此操作。"


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in worker with the basic consent, else login / consent / console."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
        if user.role != Role.WORKER:
            raise PermissionDenied("工作人员请使用工作台。")
        if not consent_store.is_granted(user, ConsentPurpose.BASIC):
            return redirect(f"{reverse('portal:consent')}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def _me(request: HttpRequest) -> Any:
    """The logged-in account (portal views run only for authenticated workers)."""
    return request.user


def _own_mobile(user: Any) -> str:
    """The worker's own mobile number, masked the way staff see it (core.masking): the
    account's login number, else the one in the worker's registration record."""
    worker = getattr(user, "worker", None)
    return mask_mobile(user.mobile or (worker.mobile if worker is not None else ""))


def _optional_url(name: str) -> str | None:
    """Links to pages other modules provide (e.g. appeals) — absent until they land."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
