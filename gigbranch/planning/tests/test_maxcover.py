"""PLAN-1 maximum coverage on hand-made instances whose optimum is known (no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gigbranch.planning import maxcover as mc

KM = 1 / 111.19508  # degrees of latitude per km on the PLAN-1 sphere


def lists(*sets: list[int]) -> list[np.ndarray]:
    return [np.array(s, dtype=np.intp) for s in sets]


# Greedy's classic trap: the biggest set first, then only one more point.
# S0 = {0,1,2,3}, S1 = {0,1,4}, S2 = {2,3,5}: optimum for k=2 is S1+S2 = 6; greedy 5.
TRAP = lists([0, 1, 2, 3], [0, 1, 4], [2, 3, 5])
ONES = np.ones(6)


def test_greedy_falls_into_the_trap_and_exact_finds_the_optimum():
    g = mc.greedy(ONES, TRAP, 2)
    assert g.chosen == [0, 1]
    assert g.gains == [4.0, 1.0]
    assert g.value == 5.0
    e = mc.exact(ONES, TRAP, 2)
    assert sorted(e.chosen) == [1, 2]
    assert e.value == 6.0
    assert e.optimal is True
    assert mc.gap_percent(g.value, e.value) == pytest.approx(16.667, abs=1e-3)


@pytest.mark.parametrize("k, optimum", [(1, 4.0), (2, 6.0), (3, 6.0)])
def test_exact_matches_known_optima(k, optimum):
    assert mc.exact(ONES, TRAP, k).value == optimum


def test_greedy_matches_the_optimum_on_a_disjoint_instance():
    covers = lists([0], [1, 2], [3, 4, 5], [6])
    weights = np.array([5, 1, 1, 1, 1, 1, 9], dtype=float)
    g = mc.greedy(weights, covers, 2)
    assert g.chosen == [3, 0]  # 9, then 5 (beats 3)
    assert g.value == 14.0
    assert mc.exact(weights, covers, 2).value == 14.0


def test_pinned_are_always_chosen_and_excluded_never():
    g = mc.greedy(ONES, TRAP, 2, pinned=[2], excluded=[0])
    assert g.chosen == [2, 1]
    assert g.gains == [3.0, 3.0]
    e = mc.exact(ONES, TRAP, 2, pinned=[0], excluded=[2])
    assert e.chosen == [0, 1]
    assert e.value == 5.0
    g2 = mc.greedy(ONES, TRAP, 1, excluded=[0])
    assert 0 not in g2.chosen


def test_a_point_covered_by_two_sites_counts_once():
    covers = lists([0, 1], [1, 2])
    weights = np.array([1.0, 10.0, 1.0])
    g = mc.greedy(weights, covers, 2)
    assert g.value == 12.0
    assert sorted(g.gains) == [1.0, 11.0]
    assert mc.exact(weights, covers, 2).value == 12.0


def test_demand_already_served_brings_no_gain():
    already = np.array([True, True, True, True, False, False])
    g = mc.greedy(ONES, TRAP, 1, already=already)
    assert g.value == 1.0
    assert g.chosen[0] in (1, 2)
    assert mc.exact(ONES, TRAP, 2, already=already).value == 2.0


def test_k_larger_than_candidates_gives_every_candidate_with_a_note():
    g = mc.greedy(ONES, TRAP, 10, excluded=[1])
    assert sorted(g.chosen) == [0, 2]
    assert g.notes == ["k_exceeds_candidates"]
    e = mc.exact(ONES, TRAP, 10)
    assert sorted(e.chosen) == [0, 1, 2]
    assert e.notes == ["k_exceeds_candidates"]


def test_inconsistent_choices_are_refused():
    with pytest.raises(ValueError):
        mc.greedy(ONES, TRAP, 1, pinned=[0, 1])
    with pytest.raises(ValueError):
        mc.greedy(ONES, TRAP, 2, pinned=[0], excluded=[0])
    with pytest.raises(ValueError):
        mc.greedy(ONES, TRAP, 2, pinned=[7])


def test_cover_lists_use_the_radius_on_the_sphere():
    # Demand 1.0, 1.4, 1.6 and 3 km north of the site; radius 1.5 km (PLAN-1 default).
    demand = mc.Points.of([(30 + d * KM, 120.0) for d in (1.0, 1.4, 1.6, 3.0)])
    site = mc.Points.of([(30.0, 120.0)])
    [covered] = mc.cover_lists(demand, site, mc.DEFAULT_RADIUS_KM)
    assert covered.tolist() == [0, 1]
    east = mc.Points.of([(30.0, 120.0 + 1.4 * KM / math.cos(math.radians(30)))])
    assert mc.cover_lists(east, site, 1.5)[0].tolist() == [0]


def test_banded_cover_lists_equal_brute_force():
    rng = np.random.default_rng(7)
    demand = mc.Points(
        rng.normal(30.0, 0.05, 800), rng.normal(120.0, 0.05, 800), rng.integers(1, 50, 800)
    )
    sites = mc.Points(rng.normal(30.0, 0.05, 60), rng.normal(120.0, 0.05, 60), np.ones(60))
    fast = mc.cover_lists(demand, sites, 1.5)
    slow = mc.cover_lists_brute(demand, sites, 1.5)
    assert [a.tolist() for a in fast] == [b.tolist() for b in slow]


@pytest.mark.parametrize(
    "lat0, spread, radius", [(30.0, 0.3, 1.5), (52.0, 0.5, 3.0), (-33.9, 0.2, 0.5)]
)
def test_grid_join_equals_brute_force_across_latitudes_and_radii(lat0, spread, radius):
    rng = np.random.default_rng(int(lat0 * 10) % 97)
    demand = mc.Points(
        rng.normal(lat0, spread, 3000), rng.normal(116.0, spread, 3000), np.ones(3000)
    )
    sites = mc.Points(
        np.append(rng.normal(lat0, spread, 200), lat0 + 5),  # the last covers nothing
        np.append(rng.normal(116.0, spread, 200), 116.0),
        np.ones(201),
    )
    fast = mc.cover_lists(demand, sites, radius)
    slow = mc.cover_lists_brute(demand, sites, radius)
    assert [a.tolist() for a in fast] == [b.tolist() for b in slow]
    assert fast[-1].tolist() == []
    assert sum(len(a) for a in fast) > 50


def test_greedy_is_near_the_optimum_on_a_geometric_instance():
    rng = np.random.default_rng(11)
    demand = mc.Points(
        rng.normal(30.0, 0.04, 600), rng.normal(120.0, 0.04, 600), rng.integers(1, 80, 600)
    )
    sites = mc.Points(rng.normal(30.0, 0.04, 80), rng.normal(120.0, 0.04, 80), np.ones(80))
    covers = mc.cover_lists(demand, sites, 1.5)
    g = mc.greedy(demand.weight, covers, 5)
    e = mc.exact(demand.weight, covers, 5)
    assert e.optimal
    assert e.value >= g.value
    assert g.value >= (1 - 1 / math.e) * e.value
