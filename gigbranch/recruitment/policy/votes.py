"""Voting (REC-VOTE) and the people on a step: contacts and sponsors. Pure functions, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass
from .steps import Problem

# --- Voting (REC-VOTE) ------------------------------------------------------------------


@dataclass(frozen=True)
class VoteTally:
    should_attend: int  # voting (full) members who should attend
    present: int  # voting members present
    written: int  # written opinions from absent voting members
    votes_for: int
    against: int
    abstain: int
    probationary_voters: tuple[str, ...] = ()  # names of probationary members among voters

    @property
    def ballots(self) -> int:
        return self.votes_for + self.against + self.abstain

    @property
    def quorum(self) -> bool:
        return self.present * 2 > self.should_attend

    @property
    def passed(self) -> bool:
        return self.quorum and self.votes_for * 2 > self.should_attend


def check_vote(tally: VoteTally) -> list[Problem]:
    """REC-VOTE: consistency of the numbers, quorum, majority of those who should attend."""
    out: list[Problem] = []
    if tally.probationary_voters:
        names = "、".join(tally.probationary_voters)
        out.append(
            Problem("REC-VOTE", f"REC-VOTE：预备党员没有表决权，{names}不能参加表决。", "voters")
        )
    values = (
        tally.should_attend,
        tally.present,
        tally.written,
        tally.votes_for,
        tally.against,
        tally.abstain,
    )
    if any(v < 0 for v in values):
        return [*out, Problem("REC-VOTE", "REC-VOTE：表决人数不能为负数。", "vote")]
    if tally.should_attend < 1:
        out.append(
            Problem("REC-VOTE", "REC-VOTE：应到有表决权的正式党员人数至少为1。", "should_attend")
        )
    if tally.present + tally.written > tally.should_attend:
        out.append(
            Problem(
                "REC-VOTE",
                f"REC-VOTE：实到{tally.present}人加书面意见{tally.written}份，超过应到有表决权的"
                f"正式党员{tally.should_attend}人。",
                "present",
            )
        )
    if tally.ballots > tally.present + tally.written:
        out.append(
            Problem(
                "REC-VOTE",
                f"REC-VOTE：赞成、反对、弃权合计{tally.ballots}票，多于实到{tally.present}人与书面意见"
                f"{tally.written}份之和。",
                "votes_for",
            )
        )
    return out


def vote_outcome_problems(tally: VoteTally, *, claims_pass: bool) -> list[Problem]:
    """Refuse to record a pass that the numbers do not support (REC-VOTE)."""
    problems = check_vote(tally)
    if problems or not claims_pass:
        return problems
    if not tally.quorum:
        return [
            Problem(
                "REC-VOTE",
                f"REC-VOTE：实到有表决权的正式党员{tally.present}人，未超过应到{tally.should_attend}人"
                "的半数，不能开会表决。",
                "present",
            )
        ]
    if not tally.passed:
        return [
            Problem(
                "REC-VOTE",
                f"REC-VOTE：赞成票{tally.votes_for}票（含书面意见），未超过应到有表决权的正式党员"
                f"{tally.should_attend}人的半数，不能记为通过。",
                "votes_for",
            )
        ]
    return []


# --- People on a step (contacts, sponsors) -----------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    name: str
    kind: str  # "full" or "probationary"
    status: str  # "normal" or other


def _not_full(people: Iterable[PersonRef]) -> list[str]:
    return [p.name for p in people if p.kind != "full" or p.status != "normal"]
