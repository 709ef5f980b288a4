"""Pure rules: state machine, SLA on the national calendar (APL-1/2/3), KPI formulas (APL-4)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigbranch.appeals import rules
from gigbranch.appeals.rules import KpiRow, Priority, Status
from gigbranch.core.workcalendar import WorkCalendar

from .conftest import at

CAL = WorkCalendar()

ALLOWED = {
    (Status.SUBMITTED, "accept"): Status.ACCEPTED,
    (Status.SUBMITTED, "return"): Status.RETURNED,
    (Status.SUBMITTED, "withdraw"): Status.WITHDRAWN,
    (Status.ACCEPTED, "return"): Status.RETURNED,
    (Status.ACCEPTED, "extend"): Status.ACCEPTED,
    (Status.ACCEPTED, "reply"): Status.REPLIED,
    (Status.RETURNED, "reroute"): Status.SUBMITTED,
    (Status.REPLIED, "rate_resolved"): Status.CLOSED,
    (Status.REPLIED, "rate_unresolved"): Status.REOPENED,
    (Status.REPLIED, "expire_unrated"): Status.CLOSED,
    (Status.REOPENED, "extend"): Status.REOPENED,
    (Status.REOPENED, "reply"): Status.REPLIED,
}


def test_transition_table_is_exactly_the_documented_one():
    assert rules.TRANSITIONS == ALLOWED


@pytest.mark.parametrize("move", sorted(ALLOWED))
def test_every_allowed_move(move):
    assert rules.next_status(*move) == ALLOWED[move]


REFUSED = [(s, a) for s in rules.STATUSES for a in rules.ACTIONS if (s, a) not in ALLOWED]


@pytest.mark.parametrize("move", REFUSED)
def test_every_refused_move(move):
    with pytest.raises(rules.TransitionRefused) as exc:
        rules.next_status(*move)
    assert "不能执行" in str(exc.value)


def test_refused_count():
    assert len(REFUSED) == len(rules.STATUSES) * len(rules.ACTIONS) - 12
    assert (Status.CLOSED, "reply") in REFUSED and (Status.WITHDRAWN, "accept") in REFUSED


# --- APL-1 accept within 2 working hours ---------------------------------------------------


def test_accept_due_same_afternoon():
    assert rules.accept_due(CAL, at(2026, 9, 24, 16, 0), Priority.GENERAL) == at(2026, 9, 24, 18, 0)


def test_accept_due_across_weekend():
    # Friday 17:00: one hour on Friday, one on Monday morning.
    assert rules.accept_due(CAL, at(2026, 10, 16, 17, 0), Priority.GENERAL) == at(
        2026, 10, 19, 10, 0
    )
    # Thursday 24 Sep 17:00: Mid-Autumn Festival 25–27 Sep, then Monday.
    assert rules.accept_due(CAL, at(2026, 9, 24, 17, 0), Priority.GENERAL) == at(2026, 9, 28, 10, 0)


def test_accept_due_on_makeup_sunday_2026_09_20():
    assert rules.accept_due(CAL, at(2026, 9, 18, 17, 0), Priority.GENERAL) == at(2026, 9, 20, 10, 0)


def test_accept_due_lunch_break_is_not_working_time():
    assert rules.accept_due(CAL, at(2026, 9, 28, 11, 0), Priority.GENERAL) == at(
        2026, 9, 28, 14, 30
    )


def test_accept_due_across_national_day_2026():
    # Wed 30 Sep 17:00 → 1 h that day, holiday 1–7 Oct, 1 h on Thu 8 Oct.
    assert rules.accept_due(CAL, at(2026, 9, 30, 17, 0), Priority.URGENT) == at(2026, 10, 8, 10, 0)


def test_emergency_accept_any_hour():
    assert rules.accept_due(CAL, at(2026, 10, 3, 23, 0), Priority.EMERGENCY) == at(
        2026, 10, 3, 23, 30
    )
    assert rules.reply_due(CAL, at(2026, 10, 3, 23, 0), Priority.EMERGENCY) == at(2026, 10, 4, 1, 0)


# --- APL-2 reply ---------------------------------------------------------------------------


def test_general_reply_across_national_day():
    # Thu 24 Sep 17:00 → 28, 29, 30 Sep, 8, 9 Oct.
    assert rules.reply_due(CAL, at(2026, 9, 24, 17, 0), Priority.GENERAL) == at(2026, 10, 9, 17, 0)


def test_weekend_submission_uses_makeup_saturday_2026_10_10():
    # Saturday 26 Sep: the clock starts Mon 28 Sep 09:00; days 29, 30 Sep, 8, 9 Oct and
    # the make-up working Saturday 10 Oct.
    assert CAL.is_working_day(dt.date(2026, 10, 10)) is True
    assert rules.reply_due(CAL, at(2026, 9, 26, 10, 0), Priority.GENERAL) == at(2026, 10, 10, 9, 0)


def test_urgent_reply_one_working_day_over_holiday():
    assert rules.reply_due(CAL, at(2026, 9, 30, 10, 0), Priority.URGENT) == at(2026, 10, 8, 10, 0)


def test_complex_reply_fifteen_working_days():
    assert rules.reply_due(CAL, at(2026, 9, 28, 9, 0), Priority.COMPLEX) == at(2026, 10, 23, 9, 0)


def test_extension_adds_the_period_once_more():
    due = rules.reply_due(CAL, at(2026, 9, 24, 17, 0), Priority.GENERAL)
    assert due == at(2026, 10, 9, 17, 0)
    # 10 (make-up Saturday), 12, 13, 14, 15 Oct.
    assert rules.extended_due(CAL, due, Priority.GENERAL) == at(2026, 10, 15, 17, 0)


# --- deadlines from UTC-aware times (the server clock and the database hand out UTC) --------


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_accept_due_from_utc_is_counted_on_beijing_hours():
    # 08:00 UTC = 16:00 Beijing, Thursday 24 Sep: due 18:00 Beijing (not 19:00).
    due = rules.accept_due(CAL, utc(2026, 9, 24, 8, 0), Priority.GENERAL)
    assert due == at(2026, 9, 24, 18, 0)
    assert due.utcoffset() == dt.timedelta(hours=8)


def test_accept_due_from_utc_around_midnight():
    # Monday 28 Sep 23:30 UTC = Tuesday 29 Sep 07:30 Beijing: office opens at 09:00.
    assert rules.accept_due(CAL, utc(2026, 9, 28, 23, 30), Priority.GENERAL) == at(
        2026, 9, 29, 11, 0
    )
    # Wed 30 Sep 23:30 UTC = Thu 1 Oct 07:30 Beijing: National Day, so Thu 8 Oct.
    assert rules.accept_due(CAL, utc(2026, 9, 30, 23, 30), Priority.GENERAL) == at(
        2026, 10, 8, 11, 0
    )


def test_reply_due_from_utc_keeps_the_beijing_time_of_day():
    # 08:00 UTC = 16:00 Beijing Thursday 24 Sep; urgent = 1 working day → Mon 28 Sep 16:00.
    assert rules.reply_due(CAL, utc(2026, 9, 24, 8, 0), Priority.URGENT) == at(2026, 9, 28, 16, 0)
    # Fri 13 Feb 2026 11:00 UTC = 19:00 Beijing, after hours: the clock starts on the make-up
    # Saturday 14 Feb 09:00; Spring Festival 15–23 Feb; 24–27 Feb and Sat 28 Feb.
    assert rules.reply_due(CAL, utc(2026, 2, 13, 11, 0), Priority.GENERAL) == at(2026, 2, 28, 9, 0)


def test_extension_of_a_due_time_read_back_in_utc():
    # A 10:00 Beijing deadline comes back from the database as 02:00 UTC; the extension
    # keeps 10:00 (the UTC clock would have moved it to 09:00 UTC = 17:00 Beijing).
    due = at(2026, 10, 9, 10, 0).astimezone(dt.UTC)
    # 10 (make-up Saturday), 12, 13, 14, 15 Oct.
    assert rules.extended_due(CAL, due, Priority.GENERAL) == at(2026, 10, 15, 10, 0)


def test_emergency_deadlines_from_utc_are_wall_clock_time():
    assert rules.accept_due(CAL, utc(2026, 10, 3, 15, 0), Priority.EMERGENCY) == at(
        2026, 10, 3, 23, 30
    )
    assert rules.reply_due(CAL, utc(2026, 10, 3, 15, 0), Priority.EMERGENCY) == at(
        2026, 10, 4, 1, 0
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2026, 12, 20),
        timezones=st.just(dt.UTC),
    ),
    st.sampled_from([Priority.URGENT, Priority.GENERAL, Priority.COMPLEX]),
)
def test_deadlines_are_the_same_for_utc_and_beijing_input(received, priority):
    local = received.astimezone(at(2026, 1, 1).tzinfo)
    assert rules.accept_due(CAL, received, priority) == rules.accept_due(CAL, local, priority)
    assert rules.reply_due(CAL, received, priority) == rules.reply_due(CAL, local, priority)
    due = rules.reply_due(CAL, local, priority)
    assert rules.extended_due(CAL, due.astimezone(dt.UTC), priority) == rules.extended_due(
        CAL, due, priority
    )


def test_sla_phases():
    start, due = at(2026, 10, 8, 9, 0), at(2026, 10, 8, 19, 0)
    assert rules.sla_phase(at(2026, 10, 8, 16, 59), start, due) == "ok"
    assert rules.sla_phase(at(2026, 10, 8, 17, 0), start, due) == "warning"
    assert rules.sla_phase(due, start, due) == "warning"
    assert rules.sla_phase(due + dt.timedelta(seconds=1), start, due) == "breached"


def test_unrated_after_seven_days():
    replied = at(2026, 10, 8, 10, 0)
    assert rules.unrated_expired(replied + dt.timedelta(days=7), replied) is True
    assert rules.unrated_expired(replied + dt.timedelta(days=6, hours=23), replied) is False
    assert rules.unrated_expired(replied, None) is False


@given(
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 20)),
    st.sampled_from([Priority.URGENT, Priority.GENERAL, Priority.COMPLEX]),
)
def test_due_is_always_after_receipt_and_in_working_time(naive, priority):
    received = naive.replace(tzinfo=at(2026, 1, 1).tzinfo)
    accept = rules.accept_due(CAL, received, priority)
    reply = rules.reply_due(CAL, received, priority)
    assert received < accept <= reply
    assert CAL.is_working_day(accept.date()) and CAL.is_working_day(reply.date())


# --- APL-4 KPI formulas --------------------------------------------------------------------


def _row(
    accepted=True,
    late_accept=False,
    replied=None,
    resolved=None,
    sat="",
    status=Status.CLOSED,
    due=at(2026, 10, 15, 17, 0),
):
    received = at(2026, 10, 8, 9, 0)
    return KpiRow(
        received_at=received,
        accept_due_at=at(2026, 10, 8, 11, 0),
        accepted_at=(at(2026, 10, 8, 12, 0) if late_accept else at(2026, 10, 8, 10, 0))
        if accepted
        else None,
        reply_due_at=due,
        replied_at=replied,
        status=status,
        resolved=resolved,
        satisfaction=sat,
    )


def test_kpi_formulas_on_hand_built_set():
    now = at(2026, 10, 20, 9, 0)
    rows = [
        _row(replied=at(2026, 10, 9, 9, 0), resolved=True, sat=rules.SATISFIED),  # 24 h
        _row(replied=at(2026, 10, 10, 9, 0), resolved=True, sat=rules.BASICALLY_SATISFIED),  # 48 h
        _row(
            late_accept=True,
            replied=at(2026, 10, 16, 9, 0),
            resolved=False,
            sat=rules.DISSATISFIED,
            status=Status.REOPENED,
        ),  # 192 h, replied late
        _row(replied=at(2026, 10, 11, 9, 0), status=Status.REPLIED),  # 72 h, unrated
        _row(accepted=False, status=Status.SUBMITTED),  # open, past due → overdue
    ]
    kpi = rules.compute_kpi(rows, now)
    assert (kpi.received, kpi.responded, kpi.rated, kpi.resolved, kpi.satisfied, kpi.overdue) == (
        5,
        3,
        3,
        2,
        2,
        2,
    )
    assert kpi.response_rate == 0.6
    assert kpi.resolution_rate == 0.6667
    assert kpi.satisfaction_rate == 0.6667
    assert kpi.avg_handling_hours == 84.0


def test_kpi_empty_set_has_no_rates():
    kpi = rules.compute_kpi([], at(2026, 10, 20, 9, 0))
    assert kpi.received == 0 and kpi.response_rate is None and kpi.avg_handling_hours is None


def test_routing_most_specific_region_wins_and_fallback_is_none():
    table = [rules.RouteRule("wages", "", 1), rules.RouteRule("wages", "000001.000002.", 2)]
    assert rules.route(table, category="wages", region_path="000001.000002.") == 2
    assert rules.route(table, category="wages", region_path="000001.000003.") == 1
    assert rules.route(table, category="housing", region_path="000001.000002.") is None
