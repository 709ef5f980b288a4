"""Maximum coverage location (PLAN-1): pure functions over plain data, no Django.

A demand point (a workplace, weighted by its workers; a station's check-ins; an appeal's
place) counts as served by a site when the great-circle distance between them is at most
the radius (PLAN-1, default 1.5 km per kind of site). Haversine on a sphere is an
approximation of travel distance: roads, rivers and gated parks make real trips longer.

- `cover_lists` says which demand points each site covers: a vectorised grid join (cells
  one radius wide, the site's cell and its eight neighbours), so at city scale (7,500
  points × 1,000 sites) only the nearby pairs get a haversine, not a 7.5-million-cell
  matrix (bench/planning.py measures both).
- `greedy` picks k sites by largest marginal gain with lazy evaluation (CELF): a site's
  gain can only shrink as others are chosen, so a stale gain is an upper bound and only
  the top of the heap is recomputed. The greedy answer is within 1 − 1/e (≈ 63 %) of the
  optimum in the worst case, and usually within a few per cent.
- `exact` solves the same problem as an integer programme with HiGHS (MIT licence), with
  a time limit; it tells whether the answer is proven optimal.

Pinned sites are always chosen (first, in the order given); excluded sites never. A demand
point within the radius of several sites counts once.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius, as stations/rules.py
DEFAULT_RADIUS_KM = 1.5  # PLAN-1
# A site may not be a point with this latitude or beyond (haversine bands need a cosine).
MAX_ABS_LAT = 89.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Points:
    """Demand points or sites: parallel arrays of latitude, longitude (degrees), weight."""

    lat: FloatArray
    lng: FloatArray
    weight: FloatArray

    @classmethod
    def of(
        cls,
        coords: Sequence[tuple[float, float]],
        weights: Sequence[float] | None = None,
    ) -> Points:
        lat = np.array([c[0] for c in coords], dtype=np.float64)
        lng = np.array([c[1] for c in coords], dtype=np.float64)
        w = np.ones(len(coords)) if weights is None else np.array(weights, dtype=np.float64)
        return cls(lat, lng, w)

    def __len__(self) -> int:
        return len(self.lat)


def haversine_km(lat1: float, lng1: float, lat2: FloatArray, lng2: FloatArray) -> FloatArray:
    """Great-circle distances (km) from one point to many, vectorised."""
    p1 = math.radians(lat1)
    p2 = np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def cover_lists(demand: Points, sites: Points, radius_km: float) -> list[IntArray]:
    """For each site, the indices (into `demand`, ascending) of the points within
    `radius_km`.

    A grid join, vectorised: cells at least one radius wide (longitude step widened for
    the highest latitude in the data), so a point within the radius lies in the site's
    cell or one of its eight neighbours. For each of the nine offsets every (site, point)
    pair in those cells is generated at once (`searchsorted` into the points sorted by
    cell), the haversine is computed on all pairs together, and the pairs within the
    radius are split per site. Regions crossing the ±180° meridian are not supported."""
    if radius_km <= 0:
        raise ValueError("radius must be positive")
    m = len(sites)
    if m == 0 or len(demand) == 0:
        return [np.empty(0, dtype=np.intp) for _ in range(m)]
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) * 1.001
    top = min(
        MAX_ABS_LAT,
        max(float(np.abs(demand.lat).max()), float(np.abs(sites.lat).max())) + dlat,
    )
    dlng = dlat / math.cos(math.radians(top))
    lat0 = min(float(demand.lat.min()), float(sites.lat.min())) - dlat
    lng0 = min(float(demand.lng.min()), float(sites.lng.min())) - dlng
    d_row = np.floor((demand.lat - lat0) / dlat).astype(np.int64)
    d_col = np.floor((demand.lng - lng0) / dlng).astype(np.int64)
    s_row = np.floor((sites.lat - lat0) / dlat).astype(np.int64)
    s_col = np.floor((sites.lng - lng0) / dlng).astype(np.int64)
    width = int(max(d_col.max(), s_col.max())) + 3
    key = d_row * width + d_col
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    site_parts, point_parts = [], []
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            cell = (s_row + a) * width + (s_col + b)
            lo = np.searchsorted(sorted_key, cell, side="left")
            hi = np.searchsorted(sorted_key, cell, side="right")
            count = hi - lo
            total = int(count.sum())
            if not total:
                continue
            site_idx = np.repeat(np.arange(m), count)
            starts = np.repeat(lo - (np.cumsum(count) - count), count)
            point_parts.append(order[starts + np.arange(total)])
            site_parts.append(site_idx)
    if not site_parts:
        return [np.empty(0, dtype=np.intp) for _ in range(m)]
    site_idx = np.concatenate(site_parts)
    point_idx = np.concatenate(point_parts)
    p1 = np.radians(sites.lat[site_idx])
    p2 = np.radians(demand.lat[point_idx])
    dl = np.radians(demand.lng[point_idx] - sites.lng[site_idx])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    within = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0))) <= radius_km
    site_idx, point_idx = site_idx[within], point_idx[within]
    by = np.lexsort((point_idx, site_idx))
    site_idx, point_idx = site_idx[by], point_idx[by].astype(np.intp)
    bounds = np.searchsorted(site_idx, np.arange(m + 1))
    return [point_idx[bounds[j] : bounds[j + 1]] for j in range(m)]


def cover_lists_brute(demand: Points, sites: Points, radius_km: float) -> list[IntArray]:
    """The same answer by one haversine per (site, point): the reference for tests and
    the benchmark's baseline."""
    return [
        np.nonzero(haversine_km(la, ln, demand.lat, demand.lng) <= radius_km)[0].astype(np.intp)
        for la, ln in zip(sites.lat.tolist(), sites.lng.tolist(), strict=True)
    ]


