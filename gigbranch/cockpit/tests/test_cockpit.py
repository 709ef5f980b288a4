"""Every number on the cockpit is a door: each tile links to the list behind it, and that
list counts the same rows, for a county admin, a township admin, the industry-line admin
and a branch secretary, before and after drilling down to a township (scope along both
axes). Figures of a module the user may not see are absent, not zero."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from gigbranch.accounts.models import User
from gigbranch.accounts.roles import has_capability
from gigbranch.cockpit.tiles import TILES
from gigbranch.organizations.models import Region

TILE = re.compile(
    r'<a class="gb-stat h-100"\s+href="(?P<url>[^"]+)"\s+title="[^"]*"\s+'
    r'data-figure="(?P<key>\w+)">\s*<div class="gb-stat-value">(?P<value>\d+)',
)
NOTE = re.compile(
    r'id="figure-note" data-figure="(?P<key>\w+)">.*?<span id="figure-count">(?P<n>\d+)</span>',
    re.S,
)
FINDING = re.compile(
    r'<a class="badge[^"]*" href="(?P<url>[^"]+)" data-rule="(?P<rule>[^"]+)">[^：]+：(?P<n>\d+)</a>'
)


@pytest.fixture
def demo_county(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from gigbranch import demo

    demo.seed(scale="tiny", seed_value=7)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _tiles(client: Client, query: str = "") -> dict[str, tuple[int, str]]:
    response = client.get("/" + query)
    assert response.status_code == 200
    page = response.content.decode()
    return {m["key"]: (int(m["value"]), html.unescape(m["url"])) for m in TILE.finditer(page)}


def _doors_open(client: Client, tiles: dict[str, tuple[int, str]]) -> None:
    for key, (value, url) in tiles.items():
        page = client.get(url)
        assert page.status_code == 200, (key, url)
        note = NOTE.search(page.content.decode())
        assert note is not None, (key, url)
        assert (note["key"], int(note["n"])) == (key, value), url
        assert page.context["page"].paginator.count == value, url


def test_every_tile_links_to_a_list_with_the_same_count(demo_county):
    # One seeded county for the four users (seeding is the slow part of these tests).
    for username in ("county", "chengguan", "industry", "branch"):
        _check_doors(username)


def _check_doors(username: str) -> None:
    user = User.objects.get(username=username)
    client = _client(username)
    tiles = _tiles(client)
    expected = [t.key for t in TILES if has_capability(user, t.figure.capability)]
    assert list(tiles) == expected
    _doors_open(client, tiles)

    # Drill down to a township the user can see: every figure and its list narrow alike.
    town = (
        Region.objects.filter(name="城关街道").first()
        if username != "branch"
        else user.scope_organization.region
    )
    drilled = _tiles(client, f"?within={town.pk}")
    assert list(drilled) == expected
    assert all(url.endswith(f"&within={town.pk}") for _, url in drilled.values())
    _doors_open(client, drilled)
    for key, (value, _) in drilled.items():
        assert value <= tiles[key][0], key

    # Open findings by rule: each badge opens the findings list with the same count.
    page = client.get("/").content.decode()
    for m in FINDING.finditer(page):
        listed = client.get(html.unescape(m["url"]))
        assert listed.context["page"].paginator.count == int(m["n"]), m["rule"]


def test_drill_down_absent_modules_foreign_regions_map_and_big_screen(demo_county):
    _county_drilled_into_a_township_sees_what_the_township_sees()
    _modules_the_user_may_not_see_are_absent_not_zero()
    _a_region_outside_the_view_is_not_found()
    _map_layers_and_big_screen()


def _county_drilled_into_a_township_sees_what_the_township_sees() -> None:
    town = Region.objects.get(name="城关街道")
    county = _tiles(_client("county"), f"?within={town.pk}")
    township = _tiles(_client("chengguan"))
    assert {k: v for k, (v, _) in county.items()} == {k: v for k, (v, _) in township.items()}
    assert county["workplaces"][0] > 0


def _modules_the_user_may_not_see_are_absent_not_zero() -> None:
    page = _client("branch").get("/").content.decode()
    assert 'data-figure="open_appeals"' not in page
    assert 'data-figure="active_stations"' not in page
    assert 'id="appeal-kpi"' not in page
    assert 'data-figure="full_members"' in page


def _a_region_outside_the_view_is_not_found() -> None:
    other = Region.objects.get(name="青石镇")
    client = _client("chengguan")
    assert client.get(f"/?within={other.pk}").status_code == 404
    assert client.get("/?within=abc").status_code == 404
    assert client.get(f"/cockpit/map/?within={other.pk}").status_code == 404
    assert client.get(f"/people/members/?figure=full_members&within={other.pk}").status_code == 404


def _map_layers_and_big_screen() -> None:
    client = _client("county")
    layers = client.get("/cockpit/map/").json()
    assert layers["areas"]["features"]
    assert layers["workplaces"] and layers["stations"]
    assert {len(p) for p in layers["workplaces"]} == {4}
    screen = client.get("/cockpit/screen/")
    assert screen.status_code == 200
    body = screen.content.decode()
    assert 'id="screen-panel"' in body and "gb-screen" in body and "gb-sidebar" not in body
    # The self-refresh fetches the panel alone (htmx), not the whole page.
    panel = client.get("/cockpit/screen/", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    text = panel.content.decode()
    assert text.lstrip().startswith('<div id="screen-panel"')
    assert "<html" not in text
