"""Exact k-nearest stations on SQLite and PostgreSQL without a spatial extension.

Algorithm (measured in bench/stations.py): query the composite (latitude, longitude)
index with a bounding box that contains the circle of radius r around the point
(`rules.bounding_box`), compute exact haversine distances in Python for the candidates,
and keep those within r. Every station farther than r lies outside the circle, so when at
least k candidates lie within r, the k nearest of them are the k nearest overall. If not,
r doubles and the query repeats; once the box covers the whole globe the answer is exact
trivially. An optional predicate (e.g. "open now") is applied in distance order inside the
same guarantee.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from .rules import EARTH_RADIUS_KM, bounding_box, haversine_km

START_RADIUS_KM = 2.0
MAX_RADIUS_KM = 3.2 * EARTH_RADIUS_KM  # beyond half the circumference: covers the globe
EPS_DEG = 1e-9  # float safety margin on the box edges


@dataclass(frozen=True)
class Hit:
    pk: int
    distance_km: float


def box_q(lat: float, lng: float, radius_km: float) -> Q:
    box = bounding_box(lat, lng, radius_km)
    q = Q(latitude__gte=box.min_lat - EPS_DEG, latitude__lte=box.max_lat + EPS_DEG)
    if box.lng_ranges:
        lng_q = Q()
        for lo, hi in box.lng_ranges:
            lng_q |= Q(longitude__gte=lo - EPS_DEG, longitude__lte=hi + EPS_DEG)
        q &= lng_q
    return q


def nearest(
    qs: QuerySet[Any],
    lat: float,
    lng: float,
    k: int = 10,
    *,
    predicate: Callable[[list[int]], set[int]] | None = None,
    start_radius_km: float = START_RADIUS_KM,
    max_radius_km: float = MAX_RADIUS_KM,
) -> list[Hit]:
    """The k stations of `qs` nearest to (lat, lng), exact, nearest first (ties by pk).

    `predicate` receives candidate pks (nearest first) and returns those that qualify;
    it is called on candidates within the current radius only. `max_radius_km` limits the
    search (a worker does not need a station 500 km away); the default covers the globe.
    """
    if k <= 0:
        return []
    radius = start_radius_km
    checked: dict[int, bool] = {}
    while True:
        radius = min(radius, max_radius_km)
        rows = qs.filter(box_q(lat, lng, radius)).values_list("pk", "latitude", "longitude")
        within = sorted(
            (d, pk) for pk, la, ln in rows if (d := haversine_km(lat, lng, la, ln)) <= radius
        )
        if predicate is not None:
            unknown = [pk for _d, pk in within if pk not in checked]
            if unknown:
                ok = predicate(unknown)
                checked.update({pk: pk in ok for pk in unknown})
            within = [(d, pk) for d, pk in within if checked[pk]]
        if len(within) >= k or radius >= max_radius_km:
            return [Hit(pk, d) for d, pk in within[:k]]
        # Grow to where k should be found if density were uniform (area ~ r²), with a
        # margin; ×4 when nothing was found. Correctness never depends on the guess.
        if within:
            radius *= min(8.0, max(1.5, 1.25 * math.sqrt(k / len(within))))
        else:
            radius *= 4


def brute_force(
    points: list[tuple[int, float, float]], lat: float, lng: float, k: int = 10
) -> list[Hit]:
    """Reference answer: haversine to every point (used by tests and the benchmark)."""
    scored = heapq.nsmallest(k, ((haversine_km(lat, lng, la, ln), pk) for pk, la, ln in points))
    return [Hit(pk, d) for d, pk in scored]
