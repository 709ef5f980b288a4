"""Headline figures: one definition per counted quantity.

A `Figure` names what it counts (the label is part of the definition, so a number reads
the same on every page), the query that counts it and the list page behind it. Each
domain app declares its figures next to their queries (`<app>/queries.py`, `FIGURES`);
the home page, the list pages (`?figure=<key>`) and the API (`/api/v1/overview` and the
lists' `figure` parameter) all count through the same function, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from gigbranch.accounts.roles import has_capability


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # what is counted, e.g. "在岗劳动者" (never a bare "劳动者")
    unit: str  # 个 / 家 / 人 / 件
    definition: str  # one sentence: what is included and what is not
    capability: str  # needed to see the figure (the list page needs the same)
    url_name: str  # the list page behind the figure
    queryset: Callable[[Any], QuerySet[Any]]  # the rows counted, scoped to the user
    api_path: str = ""  # the API list behind the figure, under /api/v1/ (takes ?figure=)

    def rows(self, user: Any) -> QuerySet[Any]:
        return self.queryset(user)

    def count(self, user: Any) -> int:
        return self.queryset(user).count()

    @property
    def url(self) -> str:
        return f"{reverse(self.url_name)}?figure={self.key}"

    def url_within(self, region_pk: int | None) -> str:
        """The list behind the figure, narrowed to a region's subtree (a drill-down)."""
        return f"{self.url}&within={region_pk}" if region_pk else self.url

    def rows_within(self, user: Any, region_path: str | None) -> QuerySet[Any]:
        return narrowed(self.queryset(user), region_path)

    def count_within(self, user: Any, region_path: str | None) -> int:
        return self.rows_within(user, region_path).count()

    @property
    def api_url(self) -> str:
        return f"/api/v1/{self.api_path}?figure={self.key}" if self.api_path else ""


def narrowed(qs: QuerySet[Any], region_path: str | None) -> QuerySet[Any]:
    """`qs` limited to the records in a region's subtree (属地), through the lookup the
    model's scope already declares (`scope_spec.region_path`): a drill-down from the
    county to a township narrows every figure and its list the same way."""
    if not region_path:
        return qs
    lookup = qs.scope_spec.region_path  # type: ignore[attr-defined]
    return qs.filter(**{f"{lookup}__startswith": region_path})


def index(figures: Iterable[Figure]) -> dict[str, Figure]:
    return {f.key: f for f in figures}


def chosen(figures: Mapping[str, Figure], key: str | None) -> Figure | None:
    """The figure a list page or API list was asked to show (`?figure=`); an unknown key
    is ignored (the list shows its usual rows) rather than an error."""
    return figures.get((key or "").strip())


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    value: int

    def as_dict(self) -> dict[str, Any]:
        f = self.figure
        return {
            "key": f.key,
            "label": f.label,
            "unit": f.unit,
            "definition": f.definition,
            "value": self.value,
            "list_url": f.url,
            "api_list_url": f.api_url,
        }


def counted(figures: Iterable[Figure], user: Any) -> list[FigureValue]:
    """The figures `user` may see (by capability), counted in their scope."""
    return [FigureValue(f, f.count(user)) for f in figures if has_capability(user, f.capability)]
