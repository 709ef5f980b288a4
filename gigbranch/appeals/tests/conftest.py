import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gigbranch.appeals.models import Category, RoutingRule
from gigbranch.organizations.models import Department
from tests.factories import UserFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def world(two_townships, county_admin):
    county = two_townships["county"]
    renshe = Department.objects.create(name="县人社局", region=county)
    jiaotong = Department.objects.create(name="县交通运输局", region=county)
    wages = Category.objects.get(code="wages")
    traffic = Category.objects.get(code="traffic")
    RoutingRule.objects.create(category=wages, region=None, department=renshe)
    RoutingRule.objects.create(
        category=traffic, region=two_townships["a"]["town"], department=jiaotong
    )
    handler = UserFactory(username="renshe_h", role="department_handler", department=renshe)
    traffic_handler = UserFactory(
        username="jiaotong_h", role="department_handler", department=jiaotong
    )
    worker = two_townships["a"]["worker"]
    worker_user = UserFactory(username="rider_a", role="worker", worker=worker)
    other_worker_user = UserFactory(
        username="rider_b", role="worker", worker=two_townships["b"]["worker"]
    )
    return {
        **two_townships,
        "county_admin": county_admin,
        "renshe": renshe,
        "jiaotong": jiaotong,
        "wages": wages,
        "traffic": traffic,
        "handler": handler,
        "traffic_handler": traffic_handler,
        "worker": worker,
        "worker_user": worker_user,
        "other_worker_user": other_worker_user,
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Test speed only: the factories' passwords need not be hashed with Argon2 here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
