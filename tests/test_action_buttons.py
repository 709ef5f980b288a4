"""A button is shown only to those who may take its action (gigbranch.core.permissions.can):
whoever does not see it gets 403 on the POST behind it, and nothing changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.members.models import (
    MemberKind,
    PartyMember,
    Platform,
    RosterImport,
    Transfer,
    TransferEvent,
)
from gigbranch.organizations import excel
from gigbranch.organizations.models import Organization, Workplace
from gigbranch.stations.imports import template_workbook
from gigbranch.stations.models import Station
from tests.factories import UserFactory, WorkerFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def people(two_townships, county_admin):
    a = two_townships["a"]
    return {
        "county": county_admin,
        "secretary": UserFactory(
            username="sec_a", role="branch_secretary", scope_organization=a["branch"]
        ),
        "inspector": UserFactory(
            username="inspector", role="inspector", scope_region=two_townships["county"]
        ),
    }


def upload(data: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def state() -> tuple[int, ...]:
    return (
        Organization.objects.count(),
        Workplace.objects.count(),
        RosterImport.objects.count(),
        Station.objects.count(),
        AuditEvent.objects.count(),
    )


# --- imports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "kind"),
    [("organizations:workplaces", "workplaces"), ("organizations:tree", "organizations")],
)
@pytest.mark.parametrize("who", ["secretary", "inspector"])
def test_org_import_hidden_and_refused(client_for, people, who, page, kind):
    c = client_for(people[who])
    import_url = reverse("organizations:import", args=[kind])
    listing = c.get(reverse(page))
    assert listing.status_code == 200
    assert import_url not in listing.content.decode()
    before = state()
    r = c.post(import_url, {"file": upload(excel.template_bytes(kind))})
    assert r.status_code == 403
    r = c.post(reverse("organizations:import_apply", args=[kind]), {"token": "a" * 32})
    assert r.status_code == 403
    assert c.get(reverse("organizations:import_template", args=[kind])).status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    ("page", "kind"),
    [("organizations:workplaces", "workplaces"), ("organizations:tree", "organizations")],
)
def test_org_import_shown_to_who_may(client_for, people, page, kind):
    c = client_for(people["county"])
    import_url = reverse("organizations:import", args=[kind])
    assert import_url in c.get(reverse(page)).content.decode()
    assert c.get(import_url).status_code == 200


def test_roster_import_hidden_and_refused_for_the_inspector(client_for, people):
    c = client_for(people["inspector"])
    page = c.get(reverse("members:workers"))
    assert page.status_code == 200
    assert reverse("members:imports") not in page.content.decode()
    platform = Platform.objects.create(name="美团外卖")
    before = state()
    r = c.post(reverse("members:imports"), {"platform": platform.pk, "file": upload(b"PK")})
    assert r.status_code == 403
    assert state() == before


@pytest.mark.parametrize("who", ["county", "secretary"])
def test_roster_import_shown_to_who_may(client_for, people, who):
    c = client_for(people[who])
    assert reverse("members:imports") in c.get(reverse("members:workers")).content.decode()
    assert c.get(reverse("members:imports")).status_code == 200


def test_station_import_hidden_and_refused_for_the_inspector(client_for, people):
    c = client_for(people["inspector"])
    page = c.get(reverse("stations:list"))
    assert page.status_code == 200
    assert reverse("stations:import") not in page.content.decode()
    before = state()
    r = c.post(reverse("stations:import"), {"file": upload(template_workbook())})
    assert r.status_code == 403
    assert state() == before


def test_station_import_shown_to_who_may(client_for, people):
    c = client_for(people["county"])
    assert reverse("stations:import") in c.get(reverse("stations:list")).content.decode()


# --- membership transfers (MOB-3) -------------------------------------------------------


@pytest.fixture
def transfer(two_townships):
    from gigbranch.members import services

    a, b = two_townships["a"], two_townships["b"]
    member = PartyMember.objects.create(
        worker=WorkerFactory(region=a["town"], workplace=a["workplace"]),
        organization=a["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    t = services.request_transfer(
        actor=None,
        member=member,
        direction="internal",
        reason="更换站点",
        requested_on=dt.date(2026, 3, 1),
        to_org=b["branch"],
    )
    sending = UserFactory(
        username="sec_from", role="branch_secretary", scope_organization=a["branch"]
    )
    receiving = UserFactory(
        username="sec_to", role="branch_secretary", scope_organization=b["branch"]
    )
    return {"t": t, "sending": sending, "receiving": receiving}


def buttons(client) -> set[str]:  # type: ignore[no-untyped-def]
    """The transfer steps offered on the transfers page (the buttons' values)."""
    body = client.get(reverse("members:transfers")).content.decode()
    return set(re.findall(r'name="to" value="(\w+)"', body))


def snapshot(t: Transfer) -> tuple[object, ...]:
    t.refresh_from_db()
    return (
        t.status,
        t.status_changed_on,
        TransferEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_each_side_is_offered_only_its_own_steps(client_for, transfer):
    t = transfer["t"]
    receiving = client_for(transfer["receiving"])
    assert buttons(receiving) == {"rejected"}
    before = snapshot(t)
    for to in ("approved", "cancelled"):
        r = receiving.post(
            reverse("members:transfer_move", args=[t.pk]), {"to": to, "on": "2026-03-05"}
        )
        assert r.status_code == 403
    assert snapshot(t) == before

    sending = client_for(transfer["sending"])
    assert buttons(sending) == {"approved", "rejected", "cancelled"}
    r = sending.post(
        reverse("members:transfer_move", args=[t.pk]), {"to": "approved", "on": "2026-03-05"}
    )
    assert r.status_code == 302 and snapshot(t)[0] == "approved"

    # Now the receiving side accepts; the sending side may not accept for it.
    assert buttons(sending) == {"rejected", "cancelled"}
    before = snapshot(t)
    r = sending.post(
        reverse("members:transfer_move", args=[t.pk]), {"to": "accepted", "on": "2026-03-06"}
    )
    assert r.status_code == 403
    assert snapshot(t) == before
    receiving = client_for(transfer["receiving"])
    assert buttons(receiving) == {"accepted", "rejected"}


def test_the_inspector_is_offered_no_step(client_for, people, transfer):
    c = client_for(people["inspector"])
    assert buttons(c) == set()
    before = snapshot(transfer["t"])
    r = c.post(
        reverse("members:transfer_move", args=[transfer["t"].pk]),
        {"to": "approved", "on": "2026-03-05"},
    )
    assert r.status_code == 403
    assert snapshot(transfer["t"]) == before
