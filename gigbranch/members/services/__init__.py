"""Writes for the people domain. Every function is keyword-only, atomic and audited.

Other apps call these names from `gigbranch.members.services`:
- admit_probationary_member(*, actor, worker, organization, vote_date)   (recruitment)
- confirm_full_membership(*, actor, member, date)                         (recruitment)
- post_points(*, actor, person, event_kind, source_key, points=None)      (portal, activities)
"""

from .dues import (
    assess_dues,
    consecutive_unpaid,
    due_by_month,
    member_arrears,
    paid_by_month,
    paid_months,
    record_income,
    record_payment,
)
from .honours import (
    create_model_post,
    create_vanguard_team,
    hidden_team_members,
    team_members_from_ids,
    update_vanguard_team,
)
from .membership import (
    admit_probationary_member,
    confirm_full_membership,
    decide_status,
    ensure_member,
    probation_end,
    record_away,
    record_mobile_member,
)
from .points import balance, post_points, rule_for, set_point_rule, update_point_rule
from .transfers import letter_validity, letter_validity_days, move_transfer, request_transfer
from .workers import (
    REVEALABLE,
    create_worker,
    mark_left,
    reveal,
    update_worker,
)

__all__ = [
    "REVEALABLE",
    "admit_probationary_member",
    "assess_dues",
    "balance",
    "confirm_full_membership",
    "consecutive_unpaid",
    "create_model_post",
    "create_vanguard_team",
    "create_worker",
    "decide_status",
    "due_by_month",
    "ensure_member",
    "hidden_team_members",
    "letter_validity",
    "letter_validity_days",
    "mark_left",
    "member_arrears",
    "move_transfer",
    "paid_by_month",
    "paid_months",
    "post_points",
    "probation_end",
    "record_away",
    "record_income",
    "record_mobile_member",
    "record_payment",
    "request_transfer",
    "reveal",
    "rule_for",
    "set_point_rule",
    "team_members_from_ids",
    "update_point_rule",
    "update_vanguard_team",
    "update_worker",
]
