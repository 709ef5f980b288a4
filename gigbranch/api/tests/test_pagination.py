"""Every list endpoint bounds `limit` and `offset` (422, never 500) and lists of personal
data audit each page read (who, filters, rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from gigbranch.api.pagination import MAX_OFFSET, MAX_PAGE_SIZE
from gigbranch.core.models import AuditEvent
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/organizations",
    "/api/v1/workplaces",
    "/api/v1/network/instructors",
    "/api/v1/network/findings",
    "/api/v1/appeals",
    "/api/v1/recruitment/cases",
    "/api/v1/members/workers",
    "/api/v1/members/party-members",
    "/api/v1/stations",
]


@pytest.fixture
def county_client(county_admin):
    client = Client()
    client.force_login(county_admin)
    return client


def test_every_paginated_endpoint_is_listed_here():
    """A new list endpoint must use our bounded pagination (and be added to LISTS)."""
    api_dir = Path(__file__).resolve().parents[1]
    uses = sum(p.read_text().count("@paginate(") for p in api_dir.glob("*.py"))
    assert uses == len(LISTS)
    for path in api_dir.glob("*.py"):
        if path.name != "pagination.py":
            assert "ninja.pagination import LimitOffsetPagination" not in path.read_text(), path


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "query,field",
    [
        ("offset=99999999999999999999999", "offset"),  # beyond 64 bits: was a 500 on SQLite
        (f"offset={MAX_OFFSET + 1}", "offset"),
        ("offset=-1", "offset"),
        ("limit=99999999999999999999999", "limit"),
        (f"limit={MAX_PAGE_SIZE + 1}", "limit"),
        ("limit=100000", "limit"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_out_of_range_paging_is_a_422_naming_the_field(county_client, url, query, field):
    response = county_client.get(f"{url}?{query}")
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["detail"] == "数据校验失败。" and field in body["errors"]


@pytest.mark.parametrize("url", LISTS)
def test_largest_allowed_page_and_offset_work(county_client, url):
    response = county_client.get(f"{url}?limit={MAX_PAGE_SIZE}&offset={MAX_OFFSET}")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_page_of_workers_is_capped_and_audited(county_client, county_admin, county):
    for _ in range(3):
        WorkerFactory(region=county)
    response = county_client.get("/api/v1/members/workers?limit=2")
    assert response.status_code == 200 and len(response.json()["items"]) == 2
    event = AuditEvent.objects.filter(action="api.personal_data_read").latest("pk")
    assert event.actor == county_admin
    assert event.changes["rows"] == 2 and event.changes["path"] == "/api/v1/members/workers"


def test_lists_without_personal_data_are_not_audited(county_client):
    county_client.get("/api/v1/stations")
    assert not AuditEvent.objects.filter(action="api.personal_data_read").exists()


def test_schema_errors_have_the_documented_shape_in_chinese(county_client):
    response = county_client.get("/api/v1/stations?limit=501")
    assert response.json() == {"detail": "数据校验失败。", "errors": {"limit": ["不能大于500。"]}}
