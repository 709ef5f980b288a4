"""PIPL consent: the one store and the only API for it (ADR 0026).

Consent lives in `members.ConsentRecord`, append-only: every grant or withdrawal is a new
row; the latest row per subject and purpose is the current answer. The subject is the
worker (the data subject). A portal account that has not been matched to its roster
worker yet answers under its account; `attach_account_records` files those rows under the
worker when the account is linked. Every reader and writer goes through this module:

- `latest(subject, purpose)`, `is_granted`, `current`, `answers`, `history` — a subject
  is a `Worker` or a portal account (`accounts.User`; a linked account reads its worker's
  records);
- `record_consent(...)` — the only write, audited with `core.audit.record`;
- political status (政治面貌, sensitive personal information, PIPL arts. 28–29): what
  staff pages, filters and the API may disclose — see `disclosed_worker_ids`.

Political status rule. A worker's political status is disclosed to staff only while the
worker's latest separate consent for it is granted; with no record at all it is shown as
"未授权" and is not filtered on. Exception: a worker with a Party member record
(`PartyMember`) — the Party organisation holds the membership relation itself, so users
who can see that member record (`people.view`, in scope) see the membership facts.
Aggregate counts (coverage, statistics) count members and are not affected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from gigbranch.accounts.roles import Role, has_capability
from gigbranch.core import audit

from .models import ConsentPurpose, ConsentRecord, PartyMember, Worker

WorkerQS = TypeVar("WorkerQS", bound=QuerySet[Worker])

UNDISCLOSED_LABEL = "未授权"
UNDISCLOSED = "undisclosed"  # the API's machine value for the same
PORTAL_METHOD = "门户勾选"
POLITICAL = ConsentPurpose.POLITICAL_STATUS


# --- Reading ---------------------------------------------------------------------------


def _subject_q(subject: Any) -> Q | None:
    if subject is None or getattr(subject, "pk", None) is None:
        return None
    if isinstance(subject, Worker):
        return Q(worker_id=subject.pk)
    worker_id = getattr(subject, "worker_id", None)
    if worker_id:
        return Q(worker_id=worker_id) | Q(account_id=subject.pk)
    return Q(account_id=subject.pk)


def history(subject: Any) -> QuerySet[ConsentRecord]:
    """All records of a worker or portal account, newest first."""
    q = _subject_q(subject)
    if q is None:
        return ConsentRecord.objects.none()
    return ConsentRecord.objects.filter(q).order_by("-recorded_at", "-id")


def latest(subject: Any, purpose: str) -> ConsentRecord | None:
    """The latest record for `purpose` (the current answer), or None if never answered."""
    return history(subject).filter(purpose=purpose).first()


def is_granted(subject: Any, purpose: str) -> bool:
    record = latest(subject, purpose)
    return bool(record and record.granted)


def current(subject: Any) -> dict[str, ConsentRecord]:
    """Latest record per purpose; purposes never answered are absent."""
    out: dict[str, ConsentRecord] = {}
    for record in history(subject):
        out.setdefault(record.purpose, record)
    return out


def answers(subject: Any) -> dict[str, bool]:
    """Latest answer per purpose; purposes never answered are absent."""
    return {purpose: record.granted for purpose, record in current(subject).items()}


# --- Writing ---------------------------------------------------------------------------


def _check_may_record(actor: Any, worker: Worker | None, account: Any) -> None:
    """The account itself (portal), or staff with people.change who can see the worker."""
    if account is not None and getattr(actor, "pk", None) == account.pk:
        if account.role != Role.WORKER:
            raise PermissionDenied("仅劳动者本人可以授权。")
        return
    if (
        worker is not None
        and has_capability(actor, "people.change")
        and Worker.objects.visible_to(actor).filter(pk=worker.pk).exists()
    ):
        return
    raise PermissionDenied("无权记录该劳动者的个人信息处理同意情况。")


@transaction.atomic
def record_consent(
    *,
    actor: Any,
    purpose: str,
    granted: bool,
    method: str,
    worker: Worker | None = None,
    account: Any = None,
    version: str = "",
) -> ConsentRecord:
    """Record one answer (a grant or a withdrawal) as a new row, audited.

    Staff record what the worker gave in writing or through the platform (`worker`);
    a portal account records its own answer (`account`, filed under its worker when
    linked). Political status needs its own, separate consent (PIPL art. 29).
    """
    if account is not None and account.worker_id:
        if worker is not None and worker.pk != account.worker_id:
            raise ValidationError("账号与劳动者不一致。")
        worker = account.worker
    _check_may_record(actor, worker, account)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": "未知的同意事项。"})
    method = (method or "").strip()
    if not method:
        raise ValidationError({"method": "请注明取得同意的方式。"})
    record = ConsentRecord.objects.create(
        worker=worker,
        account=account,
        purpose=purpose,
        granted=bool(granted),
        method=method[:40],
        version=version[:10],
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="consent.granted" if granted else "consent.withdrawn",
        obj=worker if worker is not None else account,
        changes={
            "purpose": purpose,
            "granted": bool(granted),
            "method": record.method,
            "version": record.version,
            "record": record.pk,
        },
    )
    return record


@transaction.atomic
def attach_account_records(*, actor: Any, account: Any) -> int:
    """File the answers an account gave before it was linked under its roster worker.

    The answer, its time and method are not changed; only the missing subject key is
    filled in (ADR 0026). Called by the portal's linking service in its transaction.
    """
    if not account.worker_id:
        raise ValidationError("账号尚未关联登记信息。")
    count = ConsentRecord.objects.filter(account=account, worker__isnull=True).update(
        worker_id=account.worker_id
    )
    if count:
        audit.record(
            actor=actor,
            action="consent.account_linked",
            obj=account.worker,
            changes={"account": account.pk, "records": count},
        )
    return count


# --- Political status (政治面貌) --------------------------------------------------------


def _political_granted_worker_ids() -> QuerySet[ConsentRecord, Any]:
    """Workers whose latest political-status record is a grant: granted rows with no later
    row for the same worker (ties broken by id), as a subquery of worker ids. Evaluated
    once per query (a hashed semi-join), not once per worker row."""
    later = ConsentRecord.objects.filter(worker=OuterRef("worker"), purpose=POLITICAL).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
    )
    return (
        ConsentRecord.objects.filter(purpose=POLITICAL, granted=True, worker__isnull=False)
        .filter(~Exists(later))
        .values("worker_id")
    )


def _disclosure_q(viewer: Any) -> Q:
    """Over Worker rows: the political status is disclosed to `viewer`."""
    q = Q(pk__in=_political_granted_worker_ids())
    if has_capability(viewer, "people.view"):
        q |= Q(pk__in=PartyMember.objects.visible_to(viewer).values("worker_id"))
    return q


def with_political_disclosure(viewer: Any, qs: WorkerQS) -> WorkerQS:
    """Annotate each worker with `political_disclosed` (bool) for `viewer`. Correlated
    per returned row (cheap for a page of rows); filters use `filter_political_status`."""
    latest_answer = Subquery(
        ConsentRecord.objects.filter(worker=OuterRef("pk"), purpose=POLITICAL)
        .order_by("-recorded_at", "-id")
        .values("granted")[:1],
        output_field=BooleanField(),
    )
    disclosed = Q(_political_answer=True)
    if has_capability(viewer, "people.view"):
        disclosed |= Q(Exists(PartyMember.objects.visible_to(viewer).filter(worker=OuterRef("pk"))))
    return qs.alias(_political_answer=latest_answer).annotate(
        political_disclosed=Case(
            When(disclosed, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def filter_political_status(viewer: Any, qs: WorkerQS, value: str) -> WorkerQS:
    """Workers with political status `value` among those whose status `viewer` may see:
    a filter never reveals the status of a worker it is not disclosed for."""
    return qs.filter(_disclosure_q(viewer), political_status=value)


def disclosed_worker_ids(viewer: Any, worker_ids: Iterable[int]) -> set[int]:
    """The workers (of `worker_ids`) whose political status `viewer` may see. Two queries."""
    ids = sorted({i for i in worker_ids if i is not None})
    if not ids:
        return set()
    latest_answer: dict[int, bool] = {}
    for worker_id, granted in (
        ConsentRecord.objects.filter(worker_id__in=ids, purpose=POLITICAL)
        .order_by("worker_id", "-recorded_at", "-id")
        .values_list("worker_id", "granted")
    ):
        latest_answer.setdefault(worker_id, granted)
    disclosed = {worker_id for worker_id, granted in latest_answer.items() if granted}
    if has_capability(viewer, "people.view"):
        disclosed |= set(
            PartyMember.objects.visible_to(viewer)
            .filter(worker_id__in=ids)
            .values_list("worker_id", flat=True)
        )
    return disclosed


def political_status_labels(viewer: Any, workers: Iterable[Worker | None]) -> dict[int, str]:
    """Worker pk → the political status label `viewer` may see, or "未授权"."""
    known = [w for w in workers if w is not None]
    disclosed = disclosed_worker_ids(viewer, (w.pk for w in known))
    return {
        w.pk: w.get_political_status_display() if w.pk in disclosed else UNDISCLOSED_LABEL
        for w in known
    }


def political_status_label(viewer: Any, worker: Worker) -> str:
    annotated = getattr(worker, "political_disclosed", None)  # with_political_disclosure
    if annotated is not None:
        disclosed = bool(annotated)
    else:
        disclosed = worker.pk in disclosed_worker_ids(viewer, [worker.pk])
    return worker.get_political_status_display() if disclosed else UNDISCLOSED_LABEL
