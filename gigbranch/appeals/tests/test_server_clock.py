"""Deadlines set by the services from the server clock (APL-1, APL-2, APL-3).

The server clock (`timezone.now()`) and the database hand out UTC; working hours and
working days are Beijing wall-clock time (ADR 0027). These tests let the services take the
time themselves, at instants given in UTC.
"""

import datetime as dt

import pytest
import time_machine

from gigbranch.appeals import rules, services
from gigbranch.appeals.models import Appeal, Channel

from .conftest import at

pytestmark = pytest.mark.django_db


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def submit(world, category="wages"):
    """Submit without `now`: the service reads the (travelled) server clock."""
    return services.submit_appeal(
        actor=world["worker_user"],
        category=world[category],
        description="站点拖欠三月份工资共计3200元",
        channel=Channel.PORTAL,
        worker=world["worker"],
        workplace=world["a"]["workplace"],
    ).appeal


def test_submit_at_16_beijing_is_accepted_by_18(world):
    # Thursday 24 Sep 2026 08:00 UTC = 16:00 Beijing. APL-1: 2 working hours → 18:00
    # (on the UTC clock: 11:00 UTC = 19:00 Beijing). APL-2 urgent: 1 working day, and
    # 25–27 Sep are rest days → Monday 28 Sep 16:00.
    with time_machine.travel(utc(2026, 9, 24, 8, 0), tick=False):
        a = submit(world)
    a = Appeal.objects.get(pk=a.pk)
    assert a.accept_due_at == at(2026, 9, 24, 18, 0)
    assert a.reply_due_at == at(2026, 9, 28, 16, 0)
    assert a.tracking_no.startswith("SQ20260924")


def test_submit_early_morning_beijing_on_a_holiday(world):
    # Wed 30 Sep 23:30 UTC = Thu 1 Oct 07:30 Beijing, National Day (1–7 Oct). On the UTC
    # clock it was still a working day 30 Sep, after hours.
    with time_machine.travel(utc(2026, 9, 30, 23, 30), tick=False):
        a = submit(world)
    a = Appeal.objects.get(pk=a.pk)
    assert a.accept_due_at == at(2026, 10, 8, 11, 0)
    # Urgent: the clock starts Thu 8 Oct 09:00; one working day later is Fri 9 Oct 09:00.
    assert a.reply_due_at == at(2026, 10, 9, 9, 0)
    assert a.tracking_no.startswith("SQ20261001")


def test_extension_keeps_the_beijing_time_of_day(world):
    # Tue 29 Sep 02:00 UTC = 10:00 Beijing; general (traffic) = 5 working days:
    # 30 Sep, 8, 9, 10 (make-up Saturday), 12 Oct → Monday 12 Oct 10:00.
    with time_machine.travel(utc(2026, 9, 29, 2, 0), tick=False):
        a = submit(world, category="traffic")
        services.accept(actor=world["traffic_handler"], appeal=a)
    a = Appeal.objects.get(pk=a.pk)
    assert a.reply_due_at == at(2026, 10, 12, 10, 0)
    # The extension reads the due time back from the database (in UTC, 02:00) and adds the
    # period again: 13, 14, 15, 16, 19 Oct → 19 Oct 10:00 (the UTC clock gave 17:00).
    with time_machine.travel(utc(2026, 10, 9, 3, 0), tick=False):
        services.request_extension(actor=world["traffic_handler"], appeal=a, reason="需协调交警")
    a.refresh_from_db()
    assert a.extension_used and a.reply_due_at == at(2026, 10, 19, 10, 0)


def test_reroute_and_reopen_count_on_beijing_hours(world):
    # Thu 24 Sep 07:50 UTC = 15:50 Beijing.
    with time_machine.travel(utc(2026, 9, 24, 7, 50), tick=False):
        a = submit(world)
        services.return_appeal(actor=world["handler"], appeal=a, reason="属于交通部门职责")
    # Reroute at 09:30 UTC = 17:30 Beijing: half an hour that day, 1.5 h on Mon 28 Sep.
    with time_machine.travel(utc(2026, 9, 24, 9, 30), tick=False):
        services.reroute(
            actor=world["county_admin"],
            appeal=a,
            department=world["renshe"],
            reason="按职责改派",
        )
    a.refresh_from_db()
    assert a.accept_due_at == at(2026, 9, 28, 10, 30)
    with time_machine.travel(utc(2026, 9, 28, 1, 30), tick=False):  # 09:30 Beijing
        services.accept(actor=world["handler"], appeal=a)
        services.reply(actor=world["handler"], appeal=a, text="已联系站点核实工资发放")
    # Rated unresolved at Mon 28 Sep 11:00 UTC = 19:00 Beijing, after hours: the new clock
    # starts Tue 29 Sep 09:00; urgent = one working day → Wed 30 Sep 09:00.
    with time_machine.travel(utc(2026, 9, 28, 11, 0), tick=False):
        services.rate(
            actor=world["worker_user"],
            appeal=a,
            resolved=False,
            satisfaction=rules.DISSATISFIED,
        )
    a.refresh_from_db()
    assert a.reopen_count == 1
    assert a.reply_due_at == at(2026, 9, 30, 9, 0)
