"""Both sides of the MOB-4 and DUES-5 boundaries, and "today" as the local date.

Between 00:00 and 08:00 Beijing time the UTC date is still the day before; every "not
after today" check and every "valid until" uses the local date (settings.TIME_ZONE).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.services import recompute_findings
from gigbranch.members import policy, services
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db

# 2026-03-01 01:00 Beijing = 2026-02-28 17:00 UTC.
EARLY_MORNING_1_MARCH = dt.datetime(2026, 2, 28, 17, 0, tzinfo=dt.UTC)
# 2026-10-15 10:00 Beijing.
MID_OCTOBER = dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.UTC)


# --- MOB-4: lost contact for 6 months or more; 2 years ------------------------------------


@pytest.mark.parametrize(
    ("since", "stage"),
    [
        (dt.date(2026, 4, 16), ""),  # 5 months and 29 days
        (dt.date(2026, 5, 15), ""),  # 5 months
        (dt.date(2026, 4, 15), "suspend"),  # exactly 6 months
        (dt.date(2024, 10, 16), "suspend"),  # 23 months and 29 days
        (dt.date(2024, 11, 15), "suspend"),  # 23 months
        (dt.date(2024, 10, 15), "left"),  # exactly 2 years
    ],
)
def test_mob4_stage_on_both_sides_of_the_boundaries(since, stage):
    assert policy.mob4_stage(lost_contact_since=since, today=dt.date(2026, 10, 15)) == stage


def _lose_contact(member, since):
    services.decide_status(
        actor=None, member=member, status="lost_contact", decided_on=since, reason="多次联系未果"
    )


@time_machine.travel(MID_OCTOBER, tick=False)
@pytest.mark.parametrize(
    ("since", "found"),
    [(dt.date(2026, 4, 16), False), (dt.date(2026, 5, 15), False), (dt.date(2026, 4, 15), True)],
)
def test_mob4_finding_from_six_months_only(branch_setup, since, found):
    _lose_contact(branch_setup["member"], since)
    recompute_findings(rule_ids=["MOB-4"])
    findings = Finding.objects.open().filter(rule_id="MOB-4")
    assert findings.exists() is found
    if found:
        assert findings.get().facts == {"months": 6, "stage": "suspend"}


@time_machine.travel(MID_OCTOBER, tick=False)
@pytest.mark.parametrize(
    ("since", "found"),
    [(dt.date(2024, 10, 16), False), (dt.date(2024, 11, 15), False), (dt.date(2024, 10, 15), True)],
)
def test_mob4_two_years_finding_for_a_suspended_member_from_24_months_only(
    branch_setup, since, found
):
    member = branch_setup["member"]
    _lose_contact(member, since)
    services.decide_status(
        actor=None,
        member=member,
        status="suspended",
        decided_on=dt.date(2025, 5, 1),
        reason="支部决定停止党籍",
    )
    recompute_findings(rule_ids=["MOB-4"])
    findings = Finding.objects.open().filter(rule_id="MOB-4")
    assert findings.exists() is found
    if found:
        f = findings.get()
        assert f.severity == "violation" and f.facts == {"months": 24, "stage": "left"}


# --- DUES-5: late by at most 6 months ------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_on", "late"),
    [
        (dt.date(2026, 4, 30), False),  # in the month itself
        (dt.date(2026, 10, 1), False),  # 6 months
        (dt.date(2026, 10, 31), False),  # still 6 months
        (dt.date(2026, 11, 1), True),  # 7 months: more than 6
        (dt.date(2027, 2, 10), True),
    ],
)
def test_dues5_late_over_six_months_flag(branch_setup, paid_on, late):
    member = branch_setup["member"]
    services.assess_dues(
        actor=None, member=member, year=2026, rule="wages", base="4000", set_on=dt.date(2026, 1, 2)
    )
    with time_machine.travel(dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        payment = services.record_payment(
            actor=None,
            member=member,
            month=dt.date(2026, 4, 1),
            amount="40",
            channel="cash",
            paid_on=paid_on,
        )
    event = AuditEvent.objects.get(action="dues.paid", object_id=str(member.pk))
    assert event.changes["late_over_6"] is late
    assert payment.amount == 40  # late or not, the money is recorded


# --- "today" is the local date ------------------------------------------------------------


@time_machine.travel(EARLY_MORNING_1_MARCH, tick=False)
def test_dates_of_today_are_accepted_in_the_early_morning(branch_setup):
    member = branch_setup["member"]
    local_today = dt.date(2026, 3, 1)
    services.assess_dues(actor=None, member=member, year=2026, rule="wages", base="4000")
    payment = services.record_payment(
        actor=None,
        member=member,
        month=dt.date(2026, 3, 1),
        amount="40",
        channel="cash",
        paid_on=local_today,
    )
    assert payment.paid_on == local_today
    services.decide_status(
        actor=None, member=member, status="lost_contact", decided_on=local_today, reason="失联"
    )
    member.refresh_from_db()
    assert member.status == "lost_contact"
    with pytest.raises(ValidationError) as exc:
        services.decide_status(
            actor=None,
            member=member,
            status="normal",
            decided_on=dt.date(2026, 3, 2),
            reason="已恢复联系",
        )
    assert exc.value.message_dict == {"decided_on": ["决定日期不能晚于今天。"]}


@time_machine.travel(EARLY_MORNING_1_MARCH, tick=False)
def test_vote_date_of_today_is_accepted_in_the_early_morning(two_townships):
    worker = WorkerFactory(region=two_townships["a"]["town"])
    member = services.admit_probationary_member(
        actor=None,
        worker=worker,
        organization=two_townships["a"]["branch"],
        vote_date=dt.date(2026, 3, 1),
    )
    assert member.joined_on == dt.date(2026, 3, 1)


@time_machine.travel(EARLY_MORNING_1_MARCH, tick=False)
def test_certificate_valid_until_today_is_still_valid(branch_setup):
    member = branch_setup["member"]
    member.certificate_number = "LD-2026-001"
    member.certificate_valid_until = dt.date(2026, 3, 1)
    assert member.certificate_valid is True
    member.certificate_valid_until = dt.date(2026, 2, 28)
    assert member.certificate_valid is False


@time_machine.travel(EARLY_MORNING_1_MARCH, tick=False)
def test_transfer_letter_issued_in_the_early_morning_counts_from_the_local_date(
    client_for, branch_setup, settings
):
    # MOB-3: the transfers page offers today's local date and the letter runs from it.
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 90
    a, b = branch_setup["a"], branch_setup["b"]
    t = services.request_transfer(
        actor=a["admin"],
        member=branch_setup["member"],
        direction="internal",
        to_org=b["branch"],
        reason="更换站点",
        requested_on=dt.date(2026, 3, 1),
    )
    c = client_for(a["admin"])
    page = c.get(reverse("members:transfers")).content.decode()
    assert re.search(r'name="on"\s+value="2026-03-01"', page)
    c.post(reverse("members:transfer_move", args=[t.pk]), {"to": "approved", "on": "2026-03-01"})
    t.refresh_from_db()
    assert t.status == "approved"
    assert t.letter_valid_until == dt.date(2026, 3, 1) + dt.timedelta(days=90)
