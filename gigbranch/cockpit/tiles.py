"""The cockpit's tiles: one registration per number on the county's picture.

A tile is a headline figure (`core.figures.Figure`, declared by its domain app next to its
queries) placed in a section of the cockpit, optionally as a share of another figure (a
rate). The tile's number, the list it links to and the upward statistics API all count
through the figure's one query, narrowed to a region by the same lookup, so they cannot
disagree (ADR 0029, 0054). A module that does not exist has no tile: nothing is faked.

Adding a tile for a new module is one `Tile(...)` in `TILES` (or `register(...)` from the
module's own code) with a figure whose list page accepts `?figure=` and `?within=`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from gigbranch.accounts.roles import has_capability
from gigbranch.appeals import queries as appeal_queries
from gigbranch.core.figures import Figure
from gigbranch.members import queries as member_queries
from gigbranch.organizations import queries as org_queries
from gigbranch.stations import queries as station_queries

# Sections in display order (message ids, translated in the template).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("network", gettext_noop("组织网络")),
    ("coverage", gettext_noop("组织覆盖与工作覆盖")),
    ("people", gettext_noop("劳动者与党员")),
    ("services", gettext_noop("服务阵地")),
    ("appeals", gettext_noop("诉求办理")),
)


@dataclass(frozen=True)
class Tile:
    figure: Figure
    section: str
    # Shown as a share of this figure (e.g. covered workplaces of all workplaces).
    share_of: Figure | None = None

    @property
    def key(self) -> str:
        return self.figure.key


@dataclass(frozen=True)
class TileValue:
    tile: Tile
    value: int
    whole: int | None  # the share_of figure's value, when the tile is a rate
    url: str

    @property
    def figure(self) -> Figure:
        return self.tile.figure

    @property
    def rate(self) -> float | None:
        if self.whole is None or not self.whole:
            return None
        return round(100.0 * self.value / self.whole, 1)

    def as_dict(self) -> dict[str, Any]:
        f = self.figure
        out = {
            "key": f.key,
            "label": f.label,
            "unit": f.unit,
            "definition": f.definition,
            "section": self.tile.section,
            "value": self.value,
            "list_url": self.url,
        }
        if self.tile.share_of is not None:
            out["share_of"] = self.tile.share_of.key
            out["rate"] = self.rate
        return out


_W = org_queries.WORKPLACE_FIGURES
TILES: list[Tile] = [
    Tile(org_queries.ORGANIZATION_FIGURES["party_organizations"], "network"),
    Tile(org_queries.ORGANIZATION_FIGURES["party_branches"], "network"),
    Tile(_W["workplaces"], "coverage"),
    Tile(_W["org_covered_workplaces"], "coverage", share_of=_W["workplaces"]),
    Tile(_W["work_covered_workplaces"], "coverage", share_of=_W["workplaces"]),
    Tile(_W["uncovered_workplaces"], "coverage", share_of=_W["workplaces"]),
    Tile(member_queries.WORKER_FIGURES["active_workers"], "people"),
    Tile(member_queries.MEMBER_FIGURES["full_members"], "people"),
    Tile(member_queries.MEMBER_FIGURES["probationary_members"], "people"),
    Tile(member_queries.MEMBER_FIGURES["inflow_mobile_members"], "people"),
    Tile(station_queries.STATION_FIGURES["active_stations"], "services"),
    Tile(appeal_queries.APPEAL_FIGURES["open_appeals"], "appeals"),
    Tile(appeal_queries.APPEAL_FIGURES["overdue_appeals"], "appeals"),
]


def register(tile: Tile) -> None:
    """Add a module's tile (once; a second registration of the same figure is ignored)."""
    if all(t.key != tile.key for t in TILES):
        TILES.append(tile)


def tile_figures() -> list[Figure]:
    return [t.figure for t in TILES]


def tile_values(user: Any, region_path: str | None, region_pk: int | None) -> list[TileValue]:
    """The tiles the user may see (by capability; a module the user may not see is absent,
    not zero), counted in their scope and, when drilled down, inside the region."""
    counts: dict[str, int] = {}

    def count(figure: Figure) -> int:
        if figure.key not in counts:
            counts[figure.key] = figure.count_within(user, region_path)
        return counts[figure.key]

    out = []
    for tile in TILES:
        if not has_capability(user, tile.figure.capability):
            continue
        whole = count(tile.share_of) if tile.share_of is not None else None
        out.append(
            TileValue(
                tile=tile,
                value=count(tile.figure),
                whole=whole,
                url=tile.figure.url_within(region_pk),
            )
        )
    return out
