"""Writes for late steps and special approvals (docs/adr/0028), called by `services`.

`keep` stores what a late step (`StepDelay`) or a step 17 approved after 3 months with the
higher organisation's consent (`SpecialApproval`) brought with it, in the transaction that
records the step. `review_delay` is the higher committee's review of a late step: it
closes the finding and keeps who reviewed it, when and their note.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.core import audit
from gigbranch.core.models import Finding

from . import policy
from .models import CaseEvent, RuleSet, SpecialApproval, StepDelay, StepRecord
from .policy import deadlines

REVIEW = "recruitment.review"


def local_source(ruleset: RuleSet | None) -> str:
    """How a local-practice deadline is cited: the rule set in force, or the defaults."""
    if ruleset is None:
        return "本地规则（系统默认值）"
    return f"本地规则《{ruleset.name}》"


def keep(
    *, record: StepRecord, late: deadlines.Lateness | None, given: policy.StepInput
) -> dict[str, Any]:
    """Save the delay or the consent of a step just recorded; the facts for the audit."""
    if late is None:
        return {}
    if late.special:
        consent = given.consent
        assert consent is not None and consent.date is not None
        SpecialApproval.objects.create(
            record=record,
            reason=given.special_reason.strip(),
            approver=consent.approver.strip(),
            approver_organization=consent.organization.strip(),
            approved_on=consent.date,
            document_number=consent.document.strip(),
        )
        return {
            "special_approval": {
                "deadline": late.deadline.isoformat(),
                "organization": consent.organization.strip(),
                "approved_on": consent.date.isoformat(),
                "document_number": consent.document.strip(),
            }
        }
    delay = StepDelay.objects.create(
        record=record,
        case=record.case,
        step=late.step,
        deadline=late.deadline,
        days_late=late.days_late,
        rule_id=late.rule.rule_id,
        rule_name=late.rule.name[:120],
        rule_source=late.rule.source[:120],
        reason=given.delay_reason.strip(),
    )
    raise_finding(delay)
    return {"late": {"deadline": late.deadline.isoformat(), "days_late": late.days_late}}


def _finding_key(delay: StepDelay) -> dict[str, str]:
    return {
        "rule_id": delay.rule_id,
        "object_type": StepDelay._meta.label_lower,
        "object_id": str(delay.pk),
    }


def raise_finding(delay: StepDelay) -> Finding:
    """Open the late step's finding now (the periodic check keeps it while unreviewed),
    so the branch and the higher committee see it as soon as the step is recorded."""
    from .rules import delay_candidate

    cand = delay_candidate(delay)
    now = timezone.now()
    finding, _ = Finding.objects.update_or_create(
        **_finding_key(delay),
        defaults={
            "severity": cand.severity,
            "object_label": str(cand.obj)[:200],
            "summary": cand.summary[:300],
            "advice": cand.advice[:300],
            "facts": cand.facts,
            "region_id": cand.region_id,
            "organization_id": cand.organization_id,
            "last_seen_at": now,
            "resolved_at": None,
        },
        create_defaults={
            "severity": cand.severity,
            "object_label": str(cand.obj)[:200],
            "summary": cand.summary[:300],
            "advice": cand.advice[:300],
            "facts": cand.facts,
            "region_id": cand.region_id,
            "organization_id": cand.organization_id,
            "first_seen_at": now,
            "last_seen_at": now,
        },
    )
    return finding


def can_review(user: Any, delay: StepDelay) -> bool:
    """The higher committee reviews: not the branch that recorded the step, nor its
    recorder (a delay is not reviewed by the people who explain it)."""
    if not has_capability(user, REVIEW):
        return False
    return user.pk != delay.record.recorded_by_id


@transaction.atomic
def review_delay(*, actor: Any, delay: StepDelay, note: str = "") -> StepDelay:
    """Mark a late step as reviewed; its finding closes now and stays as history."""
    delay = StepDelay.objects.select_for_update().select_related("record").get(pk=delay.pk)
    if not can_review(actor, delay):
        raise PermissionDenied("逾期步骤须由上级党组织审查，记录人或本支部不能自行审查。")
    if delay.reviewed_at is not None:
        raise ValidationError(
            {"note": f"该逾期步骤已于{timezone.localtime(delay.reviewed_at):%Y-%m-%d}审查。"}
        )
    note = note.strip()
    if len(note) > 300:
        raise ValidationError({"note": "审查意见不超过300字。"})
    delay.reviewed_by = actor
    delay.reviewed_at = timezone.now()
    delay.review_note = note
    delay.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    Finding.objects.filter(**_finding_key(delay), resolved_at__isnull=True).update(
        resolved_at=delay.reviewed_at
    )
    CaseEvent.objects.create(
        case_id=delay.case_id,
        actor=actor,
        action="delay_reviewed",
        step=delay.step,
        detail=f"上级党组织审查第{delay.step}步逾期情况" + (f"：{note}" if note else ""),
    )
    audit.record(
        actor=actor,
        action="recruitment.delay_reviewed",
        obj=delay,
        changes={"case": delay.case_id, "step": delay.step, "note": note},
    )
    return delay
