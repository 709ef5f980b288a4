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
    for purpose, granted in (
        ConsentRecord.objects.filter(user=user)
        .order_by("-at", "-id")
        .values_list("purpose", "granted")
    ):
        out.setdefault(purpose, granted)
    return out


def has_consent(user: Any, purpose: str) -> bool:
    return current_consents(user).get(purpose, False)


def _roster_political_consent(worker_ids: list[int]) -> dict[int, bool]:
    """Latest political-status answer per worker in the roster's consent ledger
    (members.ConsentRecord, which the portal mirrors into once an account is linked)."""
    try:
        from gigbranch.members.models import ConsentRecord as RosterConsent
    except ImportError:  # pragma: no cover
        return {}
    latest: dict[int, bool] = {}
    for worker_id, granted in (
        RosterConsent.objects.filter(
            worker_id__in=worker_ids, purpose=ConsentPurpose.POLITICAL_STATUS
        )
        .order_by("-recorded_at", "-id")
        .values_list("worker_id", "granted")
    ):
        latest.setdefault(worker_id, granted)
    return latest


def hidden_political_worker_ids(worker_ids: list[int]) -> set[int]:
    """The workers whose political status staff must not see: the latest separate consent
    (roster ledger first, else the linked portal account) is missing or withdrawn. Roster
    records with no consent information at all and no portal account stay visible."""
    from gigbranch.accounts.models import User

    roster = _roster_political_consent(worker_ids)
    hidden = {wid for wid, granted in roster.items() if not granted}
    rest = [wid for wid in worker_ids if wid not in roster]
    accounts = dict(User.objects.filter(worker_id__in=rest).values_list("pk", "worker_id"))
    if accounts:
        latest: dict[int, bool] = {}
        for user_id, granted in (
            ConsentRecord.objects.filter(
                user_id__in=list(accounts), purpose=ConsentPurpose.POLITICAL_STATUS
            )
            .order_by("-at", "-id")
            .values_list("user_id", "granted")
        ):
            latest.setdefault(user_id, granted)
        hidden |= {wid for uid, wid in accounts.items() if not latest.get(uid, False)}
    return hidden


def political_status_visible(worker: Any) -> bool:
    return worker.pk not in hidden_political_worker_ids([worker.pk])


def political_status_for_staff(worker: Any) -> str:
    if worker is None:
        return ""
    if not political_status_visible(worker):
        return HIDDEN_LABEL
    return worker.get_political_status_display()