def served_mask(demand: Points, sites: Points, radius_km: float) -> npt.NDArray[np.bool_]:
    """Which demand points some site already serves (each counted once)."""
    mask = np.zeros(len(demand), dtype=bool)
    for idx in cover_lists(demand, sites, radius_km):
        mask[idx] = True
    return mask


@dataclass
class Solution:
    """Chosen sites (indices into the candidates, in the order chosen) and the weight each
    newly serves at its turn; `value` is their sum (demand already served not counted)."""

    chosen: list[int]
    gains: list[float]
    value: float
    seconds: float
    optimal: bool = False  # proven optimal (exact solver only)
    notes: list[str] = field(default_factory=list)


def _check_choice(
    n_candidates: int, k: int, pinned: Sequence[int], excluded: Sequence[int]
) -> tuple[list[int], set[int], int, list[str]]:
    if k < 0:
        raise ValueError("k must not be negative")
    notes: list[str] = []
    bad = [j for j in [*pinned, *excluded] if not 0 <= j < n_candidates]
    if bad:
        raise ValueError(f"candidate index out of range: {bad[0]}")
    pins = list(dict.fromkeys(pinned))
    banned = set(excluded)
    if banned & set(pins):
        raise ValueError("a candidate cannot be both pinned and excluded")
    if len(pins) > k:
        raise ValueError("more pinned candidates than sites asked for")
    available = n_candidates - len(banned)
    if k > available:
        notes.append("k_exceeds_candidates")
        k = available
    return pins, banned, k, notes


