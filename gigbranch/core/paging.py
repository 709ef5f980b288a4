"""A pager for long lists that does not count every row on every page.

Django's Paginator runs an exact COUNT(*) over the whole filtered list for each page it
shows; on a city's 75,000 appeals that count cost more than the page itself. Here the
count stops `ahead` pages past the requested one: below that the figure is exact, above
it the pager knows only "at least this many" and says so (`count_is_floor`; the template
shows "余" after the figure). Every page stays reachable: the limit moves with the page.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    def __init__(self, object_list: QuerySet[Any], per_page: int, *, page: Any, ahead: int = 40):
        super().__init__(object_list, per_page)
        self.queryset = object_list
        try:
            requested = max(1, int(page))
        except (TypeError, ValueError):
            requested = 1
        # Rows up to the end of `ahead` pages after the requested one; one more tells
        # whether there are more than that.
        self.limit = (requested + max(1, ahead)) * per_page
        self.count_is_floor = False

    @cached_property
    def count(self) -> int:
        seen = self.queryset.order_by().values("pk")[: self.limit + 1].count()
        if seen > self.limit:
            self.count_is_floor = True
            return self.limit
        return seen
