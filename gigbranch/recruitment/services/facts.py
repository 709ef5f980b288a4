"""What every recruitment write shares: the capability check, the effective local rules, the facts of a case, the one transition function."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from gigbranch.accounts.roles import has_capability
from gigbranch.members.models import PartyMember

from .. import policy
from ..models import (
    CASE_TRANSITIONS,
    Case,
    CaseEvent,
    CaseStatus,
    StepRecord,
)
from ..rulesets import effective_rules

CHANGE = "recruitment.change"
RULES = "recruitment.rules"


def _require(actor: Any, capability: str) -> None:
    """System callers pass actor=None (demo seeding, tasks); people need the capability."""
    if actor is not None and not has_capability(actor, capability):
        raise PermissionDenied("您的角色无权办理发展党员业务。")


def _refuse(problems: Sequence[policy.Problem]) -> None:
    if problems:
        errors: dict[str, list[str]] = {}
        for p in problems:
            errors.setdefault(p.field, []).append(p.message)
        raise ValidationError(errors)


# --- Rules and facts --------------------------------------------------------------------


def case_rules(case: Case) -> policy.LocalRules:
    return effective_rules(case.worker.region)[0]


def facts_for(case: Case, steps: Iterable[StepRecord] | None = None) -> policy.CaseFacts:
    records = list(steps) if steps is not None else list(case.steps.all())
    return policy.CaseFacts(
        birth_date=case.worker.birth_date,
        done={r.step: r.date for r in records},
        review_conclusion=case.review_conclusion,
        training_days=float(case.training_days),
        training_hours=float(case.training_hours),
        probation_end=case.probation_end,
        special_reason=case.special_reason,
        closed=case.is_closed,
        last_assessment=case.last_assessment,
    )


def _person_ref(member: PartyMember) -> policy.PersonRef:
    return policy.PersonRef(name=member.worker.name, kind=member.kind, status=member.status)


def _members(ids: Iterable[int], field: str) -> list[PartyMember]:
    ids = [int(i) for i in ids]
    found = {m.pk: m for m in PartyMember.objects.select_related("worker").filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({field: f"找不到党员记录：{missing}。"})
    if len(set(ids)) != len(ids):
        raise ValidationError({field: "同一名党员不能重复填写。"})
    return [found[i] for i in ids]


def _transition(
    case: Case, to: str, *, actor: Any, step: int | None = None, detail: str = ""
) -> None:
    if to not in CASE_TRANSITIONS[case.status]:
        raise ValidationError(
            {"step": f"档案状态“{case.get_status_display()}”不能变为“{CaseStatus(to).label}”。"}
        )
    label = f"状态：{CaseStatus(case.status).label} → {CaseStatus(to).label}"
    CaseEvent.objects.create(
        case=case,
        actor=_user(actor),
        action="status",
        step=step,
        from_status=case.status,
        to_status=to,
        detail=(f"{label}（{detail}）" if detail else label)[:300],
    )
    case.status = to


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _refresh_position(case: Case) -> None:
    facts = facts_for(case)
    case.last_step = max(facts.done, default=0)
    nxt = policy.next_step(facts)
    case.next_step = None if case.is_closed else nxt
    if case.status in (CaseStatus.PROBATIONARY, CaseStatus.FULL, CaseStatus.ARCHIVED):
        case.stage = 5
    else:
        case.stage = policy.stage_of(nxt) if nxt else 5
