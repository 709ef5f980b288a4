"""Read-only aggregates for the console (scoped to the user): the home page's headline
figures and the to-do list. Every number comes from a figure defined in its domain app
(core.figures), so the home page, the list behind each number and the API agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gigbranch.accounts.roles import has_capability
from gigbranch.appeals import queries as appeal_queries
from gigbranch.core.figures import Figure, FigureValue, counted
from gigbranch.members import queries as member_queries
from gigbranch.organizations import queries as org_queries
from gigbranch.stations import queries as station_queries

# The home page's figures, in display order.
HOME_FIGURES: tuple[Figure, ...] = (
    org_queries.ORGANIZATION_FIGURES["party_organizations"],
    org_queries.ORGANIZATION_FIGURES["party_branches"],
    org_queries.WORKPLACE_FIGURES["workplaces"],
    org_queries.WORKPLACE_FIGURES["org_covered_workplaces"],
    member_queries.WORKER_FIGURES["active_workers"],
    member_queries.MEMBER_FIGURES["full_members"],
    member_queries.MEMBER_FIGURES["probationary_members"],
    member_queries.MEMBER_FIGURES["inflow_mobile_members"],
    station_queries.STATION_FIGURES["active_stations"],
    appeal_queries.APPEAL_FIGURES["open_appeals"],
)


def home_figures(user: Any) -> list[FigureValue]:
    """The headline figures the user may see (by capability), counted in their scope."""
    return counted(HOME_FIGURES, user)


# --- To-do -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToDoSource:
    """One section of a to-do list: the rows come from a query function of the domain app
    (a figure, so "show all" opens the list with exactly these rows). `applies` says whose
    to-do list carries the section; `deadline` names the row's deadline field and label.
    Joint-meeting tasks will add their own sources here."""

    figure: Figure
    applies: Callable[[Any], bool]
    deadline_field: str
    deadline_label: str
    detail_url_name: str
    related: tuple[str, ...] = ()


@dataclass
class ToDoSection:
    source: ToDoSource
    rows: list[Any]
    total: int
    now: dt.datetime

    @property
    def figure(self) -> Figure:
        return self.source.figure

    @property
    def items(self) -> list[dict[str, Any]]:
        out = []
        for row in self.rows:
            due = getattr(row, self.source.deadline_field)
            out.append({"row": row, "due": due, "late": due is not None and due < self.now})
        return out


def _department_handler(user: Any) -> bool:
    return bool(getattr(user, "department_id", None)) and has_capability(user, "appeals.handle")


TO_DO_SOURCES: tuple[ToDoSource, ...] = (
    ToDoSource(
        figure=appeal_queries.APPEAL_FIGURES["overdue_appeals"],
        applies=_department_handler,
        deadline_field="reply_due_at",
        deadline_label="答复时限",
        detail_url_name="appeals:detail",
        related=("category", "region"),
    ),
    ToDoSource(
        figure=appeal_queries.APPEAL_FIGURES["appeals_to_accept"],
        applies=_department_handler,
        deadline_field="accept_due_at",
        deadline_label="受理时限",
        detail_url_name="appeals:detail",
        related=("category", "region"),
    ),
    ToDoSource(
        figure=appeal_queries.APPEAL_FIGURES["appeals_due_soon"],
        applies=_department_handler,
        deadline_field="reply_due_at",
        deadline_label="答复时限",
        detail_url_name="appeals:detail",
        related=("category", "region"),
    ),
)

TO_DO_ROWS = 10  # rows shown per section; the rest through the section's list link


def to_do_sections(user: Any, limit: int = TO_DO_ROWS) -> list[ToDoSection]:
    """The user's to-do list: one section per applicable source, even when empty (an empty
    section says there is nothing to do, which is worth knowing)."""
    now = timezone.now()
    sections = []
    for source in TO_DO_SOURCES:
        if not source.applies(user):
            continue
        qs: QuerySet[Any] = source.figure.rows(user)
        rows = list(qs.select_related(*source.related)[:limit])
        total = len(rows) if len(rows) < limit else qs.count()
        sections.append(ToDoSection(source=source, rows=rows, total=total, now=now))
    return sections
