"""Multi-model reads for the network: rule-sets, member counts, subtree counts, coverage.

Subtree aggregates use the materialised path only: either `path LIKE prefix%` (correlated
per displayed node) or GROUP BY SUBSTR(path, 1, n) to fold a whole level in one query.
No recursion and no query per node in Python (issue 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from gigbranch.core.figures import Figure, index

from .headcounts import people
from .models import (
    PATH_STEP,
    CoverageMode,
    Organization,
    OrgKind,
    OrgRuleSet,
    Region,
    Workplace,
)
from .policy import DEFAULT_THRESHOLDS, Thresholds

# Member statuses in standing (the people domain's, members.headcounts; a test checks the
# two agree). Pages and ledgers count 正式党员 as the headline figure does
# (members.queries.FULL_MEMBER_Q), through headcounts.people().
IN_STANDING = ("normal", "lost_contact")


# --- Rule-sets --------------------------------------------------------------------------


class ThresholdResolver:
    """Loads every rule-set once; `for_path(region_path)` picks the nearest one."""

    def __init__(self) -> None:
        self.default = DEFAULT_THRESHOLDS
        self.by_path: list[tuple[str, Thresholds]] = []
        names = Thresholds.field_names()
        for rs in OrgRuleSet.objects.select_related("region"):
            th = Thresholds(**{n: getattr(rs, n) for n in names})
            if rs.region_id is None:
                self.default = th
            else:
                self.by_path.append((rs.region.path, th))  # type: ignore[union-attr]
        self.by_path.sort(key=lambda item: len(item[0]), reverse=True)

    def for_path(self, region_path: str | None) -> Thresholds:
        if region_path:
            for prefix, th in self.by_path:
                if region_path.startswith(prefix):
                    return th
        return self.default

    def minimum(self, name: str) -> int:
        return min([getattr(self.default, name)] + [getattr(th, name) for _, th in self.by_path])


def thresholds_for(region: Region | None) -> Thresholds:
    return ThresholdResolver().for_path(region.path if region else None)


# --- Transfer-letter validity (MOB-3) ---------------------------------------------------


@dataclass(frozen=True)
class LetterValidity:
    """How long a transfer letter issued by an organisation is valid, and whose setting
    that is: the organisation's own or its nearest ancestor's; `source` None is the
    system default (settings.MEMBERS_TRANSFER_LETTER_DAYS)."""

    days: int
    source: Organization | None

    @property
    def source_label(self) -> str:
        return f"{self.source.name}设置" if self.source is not None else "系统默认"


def default_letter_days() -> int:
    return int(getattr(settings, "MEMBERS_TRANSFER_LETTER_DAYS", 90))


def _ancestor_ids(path: str) -> list[int]:
    return [int(step) for step in path.split(".") if step]


def transfer_letter_validities(orgs: Iterable[Organization]) -> dict[int, LetterValidity]:
    """MOB-3 validity for each organisation (by pk), inherited down the line of leadership:
    the nearest organisation on its materialised path with its own value wins. One query
    for any number of organisations. This is configuration, read without a scope filter:
    an ancestor outside the reader's scope still sets the rule its subtree follows."""
    orgs = list(orgs)
    wanted = {pk for org in orgs for pk in _ancestor_ids(org.path)}
    setters = {
        o.pk: o
        for o in Organization.objects.filter(
            pk__in=wanted, transfer_letter_days__isnull=False
        ).only("pk", "name", "path", "transfer_letter_days")
    }
    default = LetterValidity(default_letter_days(), None)
    out: dict[int, LetterValidity] = {}
    for org in orgs:
        out[org.pk] = default
        for pk in reversed(_ancestor_ids(org.path)):  # nearest first
            if pk in setters:
                setter = setters[pk]
                out[org.pk] = LetterValidity(int(setter.transfer_letter_days or 0), setter)
                break
    return out


def transfer_letter_validity(org: Organization | None) -> LetterValidity:
    """MOB-3 validity of a letter issued by `org`; None (a sender outside the county) gets
    the system default."""
    if org is None:
        return LetterValidity(default_letter_days(), None)
    return transfer_letter_validities([org])[org.pk]


