"""Services other apps call: admission, confirmation (REC-PROB) and status decisions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from gigbranch.core.models import AuditEvent
from gigbranch.members import services
from gigbranch.members.models import MemberEvent, MemberStatus, PartyMember, WorkerChange
from tests.factories import OrganizationFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))
def test_admit_probationary_member_creates_record_event_and_audit(two_townships):
    a = two_townships["a"]
    worker = a["worker"]
    member = services.admit_probationary_member(
        actor=a["admin"], worker=worker, organization=a["branch"], vote_date=dt.date(2026, 5, 20)
    )
    assert (member.kind, member.status, member.joined_on, member.full_on) == (
        "probationary",
        "normal",
        dt.date(2026, 5, 20),
        None,
    )
    assert member.organization == a["branch"]
    worker.refresh_from_db()
    assert worker.political_status == "probationary"
    event = MemberEvent.objects.get(member=member)
    assert (event.action, event.to_value, event.decided_on) == (
        "admitted",
        "probationary",
        dt.date(2026, 5, 20),
    )
    assert (
        AuditEvent.objects.filter(action="member.admitted", object_id=str(member.pk)).count() == 1
    )
    assert WorkerChange.objects.get(worker=worker).changes == {
        "political_status": ["masses", "probationary"]
    }
    # Idempotent for the same call; another admission is refused.
    again = services.admit_probationary_member(
        actor=a["admin"], worker=worker, organization=a["branch"], vote_date=dt.date(2026, 5, 20)
    )
    assert again.pk == member.pk and PartyMember.objects.count() == 1
    with pytest.raises(ValidationError):
        services.admit_probationary_member(
            actor=a["admin"],
            worker=worker,
            organization=a["branch"],
            vote_date=dt.date(2026, 5, 21),
        )


def test_admit_refuses_non_branch_and_future_vote(two_townships):
    a = two_townships["a"]
    with pytest.raises(ValidationError) as exc:
        services.admit_probationary_member(
            actor=None,
            worker=a["worker"],
            organization=a["committee"],
            vote_date=dt.date(2025, 1, 1),
        )
    assert "organization" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.admit_probationary_member(
            actor=None,
            worker=a["worker"],
            organization=a["branch"],
            vote_date=timezone.localdate() + dt.timedelta(days=1),
        )
    assert PartyMember.objects.count() == 0


def test_confirm_full_membership_after_one_year_only(two_townships):
    a = two_townships["a"]
    member = services.admit_probationary_member(
        actor=None, worker=a["worker"], organization=a["branch"], vote_date=dt.date(2024, 3, 10)
    )
    with pytest.raises(ValidationError) as exc:
        services.confirm_full_membership(actor=None, member=member, date=dt.date(2025, 3, 9))
    assert "REC-PROB" in str(exc.value)
    member.refresh_from_db()
    assert member.kind == "probationary"
    member = services.confirm_full_membership(actor=None, member=member, date=dt.date(2025, 3, 10))
    assert (member.kind, member.full_on) == ("full", dt.date(2025, 3, 10))
    a["worker"].refresh_from_db()
    assert a["worker"].political_status == "party_member"
    assert (
        services.confirm_full_membership(actor=None, member=member, date=dt.date(2025, 3, 10)).pk
        == member.pk
    )
    with pytest.raises(ValidationError):
        services.confirm_full_membership(actor=None, member=member, date=dt.date(2025, 4, 1))


def test_probation_end_on_29_february():
    assert services.probation_end(dt.date(2024, 2, 29)) == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("normal", "lost_contact", True),
        ("normal", "suspended", True),
        ("normal", "left", True),
        ("lost_contact", "normal", True),
        ("lost_contact", "suspended", True),
        ("lost_contact", "left", True),
        ("suspended", "normal", True),
        ("suspended", "left", True),
        ("suspended", "lost_contact", False),
        ("left", "normal", False),
        ("left", "lost_contact", False),
        ("normal", "normal", False),
    ],
)
def test_status_changes_only_by_recorded_decision(branch_setup, start, target, allowed):
    member = branch_setup["member"]
    PartyMember.objects.filter(pk=member.pk).update(status=start)
    member.refresh_from_db()
    events_before = MemberEvent.objects.count()
    if allowed:
        services.decide_status(
            actor=branch_setup["secretary"],
            member=member,
            status=target,
            decided_on=dt.date(2026, 1, 5),
            reason="支部委员会会议决定",
        )
        member.refresh_from_db()
        assert member.status == target
        ev = MemberEvent.objects.latest("id")
        assert (ev.from_value, ev.to_value, ev.reason) == (start, target, "支部委员会会议决定")
    else:
        with pytest.raises(ValidationError):
            services.decide_status(
                actor=branch_setup["secretary"],
                member=member,
                status=target,
                decided_on=dt.date(2026, 1, 5),
                reason="支部委员会会议决定",
            )
        member.refresh_from_db()
        assert member.status == start
        assert MemberEvent.objects.count() == events_before


def test_decision_needs_reason(branch_setup):
    member = branch_setup["member"]
    with pytest.raises(ValidationError):
        services.decide_status(
            actor=None,
            member=member,
            status="lost_contact",
            decided_on=dt.date(2026, 1, 5),
            reason="  ",
        )
    member.refresh_from_db()
    assert member.status == MemberStatus.NORMAL


def test_record_mobile_member_with_certificate(two_townships):
    a = two_townships["a"]
    worker = WorkerFactory(region=a["town"], political_status="party_member")
    member = services.record_mobile_member(
        actor=a["admin"],
        worker=worker,
        outflow_org_name="中共安徽省阜阳市某村支部委员会",
        outflow_org_region="安徽省阜阳市",
        outflow_org_contact="0558-1234567",
        certificate_number="LD2026-001",
        certificate_issuer="中共阜阳市某镇委员会",
        certificate_valid_until=dt.date(2027, 6, 30),
        reported_here=True,
        reported_on=dt.date(2026, 3, 1),
        inflow_organization=a["branch"],
    )
    assert member.is_mobile and member.organization is None and member.kind == "full"
    assert member.certificate_number == "LD2026-001"
    assert MemberEvent.objects.get(member=member).action == "mobile_recorded"
    with pytest.raises(ValidationError) as exc:
        services.record_mobile_member(
            actor=None,
            worker=worker,
            outflow_org_name="",
            outflow_org_region="",
            certificate_number="X1",
        )
    assert set(exc.value.message_dict) == {
        "outflow_org_name",
        "outflow_org_region",
        "certificate_valid_until",
        "certificate_issuer",
    }


def test_record_mobile_member_refuses_non_member(two_townships):
    with pytest.raises(ValidationError):
        services.record_mobile_member(
            actor=None,
            worker=two_townships["a"]["worker"],
            outflow_org_name="某支部",
            outflow_org_region="某地",
        )
    assert PartyMember.objects.count() == 0
    assert OrganizationFactory  # keep import used
