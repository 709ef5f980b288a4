"""One helper per kind of check, used by every view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from gigbranch.accounts.roles import has_capability


def require_capability(capability: str) -> Callable[..., Any]:
    """Anonymous → login page; logged in without the capability → 403 (nothing changes)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Actions: who may take which action, for the button and for the view ----------------
#
# A button is shown only to those who may take its action, and the view behind it checks
# the same rule: templates ask `{% can "action" obj as allowed %}`, views call
# `check_can(...)` or use `@require_can(...)`, both through `can`, so the two cannot
# drift. Each domain app registers its rules in its `actions.py` (loaded when the app is
# ready); core knows no domain app.

ActionRule = Callable[..., bool]
_ACTIONS: dict[str, ActionRule] = {}


def action(name: str) -> Callable[[ActionRule], ActionRule]:
    """Register `rule(user, obj, *args) -> bool` as the rule for action `name`."""

    def decorator(rule: ActionRule) -> ActionRule:
        if name in _ACTIONS and _ACTIONS[name] is not rule:
            raise ValueError(f"action {name!r} is registered twice")
        _ACTIONS[name] = rule
        return rule

    return decorator


def capability_action(name: str, capability: str) -> None:
    """Register an action that anyone holding `capability` may take."""
    action(name)(lambda user, obj=None, *args: has_capability(user, capability))


def can(user: Any, name: str, obj: Any = None, *args: Any) -> bool:
    """May `user` take action `name` (on `obj`)? An unknown action is an error, not a no."""
    try:
        rule = _ACTIONS[name]
    except KeyError:
        raise LookupError(f"unknown action {name!r}") from None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(rule(user, obj, *args))


def check_can(user: Any, name: str, obj: Any = None, *args: Any) -> None:
    """403 (PermissionDenied) unless `can(user, name, obj, *args)`."""
    if not can(user, name, obj, *args):
        raise PermissionDenied("您无权办理此项操作。")


def require_can(name: str) -> Callable[..., Any]:
    """Like `require_capability`, for an action that needs no object."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_can(request.user, name)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- Managing a scoped record: the capability, then the record in view -------------------


def check_manage(
    actor: Any, capability: str, refusal: str, *in_view: tuple[QuerySet[Any], Any, str]
) -> None:
    """PermissionDenied(`refusal`) unless `actor` holds `capability`; then, for each
    `(rows, obj, message)`, PermissionDenied(`message`) when `obj` is a saved record that
    is not among `rows` (the actor's `visible_to` rows). Each app's services name their
    own messages and call this; the check itself lives here once."""
    if not has_capability(actor, capability):
        raise PermissionDenied(refusal)
    for rows, obj, message in in_view:
        if obj is not None and obj.pk and not rows.filter(pk=obj.pk).exists():
            raise PermissionDenied(message)
