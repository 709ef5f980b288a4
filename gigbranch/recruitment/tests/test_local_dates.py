"""Recruitment time rules on the local date and the working calendar (REC-ORDER, ADR 0027).

The server clock is UTC; between 00:00 and 08:00 Beijing time the UTC date is still the day
before. Reminders, overdue findings and "not after today" use the local date.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from gigbranch.core.models import Finding
from gigbranch.core.services import recompute_findings
from gigbranch.recruitment import services

from .conftest import drive

pytestmark = pytest.mark.django_db


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_talk_deadline_counts_local_days_around_midnight(rec):
    # Step 2 (talk) is due by 2026-12-01 for an application on 2026-11-01.
    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 11, 1),
    )
    # 2026-11-30 17:00 UTC = 2026-12-01 01:00 Beijing: due today (the UTC date says 1 day).
    with time_machine.travel(utc(2026, 11, 30, 17, 0), tick=False):
        recompute_findings(rule_ids=["REC-ORDER"])
    f = Finding.objects.get(rule_id="REC-ORDER", object_id=str(case.pk))
    assert f.severity == "warning" and f.summary.endswith("须在2026-12-01前完成，还剩0天。")
    # 2026-12-01 16:30 UTC = 2026-12-02 00:30 Beijing: one day overdue.
    with time_machine.travel(utc(2026, 12, 1, 16, 30), tick=False):
        recompute_findings(rule_ids=["REC-ORDER"])
    f.refresh_from_db()
    assert f.severity == "violation" and "已逾期1天" in f.summary


def test_step_dated_today_is_accepted_in_the_early_morning(rec):
    case = services.open_case(
        actor=rec["secretary"],
        worker=rec["applicant"],
        organization=rec["branch"],
        application_date=dt.date(2026, 11, 1),
    )
    with time_machine.travel(utc(2026, 11, 30, 17, 0), tick=False):  # 1 Dec 01:00 Beijing
        with pytest.raises(ValidationError) as exc:
            services.record_step(
                actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 12, 2)
            )
        assert "晚于今天（2026-12-01）" in str(exc.value)
        services.record_step(actor=rec["secretary"], case=case, step=2, date=dt.date(2026, 12, 1))
    assert case.steps.get(step=2).date == dt.date(2026, 12, 1)


def test_public_notice_across_national_day_counts_working_days(rec, open_case):
    # 2026: Mid-Autumn 25–27 Sep and National Day 1–7 Oct are rest days; Sunday 20 Sep and
    # Saturday 10 Oct are make-up working days.
    case = drive(rec, open_case(dt.date(2023, 9, 1)), 6)
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=rec["secretary"],
            case=case,
            step=7,
            date=dt.date(2026, 10, 12),
            notice_start=dt.date(2026, 9, 29),
            notice_end=dt.date(2026, 10, 9),  # 29, 30 Sep, 8, 9 Oct
        )
    assert "仅4个工作日" in exc.value.message_dict["notice_end"][0]
    services.record_step(
        actor=rec["secretary"],
        case=case,
        step=7,
        date=dt.date(2026, 10, 12),
        notice_start=dt.date(2026, 9, 29),
        notice_end=dt.date(2026, 10, 10),  # + the make-up Saturday
    )
    assert case.steps.get(step=7).data["notice_working_days"] == 5
