"""Appeal actions are decided by one policy (appeals.actions through core.permissions.can)
whose scope answers agree with the list's `visible_to` (core.scoping.covers)."""

import pytest

from gigbranch.appeals import services
from gigbranch.appeals.actions import HANDLE_IN_REGION, ROUTE_IN_REGION
from gigbranch.appeals.models import Appeal, Category, Channel
from gigbranch.core.permissions import can
from gigbranch.core.scoping import ScopeSpec, covers, scope_filter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _appeals(world):
    traffic = Category.objects.get(code="traffic")
    out = []
    for side in ("a", "b"):
        out.append(
            services.submit_appeal(
                actor=world["county_admin"],
                category=traffic,
                description="站点附近路口没有信号灯",
                channel=Channel.HOTLINE,
                region=world[side]["town"],
                worker=world["worker"] if side == "a" else None,
                contact_mobile="13900000000",
            ).appeal
        )
    return out


def _users(world):
    return [
        world["county_admin"],
        world["a"]["admin"],
        world["b"]["admin"],
        world["handler"],
        world["traffic_handler"],
        world["worker_user"],
        UserFactory(
            username="inactive_b",
            role="township_admin",
            scope_region=world["b"]["town"],
            is_active=False,
        ),
    ]


@pytest.mark.parametrize(
    "spec",
    [
        HANDLE_IN_REGION,
        ROUTE_IN_REGION,
        Appeal.objects.all().scope_spec,
        ScopeSpec(capability="appeals.submit", owner_worker="worker_id"),
    ],
    ids=["handle", "route", "view", "own"],
)
def test_covers_answers_as_the_scope_filter(world, spec):
    appeals = _appeals(world)
    for user in _users(world):
        visible = set(Appeal.objects.filter(scope_filter(user, spec)).values_list("pk", flat=True))
        for appeal in Appeal.objects.select_related("region", "workplace__organization"):
            assert covers(user, spec, appeal) == (appeal.pk in visible), (user.username, appeal.pk)
    assert appeals


def test_handle_and_route_through_can(world):
    a_appeal, b_appeal = _appeals(world)
    # Traffic in town A goes to the traffic department; in town B to the township.
    assert a_appeal.department == world["jiaotong"] and b_appeal.department is None
    assert can(world["traffic_handler"], "appeals.handle", a_appeal) is True
    assert can(world["handler"], "appeals.handle", a_appeal) is False
    assert can(world["a"]["admin"], "appeals.handle", a_appeal) is False
    assert can(world["b"]["admin"], "appeals.handle", b_appeal) is True
    assert can(world["a"]["admin"], "appeals.handle", b_appeal) is False
    assert can(world["county_admin"], "appeals.route", b_appeal) is True
    assert can(world["b"]["admin"], "appeals.route", b_appeal) is False
    assert can(world["worker_user"], "appeals.rate", a_appeal) is True
    assert can(world["worker_user"], "appeals.rate", b_appeal) is False
    assert can(world["other_worker_user"], "appeals.rate", a_appeal) is False
