"""The nearest-station query is exact: same answer as brute-force haversine."""

from __future__ import annotations

import random

import pytest

from gigbranch.stations.models import Station
from gigbranch.stations.nearest import brute_force, nearest
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def _make(points, region):
    Station.objects.bulk_create(
        [
            Station(
                name=f"站{i}",
                kind="warm_heart",
                address="路",
                region=region,
                latitude=la,
                longitude=ln,
                qr_token=f"t{i}",
            )
            for i, (la, ln) in enumerate(points)
        ]
    )
    return list(Station.objects.values_list("pk", "latitude", "longitude"))


def test_nearest_matches_brute_force_on_clustered_and_sparse_data():
    rng = random.Random(7)
    region = RegionFactory()
    pts = [(29.8 + rng.gauss(0, 0.05), 120.3 + rng.gauss(0, 0.05)) for _ in range(400)]
    pts += [(rng.uniform(20, 45), rng.uniform(75, 135)) for _ in range(200)]
    rows = _make(pts, region)
    for _ in range(40):
        lat, lng = rng.uniform(18, 50), rng.uniform(70, 140)
        got = nearest(Station.objects.all(), lat, lng, 10)
        want = brute_force(rows, lat, lng, 10)
        assert [h.pk for h in got] == [h.pk for h in want]
        assert [round(h.distance_km, 9) for h in got] == [round(h.distance_km, 9) for h in want]


def test_nearest_across_the_antimeridian_and_near_a_pole():
    region = RegionFactory()
    rows = _make([(0.0, 179.9), (0.0, -179.9), (0.0, 170.0), (89.9, 0.0), (89.9, 180.0)], region)
    got = nearest(Station.objects.all(), 0.0, -179.95, 2)
    assert [h.pk for h in got] == [h.pk for h in brute_force(rows, 0.0, -179.95, 2)]
    got = nearest(Station.objects.all(), 89.95, 90.0, 2)
    assert {h.pk for h in got} == {rows[3][0], rows[4][0]}


def test_fewer_stations_than_k_returns_all_and_predicate_filters():
    region = RegionFactory()
    rows = _make([(29.87, 120.35), (29.88, 120.36), (29.90, 120.40)], region)
    assert len(nearest(Station.objects.all(), 29.87, 120.35, 10)) == 3
    keep = {rows[2][0]}
    got = nearest(Station.objects.all(), 29.87, 120.35, 1, predicate=lambda pks: set(pks) & keep)
    assert [h.pk for h in got] == [rows[2][0]]


def test_max_radius_limits_the_search():
    region = RegionFactory()
    _make([(29.87, 120.35), (31.0, 121.0)], region)
    got = nearest(Station.objects.all(), 29.87, 120.35, 10, max_radius_km=50)
    assert len(got) == 1
