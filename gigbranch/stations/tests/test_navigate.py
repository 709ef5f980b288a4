"""A station's page lets a rider hand the place to their own map app: a `geo:` URI
(RFC 5870) and the coordinates shown, on the staff page and in the workers' portal; the
portal's station map draws the township boundaries under the stations (no tiles needed)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from gigbranch.organizations.models import Region
from gigbranch.portal import services as portal_services
from tests.factories import RegionFactory, StationFactory, UserFactory, WorkerUserFactory

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[120.3, 29.8], [120.4, 29.8], [120.4, 29.9], [120.3, 29.9], [120.3, 29.8]]],
}


@pytest.fixture
def worker_client(client):
    user = WorkerUserFactory()
    portal_services.record_consent(user=user, basic=True, political_status=False)
    client.force_login(user)
    return client


def _navigate(html):
    link = re.search(r'<a[^>]*href="([^"]+)"[^>]*id="navigate"', html)
    coords = re.search(r'<span id="coordinates">([^<]+)</span>', html)
    return link and link.group(1), coords and coords.group(1)


def test_portal_station_page_has_a_geo_link_and_the_coordinates(worker_client):
    station = StationFactory(name="城关骑手之家", latitude=29.8712344, longitude=120.35)
    html = worker_client.get(reverse("portal:station", args=[station.pk])).content.decode()
    assert _navigate(html) == ("geo:29.871234,120.350000", "29.871234, 120.350000")
    assert "用手机地图导航" in html


def test_staff_station_page_has_the_same_link(client):
    town = RegionFactory(name="甲镇")
    station = StationFactory(name="甲镇暖心驿站", region=town, latitude=29.9, longitude=120.41)
    client.force_login(UserFactory(role="township_admin", scope_region=town))
    html = client.get(reverse("stations:detail", args=[station.pk])).content.decode()
    assert _navigate(html) == ("geo:29.900000,120.410000", "29.900000, 120.410000")


def test_portal_station_map_carries_the_boundaries_of_the_stations_townships(worker_client):
    near, far, empty = (
        RegionFactory(name="甲镇"),
        RegionFactory(name="乙镇"),
        RegionFactory(name="丙镇"),
    )
    Region.objects.filter(pk__in=[near.pk, far.pk, empty.pk]).update(boundary=SQUARE)
    StationFactory(name="甲站", region=near, latitude=29.85, longitude=120.35)
    StationFactory(name="乙站", region=far, latitude=29.86, longitude=120.36)
    html = worker_client.get(
        reverse("portal:stations_map"), {"lat": "29.85", "lng": "120.35"}
    ).content.decode()
    raw = html.split('<script id="map-data" type="application/json">', 1)[1].split("</script>")[0]
    areas = json.loads(raw)["areas"]
    assert [f["properties"]["name"] for f in areas["features"]] == ["甲镇", "乙镇"]
    assert areas["features"][0]["geometry"] == SQUARE
    assert "map-areas.js" in html
