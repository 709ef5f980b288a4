from __future__ import annotations

import pytest

from tests.factories import StationFactory, UserFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db


def test_nearest_api_returns_exact_order_and_validates(client):
    a = StationFactory(name="近", latitude=29.8701, longitude=120.3501)
    b = StationFactory(name="远", latitude=29.9, longitude=120.4)
    client.force_login(WorkerUserFactory())
    r = client.get("/api/v1/stations/nearest", {"lat": 29.87, "lng": 120.35, "k": 2})
    assert r.status_code == 200
    assert [x["station"]["id"] for x in r.json()] == [a.pk, b.pk]
    assert r.json()[0]["distance_km"] == 0.015
    r = client.get("/api/v1/stations/nearest", {"lat": 99, "lng": 120.35})
    assert r.status_code == 422
    r = client.get("/api/v1/stations/nearest", {"lat": 29, "lng": 120, "amenity": "rocket"})
    assert r.status_code == 422


def test_station_list_api_is_scoped(client, two_townships):
    mine = StationFactory(region=two_townships["a"]["town"])
    StationFactory(region=two_townships["b"]["town"])
    client.force_login(two_townships["a"]["admin"])
    r = client.get("/api/v1/stations")
    assert [x["id"] for x in r.json()["items"]] == [mine.pk]
    client.force_login(UserFactory(role="system_admin"))
    assert client.get("/api/v1/stations").json()["items"] == []


def test_api_requires_auth(client):
    assert client.get("/api/v1/stations/nearest", {"lat": 1, "lng": 1}).status_code == 401
