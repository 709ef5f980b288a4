"""Every model with `visible_to` against every demo account: the scope matrix in full.

The demo county (tiny scale: 12 townships, the industry line, a branch, a department, the
三员 and a worker) is seeded once. For each model the test works out, in plain Python from
the object's own relations, where the object belongs (its region, its organisation, its
department, its worker) and from the account alone what the account may see; the rows
`visible_to` returns must be exactly those. A model that gains `visible_to` without an
entry here fails `test_every_scoped_model_is_in_the_matrix`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from gigbranch.accounts.roles import has_capability

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("scope-matrix-all")]

ACCOUNTS = [
    "county",
    "industry",
    "chengguan",
    "qingshi",
    "branch",
    "renshe",
    "inspector",
    "sysadmin",
    "secadmin",
    "auditor",
    "rider",
]


@dataclass(frozen=True)
class Home:
    """Where a record belongs, read from its relations (not from any scope spec)."""

    region: str | None = None
    org: str | None = None
    department: int | None = None
    worker: int | None = None


def _path(obj: Any, *attrs: str) -> str | None:
    for attr in attrs:
        obj = getattr(obj, attr, None)
        if obj is None:
            return None
    return obj


def _member_home(member: Any) -> Home:
    return Home(
        region=_path(member, "worker", "region", "path"),
        org=_path(member, "organization", "path"),
        worker=member.worker_id,
    )


def _point_home(entry: Any) -> Home:
    member = getattr(entry.worker, "party_member", None) if entry.worker_id else None
    return Home(
        region=_path(entry, "worker", "region", "path"),
        org=_path(member, "organization", "path") if member else None,
        worker=entry.worker_id,
    )


# model label -> (capability needed to read, home of a record)
HOMES: dict[str, tuple[str, Callable[[Any], Home]]] = {
    "organizations.Region": ("org.view", lambda r: Home(region=r.path)),
    "organizations.Organization": (
        "org.view",
        lambda o: Home(region=_path(o, "region", "path"), org=o.path),
    ),
    "organizations.CommitteeMember": (
        "org.view",
        lambda c: Home(
            region=_path(c, "organization", "region", "path"),
            org=_path(c, "organization", "path"),
        ),
    ),
    "organizations.Instructor": (
        "org.view",
        lambda i: Home(region=_path(i, "region", "path"), org=_path(i, "organization", "path")),
    ),
    "organizations.Workplace": (
        "org.view",
        lambda w: Home(region=_path(w, "region", "path"), org=_path(w, "organization", "path")),
    ),
    "members.Worker": (
        "people.view",
        lambda w: Home(
            region=_path(w, "region", "path"),
            org=_path(w, "workplace", "organization", "path"),
            worker=w.pk,
        ),
    ),
    "members.PartyMember": ("people.view", _member_home),
    "members.DuesAssessment": ("people.view", lambda d: _member_home(d.member)),
    "members.DuesPayment": ("people.view", lambda d: _member_home(d.member)),
    "members.ModelPost": ("people.view", lambda d: _member_home(d.member)),
    "members.PointEntry": ("people.view", _point_home),
    "members.VanguardTeam": (
        "people.view",
        lambda t: Home(
            region=_path(t, "workplace", "region", "path"),
            org=_path(t, "workplace", "organization", "path"),
        ),
    ),
    "recruitment.Case": (
        "recruitment.view",
        lambda c: Home(
            region=_path(c, "worker", "region", "path"),
            org=_path(c, "organization", "path"),
            worker=c.worker_id,
        ),
    ),
    "recruitment.StepDelay": (
        "recruitment.view",
        lambda d: Home(
            region=_path(d, "case", "worker", "region", "path"),
            org=_path(d, "case", "organization", "path"),
            worker=d.case.worker_id,
        ),
    ),
    "appeals.Appeal": (
        "appeals.view",
        lambda a: Home(
            region=_path(a, "region", "path"),
            org=_path(a, "workplace", "organization", "path"),
            department=a.department_id,
            worker=a.worker_id,
        ),
    ),
    "stations.Station": (
        "stations.view",
        lambda s: Home(region=_path(s, "region", "path"), org=_path(s, "organization", "path")),
    ),
    "stations.ServiceProvider": (
        "appointments.manage",
        lambda p: Home(region=_path(p, "region", "path")),
    ),
    "stations.Article": ("study.manage", lambda a: Home(region=_path(a, "region", "path"))),
    "activities.Activity": (
        "activities.view",
        lambda a: Home(region=_path(a, "region", "path"), org=_path(a, "organization", "path")),
    ),
    "planning.Proposal": (
        "planning.view",
        lambda p: Home(region=_path(p, "region", "path")),
    ),
    "core.Finding": (
        "org.view",
        lambda f: Home(region=_path(f, "region", "path"), org=_path(f, "organization", "path")),
    ),
}

# Models whose rule is not "one home, one scope" are checked by their own oracle below.
SPECIAL = {"members.Transfer", "members.RosterImport", "stations.Booking"}


def may_see(user: Any, capability: str, home: Home) -> bool:
    """DESIGN §2, from the account alone: a worker sees their own records; otherwise the
    role needs the reading capability and the record must lie in the account's one scope
    (region subtree, organisation subtree or department)."""
    if user.role == "worker":
        return home.worker is not None and home.worker == user.worker_id
    if not has_capability(user, capability):
        return False
    if user.scope_region_id:
        return home.region is not None and home.region.startswith(user.scope_region.path)
    if user.scope_organization_id:
        return home.org is not None and home.org.startswith(user.scope_organization.path)
    if user.department_id:
        return home.department is not None and home.department == user.department_id
    return False


def _in_org_scope(user: Any, org: Any) -> bool:
    return may_see(
        user, "people.view", Home(region=_path(org, "region", "path"), org=_path(org, "path"))
    )


def transfer_visible(user: Any, transfer: Any) -> bool:
    """Each side of a transfer sees it: the member's own scope, the sending and the
    receiving organisation's scopes (MOB-3: both stay responsible until it is accepted)."""
    if may_see(user, "people.view", _member_home(transfer.member)):
        return True
    if user.role == "worker":
        return False
    return any(
        org is not None and _in_org_scope(user, org) for org in (transfer.from_org, transfer.to_org)
    )


