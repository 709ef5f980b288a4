"""Demo recruitment data: a handful of workers at various stages in the demo branch.

Everything goes through the services (with actor=None), so the demo data obeys every
REC-* rule; dates are relative to today so the pipeline looks current whenever it runs.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from gigbranch.core.workcalendar import default_calendar
from gigbranch.members.models import MemberKind, MemberStatus, PartyMember, PoliticalStatus, Worker
from gigbranch.organizations.models import BRANCH_KINDS, Organization

from . import policy, services

# (label, months before today of the application, last step to record)
PLAN = [
    ("archived", 44, 25),
    ("new_member", 26, 20),
    ("probationary", 21, 21),
    ("awaiting_vote", 20, 14),
    ("candidate", 19, 10),
    ("activist", 8, 6),
    ("talk_overdue", None, 1),
    ("fresh", None, 1),
]


def _day_for(case: Any, step: int) -> dt.date:
    facts = services.facts_for(case)
    win = policy.window(step, facts, services.case_rules(case))
    if step in (3, 7, 22, 23):
        assert win.earliest is not None
        return win.earliest
    prior = max(facts.done[r] for r in policy.STEPS[step].requires)
    return prior + dt.timedelta(days=2 if step != 2 else 7)


def notice_start(day: dt.date, needed: int) -> dt.date:
    """The start of a public notice that ends the day before `day` with at least `needed`
    working days, whatever holidays (e.g. National Day) fall in it (REC-ORDER, local rule)."""
    calendar = default_calendar()
    start = day - dt.timedelta(days=14)
    while len(calendar.working_days_in(start, day - dt.timedelta(days=1))) < needed:
        start -= dt.timedelta(days=1)
    return start


def _drive(case: Any, until: int, *, contacts: list[int], sponsors: list[int], voters: int) -> Any:
    vote = services.VoteInput(
        should_attend=voters,
        present=voters - 1,
        written=1 if voters > 3 else 0,
        votes_for=voters - 1 + (1 if voters > 3 else 0),
        against=0,
        abstain=0,
    )
    while case.last_step < until and case.next_step is not None:
        for step in policy.open_steps(services.facts_for(case)):
            if step > until:
                return case
            day = _day_for(case, step)
            if day > timezone.localdate():  # the plan ran ahead of today: stop here
                return case
            kwargs: dict[str, Any] = {}
            if step == 5:
                kwargs["contact_ids"] = contacts
            elif step == 7:
                # REC-ORDER: at least 5 working days of public notice; three weeks hold
                # them even across the longest holiday (Spring Festival, National Day).
                kwargs.update(
                    notice_start=notice_start(
                        day, services.case_rules(case).public_notice_working_days
                    ),
                    notice_end=day - dt.timedelta(days=1),
                )
            elif step == 9:
                kwargs["sponsor_ids"] = sponsors
            elif step == 10:
                kwargs["review_conclusion"] = "pass"
            elif step == 11:
                kwargs.update(training_days=3, training_hours=24)
            elif step in policy.VOTE_STEPS:
                kwargs["vote"] = vote
            notes = {
                2: "支部书记与申请人谈话，了解入党动机。",
                6: "培养联系人每季度谈话一次。",
                20: "在党旗下进行入党宣誓。",
            }.get(step, "")
            services.record_step(actor=None, case=case, step=step, date=day, notes=notes, **kwargs)
            case.refresh_from_db()
    return case


def seed(*, rng: random.Random, ctx: Any, scale: str) -> None:
    branch_user = ctx.users.get("branch")
    branch: Organization | None = getattr(branch_user, "scope_organization", None)
    if branch is None or branch.kind not in BRANCH_KINDS:
        return
    today = timezone.localdate()
    full = list(
        PartyMember.objects.filter(
            organization=branch, kind=MemberKind.FULL, status=MemberStatus.NORMAL
        ).order_by("id")[:2]
    )
    if len(full) < 2:
        full += list(
            PartyMember.objects.filter(kind=MemberKind.FULL, status=MemberStatus.NORMAL)
            .exclude(pk__in=[m.pk for m in full])
            .order_by("id")[: 2 - len(full)]
        )
    if len(full) < 2:
        return
    voters = max(3, PartyMember.objects.filter(organization=branch, kind=MemberKind.FULL).count())
    candidates = list(
        Worker.objects.filter(
            workplace__organization=branch,
            status="active",
            political_status__in=[PoliticalStatus.MASSES, PoliticalStatus.LEAGUE_MEMBER],
            birth_date__lte=today - dt.timedelta(days=365 * 24),
        )
        .exclude(party_member__isnull=False)
        .order_by("id")[: len(PLAN) * 3]
    )
    rng.shuffle(candidates)
    services.save_ruleset(
        actor=None,
        region=ctx.county,
        name="云溪县发展党员工作规则",
        values=policy.LocalRules().as_dict(),
        basis="云溪县新就业群体发展党员工作实施办法（示例）",
    )
    services.set_year_target(actor=None, region=ctx.county, year=today.year, target=30)
    for (label, months, until), worker in zip(PLAN, candidates, strict=False):
        if label == "talk_overdue":
            applied = today - dt.timedelta(days=40)
        elif label == "fresh":
            applied = today - dt.timedelta(days=5)
        else:
            assert months is not None
            applied = policy.add_months(today, -months) - dt.timedelta(days=rng.randrange(0, 10))
        case = services.open_case(
            actor=None,
            worker=worker,
            organization=branch,
            application_date=applied,
            notes="本人递交书面入党申请书。",
        )
        _drive(case, until, contacts=[full[0].pk], sponsors=[full[0].pk, full[1].pk], voters=voters)
