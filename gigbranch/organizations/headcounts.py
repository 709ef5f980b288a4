"""The people counts the network needs, through a narrow interface (ADR 0049).

The network (organisations, workplaces) does not import the people domain: people point at
the network, not the reverse. Coverage figures and the ORG rules still need to count
workers and Party members by workplace and by organisation, so the people domain supplies
these counts by registering a `PeopleCounts` when it is ready (members.headcounts); the
network asks `people()`. The querysets it hands over are only filtered by the network's
own relations (`worker__workplace`, `organization__path`) and counted.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import QuerySet


class PeopleCounts(Protocol):
    #: Member statuses that count as "in standing" (normal, lost contact).
    in_standing_statuses: tuple[str, ...]
    #: The kind of a full (正式) member, as opposed to a probationary one.
    full_kind: str

    def full_member_q(self) -> Any:
        """The headline figure's 正式党员, as a Q over Party member records."""
        ...

    def full_members_by_workplace(self, workplace_ids: list[int] | None) -> dict[int, int]:
        """正式党员 per workplace, as the headline figure counts them."""
        ...

    def workers_by_workplace(self, workplace_ids: list[int] | None) -> dict[int, int]:
        """Registered workers per workplace."""
        ...

    def full_members_visible_to(self, user: Any) -> QuerySet[Any]:
        """The headline figure's full members that `user` may see."""
        ...

    def full_in_normal_standing(self) -> QuerySet[Any]:
        """Full members in normal standing (what the ORG rules count as 正式党员)."""
        ...

    def all_members(self) -> QuerySet[Any]:
        """Every Party member record (to count per organisation with the Qs above)."""
        ...

    def in_standing(self) -> QuerySet[Any]:
        """Members in standing (normal or lost contact)."""
        ...

    def full_in_normal_standing_q(self) -> Any:
        """The Q of `full_in_normal_standing`, for a filtered Count over members."""
        ...

    def mobile_in_standing(self) -> QuerySet[Any]:
        """Members in standing with no organisation (mobile members to gather)."""
        ...


_provider: PeopleCounts | None = None


def register(provider: PeopleCounts) -> None:
    global _provider
    _provider = provider


def people() -> PeopleCounts:
    if _provider is None:
        raise LookupError("no PeopleCounts registered (members app not ready?)")
    return _provider