def booking_visible(user: Any, booking: Any) -> bool:
    """A worker their own; a provider's staff their provider's; managers the legal-aid
    bookings of providers in their region (counselling stays between worker and provider)."""
    if user.role == "worker":
        return booking.user_id == user.pk
    provider = booking.slot.provider
    if has_capability(user, "appointments.provide") and provider.staff.filter(pk=user.pk).exists():
        return True
    return provider.kind == "legal_aid" and may_see(
        user, "appointments.manage", Home(region=_path(provider, "region", "path"))
    )


def scoped_models() -> list[str]:
    return sorted(
        m._meta.label for m in apps.get_models() if hasattr(m._default_manager.all(), "visible_to")
    )


def _top_up() -> None:
    """Rows the tiny demo does not create: point entries in every township (members and
    not) and bookings of the demo worker with every provider (legal aid and counselling)."""
    from django.utils import timezone

    from gigbranch.accounts.models import User
    from gigbranch.members.models import PointEntry, Worker
    from gigbranch.stations.models import Booking, ServiceProvider

    workers = list(Worker.objects.order_by("region_id", "pk"))
    picked = {w.region_id: w for w in workers}.values()
    members = Worker.objects.filter(party_member__isnull=False).order_by("pk")[:5]
    for n, worker in enumerate([*picked, *members]):
        PointEntry.objects.create(
            worker=worker,
            event_kind="activity_attended",
            source_key=f"scope-matrix-{n}",
            requested_points=1,
            points=1,
            occurred_at=timezone.now(),
        )
    # A late step (REC) on a few recruitment cases in different townships and lines.
    from gigbranch.recruitment.models import StepDelay, StepRecord

    seen_regions: set[int] = set()
    for record in StepRecord.objects.select_related("case__worker").order_by("pk"):
        if record.case.worker.region_id in seen_regions or hasattr(record, "delay"):
            continue
        seen_regions.add(record.case.worker.region_id)
        StepDelay.objects.create(
            record=record,
            case=record.case,
            step=record.step,
            deadline=record.date,
            days_late=1,
            rule_id="REC-ORDER",
            rule_name="矩阵检查",
            rule_source="矩阵检查",
            reason="矩阵检查",
        )
    rider = User.objects.get(username="rider")
    for provider in ServiceProvider.objects.all():
        slot = provider.slots.order_by("starts_at").first()
        if slot is not None:
            Booking.objects.create(slot=slot, user=rider, topic="矩阵检查")


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    from gigbranch import demo

    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed(scale="tiny", seed_value=11)
        _top_up()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def accounts(demo_county):
    from gigbranch.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS)}
    assert sorted(users) == sorted(ACCOUNTS)
    return users


