"""ORG rule checkers (rules.md ORG-1 … ORG-8), registered for `recompute_findings()`.

Each checker reads the data with a few aggregate queries, applies the pure functions in
`policy.py` with the jurisdiction's thresholds and yields candidates. Findings carry the
object's region and organisation so both scope axes (行业条线 and 属地) see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone

from gigbranch.core.findings import Candidate, checker

from . import policy
from .headcounts import people
from .models import (
    BRANCH_KINDS,
    CommitteeMember,
    CoverageMode,
    Organization,
    OrgKind,
    Workplace,
)
from .queries import ThresholdResolver

M = TypeVar("M", bound=models.Model)
NOT_OWN_BRANCH = [m for m in CoverageMode.values if m != CoverageMode.OWN_BRANCH]


def _candidate(
    verdict: policy.Verdict, obj: object, *, region_id: int | None, organization_id: int | None
) -> Candidate:
    return Candidate(
        rule_id=verdict.rule_id,
        severity=verdict.severity,
        obj=obj,  # type: ignore[arg-type]
        summary=verdict.summary,
        advice=verdict.advice,
        facts=verdict.facts,
        region_id=region_id,
        organization_id=organization_id,
    )


def _workplace_counts(members: Any, floor: int) -> dict[int, int]:
    """workplace id -> number of `members` working there, for counts >= floor. Grouped on
    the member side by workplace id only (no wide GROUP BY over workplace columns)."""
    return dict(
        members.filter(worker__workplace__isnull=False)
        .order_by()
        .values_list("worker__workplace_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=floor)
        .values_list("worker__workplace_id", "n")
    )


def _workplaces(ids: Iterable[int], **filters: Any) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in Workplace.objects.filter(pk__in=list(ids), **filters)
        .order_by("pk")
        .values(
            "pk",
            "name",
            "coverage_mode",
            "region_id",
            "organization_id",
            region_path=F("region__path"),
            org_kind=F("organization__kind"),
        )
    ]


def _stub(model: type[M], row: dict[str, Any]) -> M:
    """A light instance naming the finding's object (pk and name are all a finding needs)."""
    return model(pk=row["pk"], name=row["name"])


def _org_candidate(verdict: policy.Verdict, org: dict[str, Any]) -> Candidate:
    """A finding about an organisation row (pk, name, region_id)."""
    return _candidate(
        verdict, _stub(Organization, org), region_id=org["region_id"], organization_id=org["pk"]
    )


@checker("ORG-1", title="应建未建：正式党员3人以上的单位应单独建立党支部")
def check_should_build() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    floor = resolver.minimum("branch_min_full_members")
    counts = _workplace_counts(people().full_in_normal_standing(), floor)
    for wp in _workplaces(counts, coverage_mode__in=NOT_OWN_BRANCH):
        th = resolver.for_path(wp["region_path"])
        verdict = policy.org1_should_build(
            full_members=counts[wp["pk"]], coverage_mode=wp["coverage_mode"], th=th
        )
        if verdict:
            yield _candidate(
                verdict,
                _stub(Workplace, wp),
                region_id=wp["region_id"],
                organization_id=wp["organization_id"],
            )


@checker("ORG-2", title="联合党支部覆盖单位一般不超过5个")
def check_joint_units() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    rows = (
        Organization.objects.filter(kind=OrgKind.JOINT_BRANCH)
        .order_by("pk")
        .values("pk", "name", "region_id", region_path=F("region__path"))
        .annotate(
            units=Count("workplaces", filter=Q(workplaces__coverage_mode=CoverageMode.JOINT_BRANCH))
        )
        .filter(units__gt=resolver.minimum("joint_branch_max_units"))
    )
    for org in rows:
        verdict = policy.org2_joint_units(
            units=org["units"], th=resolver.for_path(org["region_path"])
        )
        if verdict:
            yield _org_candidate(verdict, org)


@checker("ORG-3", "ORG-4", "ORG-8", title="党支部规模、支部委员会和书记")
def check_branches() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    members = {
        org_id: (n, full)
        for org_id, n, full in people()
        .all_members()
        .filter(organization__kind__in=BRANCH_KINDS)
        .order_by()
        .values_list("organization_id")
        .annotate(
            n=Count("pk", filter=Q(status__in=people().in_standing_statuses)),
            full=Count("pk", filter=people().full_in_normal_standing_q()),
        )
        .values_list("organization_id", "n", "full")
    }
    committee = dict(
        CommitteeMember.objects.filter(organization__kind__in=BRANCH_KINDS)
        .order_by()
        .values_list("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    rows = (
        Organization.objects.filter(kind__in=BRANCH_KINDS)
        .order_by("pk")
        .values("pk", "name", "region_id", "secretary_name", "secretary_member_id")
        .annotate(region_path=F("region__path"))
    )
    for org in rows:
        th = resolver.for_path(org["region_path"])
        has_secretary = (
            bool(org["secretary_name"].strip()) or org["secretary_member_id"] is not None
        )
        n_members, n_full = members.get(org["pk"], (0, 0))
        committee_size = committee.get(org["pk"], 0) + (1 if has_secretary else 0)
        for verdict in (
            policy.org3_branch_size(members=n_members, th=th),
            policy.org4_committee(full_members=n_full, committee_size=committee_size, th=th),
            policy.org8_secretary(has_secretary=has_secretary),
        ):
            if verdict:
                yield _org_candidate(verdict, org)


@checker("ORG-5", title="党组织任期届满提醒")
def check_terms() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    today = timezone.localdate()
    kinds = policy.COMMITTEE_TERM_KINDS | policy.BRANCH_TERM_KINDS
    rows = (
        Organization.objects.filter(kind__in=kinds)
        .order_by("pk")
        .values("pk", "name", "kind", "term_start", "term_years", "region_id")
        .annotate(region_path=F("region__path"))
    )
    for org in rows:
        verdict = policy.org5_term(
            kind=org["kind"],
            term_start=org["term_start"],
            term_years=org["term_years"],
            today=today,
            th=resolver.for_path(org["region_path"]),
        )
        if verdict:
            yield _org_candidate(verdict, org)


@checker("ORG-6", title="党总支、基层党委的设置人数")
def check_general_branches() -> Iterable[Candidate]:
    from .queries import _count_subquery

    resolver = ThresholdResolver()
    members = people().in_standing()
    rows = (
        Organization.objects.filter(kind=OrgKind.GENERAL_BRANCH)
        .order_by("pk")
        .annotate(n_members=_count_subquery(members, "organization__path"))
        .values("pk", "name", "region_id", "n_members", region_path=F("region__path"))
    )
    for org in rows:
        verdict = policy.org6_general_branch(
            members=org["n_members"], th=resolver.for_path(org["region_path"])
        )
        if verdict:
            yield _org_candidate(verdict, org)


@checker("ORG-7", title="流动党员聚集处可建立流动党员党支部")
def check_mobile_gathering() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    floor = resolver.minimum("mobile_gathering_min_members")
    mobile = people().mobile_in_standing()
    counts = _workplace_counts(mobile, floor)
    for wp in _workplaces(counts):
        verdict = policy.org7_mobile_gathering(
            mobile_members=counts[wp["pk"]],
            has_mobile_branch=wp["org_kind"] == OrgKind.MOBILE_BRANCH,
            th=resolver.for_path(wp["region_path"]),
        )
        if verdict:
            yield _candidate(
                verdict,
                _stub(Workplace, wp),
                region_id=wp["region_id"],
                organization_id=wp["organization_id"],
            )
