"""Transfers (MOB-1, MOB-3) with every illegal move refused; findings MOB-1/3/4, DUES-6."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from gigbranch.core.models import Finding
from gigbranch.core.services import recompute_findings
from gigbranch.members import policy, services
from gigbranch.members.models import Transfer, TransferEvent, TransferStatus
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ALL = [s.value for s in TransferStatus]
LEGAL = {(a, b) for a, targets in policy.TRANSFER_MOVES.items() for b in targets}


def _internal(setup):
    a, b = setup["a"], setup["b"]
    return services.request_transfer(
        actor=a["admin"],
        member=setup["member"],
        direction="internal",
        reason="更换站点",
        requested_on=dt.date(2026, 3, 1),
        to_org=b["branch"],
    )


def _force(transfer, status):
    Transfer.objects.filter(pk=transfer.pk).update(status=status)
    transfer.refresh_from_db()


@pytest.mark.parametrize(
    ("start", "target"), [p for p in itertools.product(ALL, ALL) if p not in LEGAL]
)
def test_every_illegal_move_is_refused(branch_setup, start, target):
    t = _internal(branch_setup)
    _force(t, start)
    events = TransferEvent.objects.count()
    with pytest.raises(ValidationError):
        services.move_transfer(
            actor=None, transfer=t, to=target, on=dt.date(2026, 3, 5), note="理由"
        )
    t.refresh_from_db()
    assert t.status == start
    assert TransferEvent.objects.count() == events


def test_full_internal_transfer_each_side_acts(branch_setup):
    a, b = branch_setup["a"], branch_setup["b"]
    t = _internal(branch_setup)
    with pytest.raises(PermissionDenied):  # the receiving side cannot approve for the sender
        services.move_transfer(actor=b["admin"], transfer=t, to="approved", on=dt.date(2026, 3, 2))
    t = services.move_transfer(actor=a["admin"], transfer=t, to="approved", on=dt.date(2026, 3, 2))
    assert t.letter_valid_until == dt.date(2026, 3, 2) + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied):
        services.move_transfer(actor=a["admin"], transfer=t, to="accepted", on=dt.date(2026, 3, 3))
    t = services.move_transfer(actor=b["admin"], transfer=t, to="accepted", on=dt.date(2026, 3, 3))
    t = services.move_transfer(actor=b["admin"], transfer=t, to="completed", on=dt.date(2026, 3, 4))
    member = branch_setup["member"]
    member.refresh_from_db()
    assert member.organization == b["branch"]
    assert [e.to_status for e in t.events.all()] == [
        "requested",
        "approved",
        "accepted",
        "completed",
    ]
    # Each side sees its part.
    assert Transfer.objects.visible_to(a["admin"]).count() == 1
    assert Transfer.objects.visible_to(b["admin"]).count() == 1


def test_expired_letter_and_rejection_needs_reason(branch_setup, settings):
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 10
    t = _internal(branch_setup)
    t = services.move_transfer(actor=None, transfer=t, to="approved", on=dt.date(2026, 3, 2))
    assert t.letter_valid_until == dt.date(2026, 3, 12)
    with pytest.raises(ValidationError):
        services.move_transfer(actor=None, transfer=t, to="accepted", on=dt.date(2026, 3, 13))
    with pytest.raises(ValidationError):
        services.move_transfer(actor=None, transfer=t, to="rejected", on=dt.date(2026, 3, 13))
    t = services.move_transfer(
        actor=None,
        transfer=t,
        to="rejected",
        on=dt.date(2026, 3, 13),
        note="介绍信过期，请重新开具",
    )
    assert t.status == "rejected"


def test_one_open_transfer_at_a_time_and_dates_in_order(branch_setup):
    t = _internal(branch_setup)
    with pytest.raises(ValidationError):
        _internal(branch_setup)
    with pytest.raises(ValidationError):
        services.move_transfer(actor=None, transfer=t, to="approved", on=dt.date(2026, 2, 1))


def test_out_transfer_needs_external_target(branch_setup):
    with pytest.raises(ValidationError):
        services.request_transfer(
            actor=None,
            member=branch_setup["member"],
            direction="out",
            reason="回乡",
            requested_on=dt.date(2026, 3, 1),
        )
    assert Transfer.objects.count() == 0


@time_machine.travel(dt.datetime(2026, 10, 15, 10, tzinfo=dt.UTC))
def test_findings_mob1_mob3_mob4_dues6(branch_setup):
    member = branch_setup["member"]
    services.record_away(actor=None, member=member, away_since=dt.date(2026, 4, 15), place="杭州")
    recompute_findings(rule_ids=["MOB-1"])
    f = Finding.objects.get(rule_id="MOB-1")
    assert "6个月" in f.summary and f.organization_id == member.organization_id
    # one day less than 6 months: no finding
    services.record_away(actor=None, member=member, away_since=dt.date(2026, 4, 16), place="杭州")
    recompute_findings(rule_ids=["MOB-1"])
    assert Finding.objects.open().filter(rule_id="MOB-1").count() == 0

    services.decide_status(
        actor=None,
        member=member,
        status="lost_contact",
        decided_on=dt.date(2026, 4, 15),
        reason="多次联系未果",
    )
    recompute_findings(rule_ids=["MOB-4"])
    f = Finding.objects.open().get(rule_id="MOB-4")
    assert f.severity == "warning" and f.facts["months"] == 6

    services.decide_status(
        actor=None,
        member=member,
        status="normal",
        decided_on=dt.date(2026, 10, 1),
        reason="已恢复联系",
    )
    services.assess_dues(
        actor=None, member=member, year=2026, rule="wages", base="4000", set_on=dt.date(2026, 1, 2)
    )
    services.record_payment(
        actor=None,
        member=member,
        month=dt.date(2026, 3, 1),
        amount="40",
        channel="cash",
        paid_on=dt.date(2026, 3, 2),
    )
    recompute_findings(rule_ids=["MOB-4", "DUES-6"])
    assert Finding.objects.open().filter(rule_id="MOB-4").count() == 0
    f = Finding.objects.open().get(rule_id="DUES-6")
    assert f.facts == {"consecutive_months": 6, "until": "2026-09-01"}
    services.record_payment(
        actor=None,
        member=member,
        month=dt.date(2026, 4, 1),
        amount="40",
        channel="cash",
        paid_on=dt.date(2026, 10, 2),
    )
    recompute_findings(rule_ids=["DUES-6"])
    assert Finding.objects.open().filter(rule_id="DUES-6").count() == 0

    t = _internal(branch_setup)
    recompute_findings(rule_ids=["MOB-3"])
    f = Finding.objects.open().get(rule_id="MOB-3")
    assert "等待转出党委审批" in f.summary
    member.refresh_from_db()
    assert member.status == "normal"  # the system flags; people decide
    assert t.status == "requested"


@time_machine.travel(dt.datetime(2026, 10, 15, 10, tzinfo=dt.UTC))
def test_mob4_two_years_is_violation(branch_setup):
    member = branch_setup["member"]
    services.decide_status(
        actor=None,
        member=member,
        status="lost_contact",
        decided_on=dt.date(2024, 10, 15),
        reason="失联",
    )
    services.decide_status(
        actor=None,
        member=member,
        status="suspended",
        decided_on=dt.date(2025, 5, 1),
        reason="支部决定停止党籍",
    )
    recompute_findings(rule_ids=["MOB-4"])
    f = Finding.objects.open().get(rule_id="MOB-4")
    assert f.severity == "violation" and f.facts["months"] == 24
    assert OrganizationFactory
