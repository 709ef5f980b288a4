"""MOB-3: the transfer letter's validity comes from the issuing (sending) organisation's
setting, inherited down the tree, and is fixed on the letter when it is issued."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from gigbranch.core.models import AuditEvent, Finding
from gigbranch.core.services import recompute_findings
from gigbranch.members import services
from gigbranch.members.models import Transfer
from gigbranch.organizations.services import set_transfer_letter_days

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 3, 2)


def _request(setup, **kw):
    a, b = setup["a"], setup["b"]
    args = {"direction": "internal", "to_org": b["branch"]} | kw
    return services.request_transfer(
        actor=a["admin"],
        member=setup["member"],
        reason="更换站点",
        requested_on=dt.date(2026, 3, 1),
        **args,
    )


def _issue(setup, transfer):
    return services.move_transfer(
        actor=setup["a"]["admin"], transfer=transfer, to="approved", on=ISSUED
    )


def test_letter_uses_the_sending_organisations_inherited_setting(branch_setup, settings):
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 90
    a, b = branch_setup["a"], branch_setup["b"]
    set_transfer_letter_days(actor=None, organization=a["committee"], days=60)
    # The receiving side's setting is not the letter's: the sender issues it.
    set_transfer_letter_days(actor=None, organization=b["committee"], days=180)
    t = _issue(branch_setup, _request(branch_setup))
    assert t.letter_valid_until == ISSUED + dt.timedelta(days=60)
    event = AuditEvent.objects.get(action="transfer.approved")
    assert event.changes["letter_days"] == 60
    assert event.changes["letter_days_source"] == "甲镇党委设置"
    assert event.changes["letter_valid_until"] == "2026-05-01"


def test_global_default_when_no_organisation_sets_it(branch_setup, settings):
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 100
    t = _issue(branch_setup, _request(branch_setup))
    assert t.letter_valid_until == ISSUED + dt.timedelta(days=100)
    assert (
        AuditEvent.objects.get(action="transfer.approved").changes["letter_days_source"]
        == "系统默认"
    )


def test_letter_from_outside_the_county_uses_the_global_default(branch_setup, settings):
    settings.MEMBERS_TRANSFER_LETTER_DAYS = 120
    b = branch_setup["b"]
    set_transfer_letter_days(actor=None, organization=b["committee"], days=30)
    t = _request(branch_setup, direction="in", from_external="杭州市某街道党工委")
    t = services.move_transfer(actor=b["admin"], transfer=t, to="approved", on=ISSUED)
    assert t.letter_valid_until == ISSUED + dt.timedelta(days=120)


def test_valid_until_is_fixed_at_issue(branch_setup):
    a, b = branch_setup["a"], branch_setup["b"]
    set_transfer_letter_days(actor=None, organization=a["committee"], days=30)
    t = _issue(branch_setup, _request(branch_setup))
    fixed = ISSUED + dt.timedelta(days=30)
    assert t.letter_valid_until == fixed

    # Changing the setting later changes no issued letter.
    set_transfer_letter_days(actor=a["admin"], organization=a["committee"], days=180)
    set_transfer_letter_days(actor=a["admin"], organization=a["branch"], days=150)
    t.refresh_from_db()
    assert t.letter_valid_until == fixed

    # Accepting after the letter's own date is refused, whatever the setting says now.
    with pytest.raises(ValidationError) as exc:
        services.move_transfer(
            actor=b["admin"], transfer=t, to="accepted", on=fixed + dt.timedelta(days=1)
        )
    assert "介绍信已于2026-04-01过期" in str(exc.value)
    t.refresh_from_db()
    assert t.status == "approved"
    t = services.move_transfer(actor=b["admin"], transfer=t, to="accepted", on=fixed)
    assert t.status == "accepted" and t.letter_valid_until == fixed


@pytest.mark.parametrize(
    ("issued_with", "changed_to", "today", "expired"),
    [
        # Issued for 30 days, the setting later raised to 180: expired on day 45.
        (30, 180, ISSUED + dt.timedelta(days=45), True),
        # Issued for 180 days, the setting later cut to 30: still valid on day 45.
        (180, 30, ISSUED + dt.timedelta(days=45), False),
    ],
)
def test_letter_expiry_finding_uses_the_letters_own_date(
    branch_setup, issued_with, changed_to, today, expired
):
    a = branch_setup["a"]
    set_transfer_letter_days(actor=None, organization=a["committee"], days=issued_with)
    t = _issue(branch_setup, _request(branch_setup))
    set_transfer_letter_days(actor=None, organization=a["committee"], days=changed_to)
    with time_machine.travel(dt.datetime.combine(today, dt.time(10), tzinfo=dt.UTC)):
        recompute_findings(rule_ids=["MOB-3"])
    f = Finding.objects.open().get(rule_id="MOB-3")  # stalled 45 days either way
    assert f.facts["letter_expired"] is expired
    until = ISSUED + dt.timedelta(days=issued_with)
    assert (f"介绍信已于{until:%Y-%m-%d}过期" in f.summary) is expired
    assert Transfer.objects.get(pk=t.pk).letter_valid_until == until


def test_transfer_page_shows_the_effective_validity_and_its_source(client_for, branch_setup):
    a = branch_setup["a"]
    t = _request(branch_setup)
    c = client_for(a["admin"])
    page = c.get(reverse("members:transfers")).content.decode()
    assert "开具后 90 天（系统默认）" in page

    set_transfer_letter_days(actor=None, organization=a["committee"], days=60)
    page = c.get(reverse("members:transfers")).content.decode()
    assert "开具后 60 天（甲镇党委设置）" in page

    _issue(branch_setup, t)
    set_transfer_letter_days(actor=None, organization=a["committee"], days=150)
    page = c.get(reverse("members:transfers")).content.decode()
    assert "2026-05-01" in page  # the issued letter's own date
    assert "开具后" not in page
