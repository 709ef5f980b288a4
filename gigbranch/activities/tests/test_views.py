"""Staff activity pages: scope, publishing, denied actions change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gigbranch.activities.models import Activity
from tests.factories import ActivityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_township_admin_sees_only_own_activities(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    mine = ActivityFactory(organization=a["branch"], region=a["town"], title="甲镇活动")
    theirs = ActivityFactory(organization=b["branch"], region=b["town"], title="乙镇活动")
    client.force_login(a["admin"])
    page = client.get(reverse("activities:list")).content.decode()
    assert mine.title in page and theirs.title not in page
    assert client.get(reverse("activities:detail", args=[theirs.pk])).status_code == 404


def test_publish_activity_through_the_form(client, two_townships):
    a = two_townships["a"]
    client.force_login(a["admin"])
    r = client.post(
        reverse("activities:create"),
        {
            "title": "志愿服务",
            "organization": a["branch"].pk,
            "place": "甲镇",
            "capacity": 5,
            "starts_at": "2030-05-01T09:00",
            "ends_at": "2030-05-01T11:00",
            "status": "published",
        },
    )
    assert r.status_code == 302
    activity = Activity.objects.get()
    assert (activity.region, activity.capacity) == (a["town"], 5)


def test_out_of_scope_organisation_refused_and_nothing_saved(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    client.force_login(a["admin"])
    r = client.post(
        reverse("activities:create"),
        {
            "title": "越权",
            "organization": b["branch"].pk,
            "place": "乙镇",
            "capacity": 5,
            "starts_at": "2030-05-01T09:00",
            "ends_at": "2030-05-01T11:00",
            "status": "published",
        },
    )
    assert r.status_code == 200
    assert Activity.objects.count() == 0


def test_roles_without_capability_get_403(client, two_townships):
    client.force_login(UserFactory(role="system_admin"))
    assert client.get(reverse("activities:list")).status_code == 403
    client.force_login(UserFactory(role="inspector", scope_region=two_townships["county"]))
    assert client.get(reverse("activities:list")).status_code == 200
    assert client.get(reverse("activities:create")).status_code == 403
