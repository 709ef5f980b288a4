"""ORG rule checkers (rules.md ORG-1 … ORG-8), registered for `recompute_findings()`.

Each checker reads the data with a few aggregate queries, applies the pure functions in
`policy.py` with the jurisdiction's thresholds and yields candidates. Findings carry the
object's region and organisation so both scope axes (行业条线 and 属地) see them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone

from gigbranch.core.findings import Candidate, checker
from gigbranch.members.models import MemberKind, MemberStatus, PartyMember

from . import policy
from .models import BRANCH_KINDS, CoverageMode, Organization, OrgKind, Workplace
from .queries import IN_STANDING, ThresholdResolver

STANDING_Q = Q(members__status__in=IN_STANDING)
FULL_MEMBER_Q = Q(members__kind=MemberKind.FULL, members__status=MemberStatus.NORMAL)


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


@checker("ORG-1", title="应建未建：正式党员3人以上的单位应单独建立党支部")
def check_should_build() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    floor = resolver.minimum("branch_min_full_members")
    rows = (
        Workplace.objects.exclude(coverage_mode=CoverageMode.OWN_BRANCH)
        .annotate(
            full=Count(
                "workers__party_member",
                filter=Q(
                    workers__party_member__kind=MemberKind.FULL,
                    workers__party_member__status=MemberStatus.NORMAL,
                ),
            )
        )
        .filter(full__gte=floor)
        .select_related("region")
        .order_by("pk")
    )
    for wp in rows:
        th = resolver.for_path(wp.region.path)
        verdict = policy.org1_should_build(
            full_members=wp.full, coverage_mode=wp.coverage_mode, th=th
        )
        if verdict:
            yield _candidate(
                verdict, wp, region_id=wp.region_id, organization_id=wp.organization_id
            )


@checker("ORG-2", title="联合党支部覆盖单位一般不超过5个")
def check_joint_units() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    rows = (
        Organization.objects.filter(kind=OrgKind.JOINT_BRANCH)
        .annotate(
            units=Count("workplaces", filter=Q(workplaces__coverage_mode=CoverageMode.JOINT_BRANCH))
        )
        .filter(units__gt=resolver.minimum("joint_branch_max_units"))
        .select_related("region")
    )
    for org in rows:
        verdict = policy.org2_joint_units(units=org.units, th=resolver.for_path(org.region.path))
        if verdict:
            yield _candidate(verdict, org, region_id=org.region_id, organization_id=org.pk)


def _branches_with_counts():  # type: ignore[no-untyped-def]
    return (
        Organization.objects.filter(kind__in=BRANCH_KINDS)
        .annotate(
            n_members=Count("members", filter=STANDING_Q, distinct=True),
            n_full=Count("members", filter=FULL_MEMBER_Q, distinct=True),
            n_committee=Count("committee", distinct=True),
        )
        .select_related("region")
        .order_by("pk")
    )


@checker("ORG-3", "ORG-4", "ORG-8", title="党支部规模、支部委员会和书记")
def check_branches() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    for org in _branches_with_counts():
        th = resolver.for_path(org.region.path)
        committee_size = org.n_committee + (1 if org.has_secretary else 0)
        for verdict in (
            policy.org3_branch_size(members=org.n_members, th=th),
            policy.org4_committee(full_members=org.n_full, committee_size=committee_size, th=th),
            policy.org8_secretary(has_secretary=org.has_secretary),
        ):
            if verdict:
                yield _candidate(verdict, org, region_id=org.region_id, organization_id=org.pk)


@checker("ORG-5", title="党组织任期届满提醒")
def check_terms() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    today = timezone.localdate()
    kinds = policy.COMMITTEE_TERM_KINDS | policy.BRANCH_TERM_KINDS
    for org in Organization.objects.filter(kind__in=kinds).select_related("region").order_by("pk"):
        verdict = policy.org5_term(
            kind=org.kind,
            term_start=org.term_start,
            term_years=org.term_years,
            today=today,
            th=resolver.for_path(org.region.path),
        )
        if verdict:
            yield _candidate(verdict, org, region_id=org.region_id, organization_id=org.pk)


@checker("ORG-6", title="党总支、基层党委的设置人数")
def check_general_branches() -> Iterable[Candidate]:
    from .queries import _count_subquery

    resolver = ThresholdResolver()
    members = PartyMember.objects.filter(status__in=IN_STANDING)
    rows = (
        Organization.objects.filter(kind=OrgKind.GENERAL_BRANCH)
        .annotate(n_members=_count_subquery(members, "organization__path"))
        .select_related("region")
        .order_by("pk")
    )
    for org in rows:
        verdict = policy.org6_general_branch(
            members=org.n_members, th=resolver.for_path(org.region.path)
        )
        if verdict:
            yield _candidate(verdict, org, region_id=org.region_id, organization_id=org.pk)


@checker("ORG-7", title="流动党员聚集处可建立流动党员党支部")
def check_mobile_gathering() -> Iterable[Candidate]:
    resolver = ThresholdResolver()
    floor = resolver.minimum("mobile_gathering_min_members")
    rows = (
        Workplace.objects.annotate(
            mobile=Count(
                "workers__party_member",
                filter=Q(
                    workers__party_member__organization__isnull=True,
                    workers__party_member__status__in=IN_STANDING,
                ),
            )
        )
        .filter(mobile__gte=floor)
        .select_related("region", "organization")
        .order_by("pk")
    )
    for wp in rows:
        has_mobile_branch = (
            wp.organization is not None and wp.organization.kind == OrgKind.MOBILE_BRANCH
        )
        verdict = policy.org7_mobile_gathering(
            mobile_members=wp.mobile,
            has_mobile_branch=has_mobile_branch,
            th=resolver.for_path(wp.region.path),
        )
        if verdict:
            yield _candidate(
                verdict, wp, region_id=wp.region_id, organization_id=wp.organization_id
            )