# --- Counts -----------------------------------------------------------------------------


def full_members_by_workplace(workplace_ids: list[int] | None = None) -> dict[int, int]:
    """正式党员 per workplace, as the headline figure counts them (the people domain's)."""
    return people().full_members_by_workplace(workplace_ids)


def workers_by_workplace(workplace_ids: list[int] | None = None) -> dict[int, int]:
    """Registered workers per workplace (the people domain's count)."""
    return people().workers_by_workplace(workplace_ids)


def _count_subquery(qs: QuerySet[Any], outer_lookup: str, expr: Any = None) -> Subquery:
    """Correlated COUNT (or SUM) over `qs` whose `outer_lookup` starts with OuterRef('path')."""
    inner = qs.filter(**{f"{outer_lookup}__startswith": OuterRef("path")}).order_by()
    inner = inner.annotate(_one=Value(1)).values("_one")
    inner = inner.annotate(total=expr if expr is not None else Count("pk")).values("total")
    return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))  # type: ignore[return-value]


def annotate_subtree_counts(nodes: QuerySet[Organization], user: Any) -> QuerySet[Organization]:
    """Per node: party organisations, workplaces, workers (reported) and full members in its
    subtree, counting only what `user` may see. One SQL statement for any number of nodes.
    Full members are the headline figure's (headcounts.people(), the members'
    own scope), so a root's count equals the home page's 正式党员 for an organisation line."""
    orgs = Organization.objects.visible_to(user)
    wps = Workplace.objects.visible_to(user)
    members = people().full_members_visible_to(user)
    return nodes.annotate(
        # 党组织 as the headline figure counts them (no party groups), the node included.
        n_orgs=_count_subquery(party_organizations(user), "path"),
        n_workplaces=_count_subquery(wps, "organization__path"),
        n_workers=_count_subquery(wps, "organization__path", Sum("reported_worker_count")),
        n_full_members=_count_subquery(members, "organization__path"),
        n_children=Coalesce(
            Subquery(
                orgs.filter(parent=OuterRef("pk"))
                .order_by()
                .annotate(_one=Value(1))
                .values("_one")
                .annotate(total=Count("pk"))
                .values("total"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
    )


def tree_roots(user: Any) -> QuerySet[Organization]:
    """The visible organisations whose parent is not visible (the tops of the user's forest)."""
    visible = Organization.objects.visible_to(user)
    return visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))


# --- Coverage ---------------------------------------------------------------------------

ORG_COVERED = (CoverageMode.OWN_BRANCH, CoverageMode.JOINT_BRANCH)
WORK_COVERED = (CoverageMode.OWN_BRANCH, CoverageMode.JOINT_BRANCH, CoverageMode.INSTRUCTOR)


# --- Headline figures (core.figures): one definition each ---------------------------------


def party_organizations(user: Any) -> QuerySet[Organization]:
    """党组织: every organisation in the user's scope except party groups (党小组 are a
    division inside a branch, not an organisation of their own)."""
    return Organization.objects.visible_to(user).exclude(kind=OrgKind.PARTY_GROUP)


def party_branches(user: Any) -> QuerySet[Organization]:
    """党支部: branches, joint branches and mobile members' branches in scope; general
    branches (党总支) and committees are not branches."""
    return Organization.objects.visible_to(user).branches()


def workplaces_in_scope(user: Any) -> QuerySet[Workplace]:
    """新业态企业/站点 in the user's scope, covered or not."""
    return Workplace.objects.visible_to(user)


def org_covered_workplaces(user: Any) -> QuerySet[Workplace]:
    """组织覆盖的企业/站点: covered by their own branch or a joint branch (the numerator of
    the organisational coverage rate on the coverage page)."""
    return Workplace.objects.visible_to(user).filter(coverage_mode__in=ORG_COVERED)


def work_covered_workplaces(user: Any) -> QuerySet[Workplace]:
    """工作覆盖的企业/站点: covered by a branch, a joint branch or a party-building
    instructor (the numerator of the work coverage rate)."""
    return Workplace.objects.visible_to(user).filter(coverage_mode__in=WORK_COVERED)


def uncovered_workplaces(user: Any) -> QuerySet[Workplace]:
    """尚未覆盖的企业/站点: neither a Party organisation nor an instructor (the gaps)."""
    return Workplace.objects.visible_to(user).filter(coverage_mode=CoverageMode.NONE)


def drill_region(user: Any, raw: str | None) -> Region | None:
    """`?within=<region id>` on a list or the cockpit: one of the user's visible regions,
    None when absent; an id outside the user's view (or not an id) is a 404."""
    from django.http import Http404

    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isdecimal() and raw.isascii() and len(raw) <= 18):
        raise Http404
    region = visible_regions(user).filter(pk=int(raw)).first()
    if region is None:
        raise Http404
    return region