def greedy(
    weights: FloatArray,
    covers: Sequence[IntArray],
    k: int,
    *,
    pinned: Sequence[int] = (),
    excluded: Sequence[int] = (),
    already: npt.NDArray[np.bool_] | None = None,
) -> Solution:
    """Lazy greedy (CELF) maximum coverage. `already`: demand served before (no gain)."""
    started = time.perf_counter()
    pins, banned, k, notes = _check_choice(len(covers), k, pinned, excluded)
    covered = np.zeros(len(weights), dtype=bool) if already is None else already.copy()
    chosen: list[int] = []
    gains: list[float] = []

    def gain(j: int) -> float:
        idx = covers[j]
        return float(weights[idx][~covered[idx]].sum()) if len(idx) else 0.0

    def take(j: int, g: float) -> None:
        chosen.append(j)
        gains.append(g)
        covered[covers[j]] = True

    for j in pins:
        take(j, gain(j))
    taken = set(chosen)
    # Every candidate's first gain at once: one weighted bincount over all (site, point)
    # pairs instead of a numpy call per candidate.
    lengths = np.fromiter((len(c) for c in covers), dtype=np.intp, count=len(covers))
    first: FloatArray = np.zeros(len(covers))
    if lengths.sum():
        free = np.where(covered, 0.0, weights)
        first = np.bincount(
            np.repeat(np.arange(len(covers)), lengths),
            weights=free[np.concatenate(covers)],
            minlength=len(covers),
        ).astype(np.float64)
    heap = [(-float(first[j]), j) for j in range(len(covers)) if j not in banned and j not in taken]
    heapq.heapify(heap)
    while len(chosen) < k and heap:
        _neg, j = heapq.heappop(heap)
        fresh = gain(j)
        # Ties go to the lower index, so the answer does not depend on the heap's history.
        if not heap or (-fresh, j) <= heap[0]:
            take(j, fresh)
        else:
            heapq.heappush(heap, (-fresh, j))
    return Solution(
        chosen=chosen,
        gains=gains,
        value=float(sum(gains)),
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def exact(
    weights: FloatArray,
    covers: Sequence[IntArray],
    k: int,
    *,
    pinned: Sequence[int] = (),
    excluded: Sequence[int] = (),
    already: npt.NDArray[np.bool_] | None = None,
    time_limit: float = 20.0,
) -> Solution:
    """The optimum by integer programming (HiGHS):

        max Σ_g w_g·y_g  s.t.  y_g ≤ Σ_{j covers g} x_j,  Σ_j x_j ≤ k,  x_j ∈ {0,1},
        0 ≤ y_g ≤ 1,  x_j = 1 for pinned j, x_j = 0 for excluded j.

    Demand points covered by exactly the same candidates are merged into one group g
    (their weights added), which shrinks the model a lot. `optimal` is False when the
    time limit stopped the solver first (the best solution found is returned)."""
    import highspy

    started = time.perf_counter()
    pins, banned, k, notes = _check_choice(len(covers), k, pinned, excluded)
    served = np.zeros(len(weights), dtype=bool) if already is None else already
    live = [j for j in range(len(covers)) if j not in banned]
    # Group the demand points by the set of live candidates covering them.
    by_point: dict[int, list[int]] = {}
    for col, j in enumerate(live):
        for i in covers[j].tolist():
            if not served[i] and weights[i] > 0:
                by_point.setdefault(i, []).append(col)
    groups: dict[tuple[int, ...], float] = {}
    for i, cols in by_point.items():
        key = tuple(cols)
        groups[key] = groups.get(key, 0.0) + float(weights[i])
    m, n = len(live), len(groups)

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    pin_cols = {live.index(j) for j in pins}
    lower = np.array([1.0 if c in pin_cols else 0.0 for c in range(m)] + [0.0] * n)
    upper = np.ones(m + n)
    h.addVars(m + n, lower, upper)
    costs = np.array([0.0] * m + list(groups.values()))
    h.changeColsCost(m + n, np.arange(m + n, dtype=np.int32), costs)
    h.changeColsIntegrality(
        m, np.arange(m, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * m)
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    # Rows: y_g − Σ x_j ≤ 0 for each group, then Σ x_j ≤ k.
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for g, group_cols in enumerate(groups):
        starts.append(len(index))
        index.append(m + g)
        value.append(1.0)
        index.extend(group_cols)
        value.extend([-1.0] * len(group_cols))
    starts.append(len(index))
    index.extend(range(m))
    value.extend([1.0] * m)
    rows = n + 1
    h.addRows(
        rows,
        np.array([-inf] * rows),
        np.array([0.0] * n + [float(k)]),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=np.float64),
    )
    h.run()
    status = h.getModelStatus()
    optimal = status == highspy.HighsModelStatus.kOptimal
    x = list(h.getSolution().col_value)[:m] if m else []
    picked = [live[c] for c in range(m) if x[c] > 0.5]
    # Report in greedy's shape: pinned first, then the others by marginal gain.
    covered = np.zeros(len(weights), dtype=bool) if already is None else already.copy()
    chosen: list[int] = []
    gains: list[float] = []
    rest = [j for j in picked if j not in pins]
    for j in pins:
        idx = covers[j]
        gains.append(float(weights[idx][~covered[idx]].sum()))
        covered[idx] = True
        chosen.append(j)
    while rest:
        best = max(rest, key=lambda j: (float(weights[covers[j]][~covered[covers[j]]].sum()), -j))
        idx = covers[best]
        gains.append(float(weights[idx][~covered[idx]].sum()))
        covered[idx] = True
        chosen.append(best)
        rest.remove(best)
    return Solution(
        chosen=chosen,
        gains=gains,
        value=float(sum(gains)),
        seconds=time.perf_counter() - started,
        optimal=optimal,
        notes=notes,
    )


def gap_percent(greedy_value: float, optimum: float) -> float:
    """How far the greedy answer is below the optimum, in per cent of the optimum."""
    if optimum <= 0:
        return 0.0
    return round(100.0 * (optimum - greedy_value) / optimum, 3)