def test_every_scoped_model_is_in_the_matrix():
    assert scoped_models() == sorted(set(HOMES) | SPECIAL)


@pytest.mark.parametrize("label", sorted(HOMES))
def test_visible_rows_are_exactly_those_in_scope(accounts, label):
    model = apps.get_model(label)
    capability, home_of = HOMES[label]
    homes = {obj.pk: home_of(obj) for obj in model._default_manager.all()}
    assert homes, f"the demo county has no {label}: the check would be empty"
    for username, user in accounts.items():
        visible = set(model._default_manager.visible_to(user).values_list("pk", flat=True))
        expected = {pk for pk, home in homes.items() if may_see(user, capability, home)}
        assert visible == expected, (label, username, sorted(visible ^ expected)[:10])


def test_transfers_are_seen_by_both_sides_and_no_one_else(accounts):
    from gigbranch.members.models import Transfer

    transfers = list(Transfer.objects.select_related("member", "from_org", "to_org"))
    assert transfers
    for username, user in accounts.items():
        visible = set(Transfer.objects.visible_to(user).values_list("pk", flat=True))
        expected = {t.pk for t in transfers if transfer_visible(user, t)}
        assert visible == expected, (username, sorted(visible ^ expected))


def test_bookings_follow_provider_and_worker(accounts):
    from gigbranch.stations.models import Booking

    bookings = list(Booking.objects.select_related("slot__provider"))
    assert bookings
    for username, user in accounts.items():
        visible = set(Booking.objects.visible_to(user).values_list("pk", flat=True))
        expected = {b.pk for b in bookings if booking_visible(user, b)}
        assert visible == expected, (username, sorted(visible ^ expected))


def test_roster_imports_are_seen_only_by_their_uploader(accounts):
    from gigbranch.members.models import RosterImport

    for username, user in accounts.items():
        visible = RosterImport.objects.visible_to(user)
        assert all(r.uploaded_by_id == user.pk for r in visible), username


def test_the_matrix_is_not_vacuous(accounts):
    """The township, industry-line and branch accounts each see some of the core records,
    and the two townships see disjoint sets: the equality above is about real rows."""
    from gigbranch.members.models import Worker
    from gigbranch.organizations.models import Organization, Workplace

    for model in (Organization, Workplace, Worker):
        a = set(model.objects.visible_to(accounts["chengguan"]).values_list("pk", flat=True))
        b = set(model.objects.visible_to(accounts["qingshi"]).values_list("pk", flat=True))
        county = set(model.objects.visible_to(accounts["county"]).values_list("pk", flat=True))
        assert a and b and not (a & b) and (a | b) < county, model
        for username in ("industry", "branch"):
            assert model.objects.visible_to(accounts[username]).exists(), (model, username)
    for username in ("sysadmin", "secadmin", "auditor"):
        for label in HOMES:
            qs = apps.get_model(label)._default_manager.visible_to(accounts[username])
            assert not qs.exists(), (label, username)
