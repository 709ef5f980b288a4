"""The people counts the network asks for (organizations.headcounts.PeopleCounts),
registered when this app is ready. Definitions are the people domain's own: the headline
figure's 正式党员 (queries.FULL_MEMBER_Q) and the ORG rules' members in standing."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from gigbranch.organizations import headcounts

from .models import MemberKind, MemberStatus, PartyMember, Worker

IN_STANDING = (MemberStatus.NORMAL, MemberStatus.LOST_CONTACT)
# The ORG rule checks (ORG-1 …) count full members in normal standing.
FULL_IN_NORMAL_STANDING = Q(kind=MemberKind.FULL, status=MemberStatus.NORMAL)


class PeopleCounts:
    in_standing_statuses: tuple[str, ...] = tuple(str(s) for s in IN_STANDING)
    full_kind: str = str(MemberKind.FULL)

    def full_member_q(self) -> Any:
        from .queries import FULL_MEMBER_Q

        return FULL_MEMBER_Q

    def full_members_by_workplace(self, workplace_ids: list[int] | None) -> dict[int, int]:
        from .queries import FULL_MEMBER_Q

        qs = PartyMember.objects.filter(FULL_MEMBER_Q, worker__workplace__isnull=False)
        if workplace_ids is not None:
            qs = qs.filter(worker__workplace_id__in=workplace_ids)
        return dict(
            qs.order_by()
            .values_list("worker__workplace_id")
            .annotate(n=Count("id"))
            .values_list("worker__workplace_id", "n")
        )

    def workers_by_workplace(self, workplace_ids: list[int] | None) -> dict[int, int]:
        # Grouped on the worker table's workplace index (grouping the workplaces joined to
        # their workers sorts every workplace row: 1.1 s of a 4.3 s ledger export at
        # county scale, issue 17).
        qs = Worker.objects.filter(workplace__isnull=False)
        if workplace_ids is not None:
            qs = qs.filter(workplace_id__in=workplace_ids)
        return dict(
            qs.order_by()
            .values_list("workplace_id")
            .annotate(n=Count("id"))
            .values_list("workplace_id", "n")
        )

    def full_members_visible_to(self, user: Any) -> QuerySet[Any]:
        from .queries import full_members

        return full_members(user)

    def full_in_normal_standing(self) -> QuerySet[Any]:
        return PartyMember.objects.filter(FULL_IN_NORMAL_STANDING)

    def full_in_normal_standing_q(self) -> Any:
        return FULL_IN_NORMAL_STANDING

    def all_members(self) -> QuerySet[Any]:
        return PartyMember.objects.all()

    def in_standing(self) -> QuerySet[Any]:
        return PartyMember.objects.filter(status__in=IN_STANDING)

    def mobile_in_standing(self) -> QuerySet[Any]:
        return PartyMember.objects.filter(organization__isnull=True, status__in=IN_STANDING)


headcounts.register(PeopleCounts())
