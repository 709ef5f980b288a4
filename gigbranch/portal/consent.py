"""Reading consent state (PIPL): what the worker currently allows.

Political status is sensitive personal information and needs a separate consent. Staff
views show a worker's political status only when `political_status_visible(worker)`;
use the `political_status_for_staff` template filter in staff templates:

    {% load portal_consent %}{{ worker|political_status_for_staff }}
"""

from __future__ import annotations

from typing import Any

from .models import ConsentPurpose, ConsentRecord

HIDDEN_LABEL = "本人未授权显示"


def current_consents(user: Any) -> dict[str, bool]:
    """Latest answer per purpose; purposes never answered are absent."""
    out: dict[str, bool] = {}
    if user is None or getattr(user, "pk", None) is None:
        return out
    for purpose, granted in ConsentRecord.objects.filter(user=user).order_by(
        "-at", "-id"
    ).values_list("purpose", "granted"):
        out.setdefault(purpose, granted)
    return out


def has_consent(user: Any, purpose: str) -> bool:
    return current_consents(user).get(purpose, False)


def political_status_visible(worker: Any) -> bool:
    """Hidden from staff when the worker has a portal account and has not granted (or has
    withdrawn) the separate consent for political status. Roster records of workers
    without an account are shown as held by the organisation."""
    from gigbranch.accounts.models import User

    account = User.objects.filter(worker=worker).first()
    if account is None:
        return True
    return has_consent(account, ConsentPurpose.POLITICAL_STATUS)


def hidden_political_worker_ids(worker_ids: list[int]) -> set[int]:
    """Batch form for lists: the workers whose political status must be hidden."""
    from gigbranch.accounts.models import User

    accounts = dict(
        User.objects.filter(worker_id__in=worker_ids).values_list("pk", "worker_id")
    )
    if not accounts:
        return set()
    latest: dict[int, bool] = {}
    for user_id, granted in ConsentRecord.objects.filter(
        user_id__in=list(accounts), purpose=ConsentPurpose.POLITICAL_STATUS
    ).order_by("-at", "-id").values_list("user_id", "granted"):
        latest.setdefault(user_id, granted)
    return {worker_id for user_id, worker_id in accounts.items() if not latest.get(user_id, False)}


def political_status_for_staff(worker: Any) -> str:
    if worker is None:
        return ""
    if not political_status_visible(worker):
        return HIDDEN_LABEL
    return worker.get_political_status_display()
