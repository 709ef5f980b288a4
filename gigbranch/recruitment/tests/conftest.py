"""Fixtures for recruitment tests: a branch with full and probationary members, and a
helper that takes a case through the steps with dates that satisfy every rule."""

import datetime as dt

import pytest
import time_machine

from gigbranch.members.models import MemberKind, PartyMember
from gigbranch.recruitment import policy, services
from tests.factories import UserFactory, WorkerFactory

TODAY = dt.date(2026, 11, 29)
START = dt.date(2023, 6, 1)
GOOD_VOTE = services.VoteInput(
    should_attend=9, present=7, written=1, votes_for=7, against=1, abstain=0
)


@pytest.fixture(autouse=True)
def _fast_hasher(fast_password_hashing):
    """Every test here hashes with the root conftest's fast hasher."""


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(
        dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    ):
        yield


def make_member(*, branch, region, kind=MemberKind.FULL, name=None, **kw):
    worker = WorkerFactory(region=region, **({"name": name} if name else {}), **kw)
    return PartyMember.objects.create(
        worker=worker, organization=branch, kind=kind, joined_on=dt.date(2015, 7, 1)
    )


@pytest.fixture
def rec(two_townships):
    """Town A: branch secretary, applicant, two full members, one probationary member."""
    a = two_townships["a"]
    secretary = UserFactory(
        username="secretary_a", role="branch_secretary", scope_organization=a["branch"]
    )
    applicant = WorkerFactory(
        name="赵申请", region=a["town"], workplace=a["workplace"], birth_date=dt.date(1998, 3, 8)
    )
    full1 = make_member(branch=a["branch"], region=a["town"], name="张正式")
    full2 = make_member(branch=a["branch"], region=a["town"], name="李正式")
    prob = make_member(
        branch=a["branch"], region=a["town"], name="王预备", kind=MemberKind.PROBATIONARY
    )
    return {
        **a,
        "secretary": secretary,
        "applicant": applicant,
        "full1": full1,
        "full2": full2,
        "prob": prob,
        "b": two_townships["b"],
    }


def step_date(case, step):
    facts = services.facts_for(case)
    win = policy.window(step, facts, services.case_rules(case))
    prior = max((facts.done[r] for r in policy.STEPS[step].requires), default=None)
    if step in (3, 7, 22, 23):
        return win.earliest
    return prior + dt.timedelta(days=1)


def step_kwargs(rec, step, day):
    if step == 5:
        return {"contact_ids": [rec["full1"].pk]}
    if step == 7:
        return {
            "notice_start": day - dt.timedelta(days=14),
            "notice_end": day - dt.timedelta(days=1),
        }
    if step == 9:
        return {"sponsor_ids": [rec["full1"].pk, rec["full2"].pk]}
    if step == 10:
        return {"review_conclusion": "pass"}
    if step == 11:
        return {"training_days": 3, "training_hours": 24}
    if step in (15, 23):
        return {"vote": GOOD_VOTE}
    return {}


def drive(rec, case, until):
    """Record steps in order up to `until` with valid dates; returns the refreshed case."""
    while case.last_step < until and case.next_step is not None:
        facts = services.facts_for(case)
        for step in policy.open_steps(facts):
            if step > until:
                return case
            day = step_date(case, step)
            services.record_step(
                actor=rec["secretary"],
                case=case,
                step=step,
                date=day,
                **step_kwargs(rec, step, day),
            )
            case.refresh_from_db()
    return case


@pytest.fixture
def open_case(rec):
    def make(application_date=START):
        return services.open_case(
            actor=rec["secretary"],
            worker=rec["applicant"],
            organization=rec["branch"],
            application_date=application_date,
        )

    return make