ORGANIZATION_FIGURES = index(
    [
        Figure(
            key="party_organizations",
            label="党组织",
            unit="个",
            definition="各级党委（党工委）、党总支、党支部，不含党小组。",
            capability="org.view",
            url_name="organizations:tree",
            api_path="organizations",
            queryset=party_organizations,
        ),
        Figure(
            key="party_branches",
            label="党支部",
            unit="个",
            definition="党支部、联合党支部、流动党员党支部，不含党总支和党委。",
            capability="org.view",
            url_name="organizations:tree",
            api_path="organizations",
            queryset=party_branches,
        ),
    ]
)

WORKPLACE_FIGURES = index(
    [
        Figure(
            key="workplaces",
            label="新业态企业/站点",
            unit="家",
            definition="登记的新业态企业和站点，无论是否已覆盖。",
            capability="org.view",
            url_name="organizations:workplaces",
            api_path="workplaces",
            queryset=workplaces_in_scope,
        ),
        Figure(
            key="org_covered_workplaces",
            label="已组织覆盖的企业/站点",
            unit="家",
            definition="单独建立党组织或由联合党支部覆盖的企业/站点（组织覆盖），不含仅由党建工作指导员覆盖的。",
            capability="org.view",
            url_name="organizations:workplaces",
            api_path="workplaces",
            queryset=org_covered_workplaces,
        ),
        Figure(
            key="work_covered_workplaces",
            label="已工作覆盖的企业/站点",
            unit="家",
            definition="单独建立党组织、由联合党支部覆盖或选派党建工作指导员的企业/站点（工作覆盖）。",
            capability="org.view",
            url_name="organizations:workplaces",
            api_path="workplaces",
            queryset=work_covered_workplaces,
        ),
        Figure(
            key="uncovered_workplaces",
            label="尚未覆盖的企业/站点",
            unit="家",
            definition="既未建立或纳入党组织、也未选派党建工作指导员的企业/站点。",
            capability="org.view",
            url_name="organizations:workplaces",
            api_path="workplaces",
            queryset=uncovered_workplaces,
        ),
    ]
)


def visible_regions(user: Any) -> QuerySet[Region]:
    """The regions a user may look at (and see the names of).

    A region scope (属地): its subtree. An organisation scope (industry line, branch)
    reaches its organisations and workplaces wherever they are: the regions holding any of
    them, and those regions' ancestors (the way down to them from the top)."""
    if user.scope_region_id:
        return Region.objects.visible_to(user)
    paths = set(
        Organization.objects.visible_to(user)
        .filter(region__isnull=False)
        .order_by()
        .values_list("region__path", flat=True)
        .distinct()
    ) | set(
        Workplace.objects.visible_to(user)
        .order_by()
        .values_list("region__path", flat=True)
        .distinct()
    )
    prefixes = {path[:end] for path in paths for end in range(PATH_STEP, len(path) + 1, PATH_STEP)}
    return Region.objects.filter(path__in=prefixes)


def add_worker_counts(workplaces: Iterable[Workplace]) -> None:
    """Set `worker_count` (registered workers) on each of a page of workplaces, in one
    query over that page only: counting in the list query groups every workplace in scope
    before the page is cut (issue 17: 3.3 s cold at county scale)."""
    workplaces = list(workplaces)
    counts = workers_by_workplace([w.pk for w in workplaces])
    for w in workplaces:
        w.worker_count = counts.get(w.pk, 0)  # type: ignore[attr-defined]
