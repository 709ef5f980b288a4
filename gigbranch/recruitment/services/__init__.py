"""Writes for recruitment (REC-*). Each is keyword-only, atomic, validated and audited.

Validation is the pure `policy` module; this module gathers the facts from the database,
turns `policy.Problem`s into a `ValidationError` keyed by form field (messages in Chinese
with the rule ID and the dates), saves, appends a `CaseEvent` and an audit event.
Membership itself belongs to the members app: step 17 calls
`members.services.admit_probationary_member`, step 24 `confirm_full_membership`."""

from .cases import apply_online, open_case, organization_for_worker
from .facts import CHANGE, RULES, case_rules, effective_rules, facts_for
from .probation import cancel_probation, extend_probation, stop_case
from .rulesets import save_ruleset, set_year_target
from .scans import MAGIC, attach_scan, sniff
from .steps import VoteInput, record_assessment, record_step

__all__ = [
    "CHANGE",
    "MAGIC",
    "RULES",
    "VoteInput",
    "apply_online",
    "attach_scan",
    "cancel_probation",
    "case_rules",
    "effective_rules",
    "extend_probation",
    "facts_for",
    "open_case",
    "organization_for_worker",
    "record_assessment",
    "record_step",
    "save_ruleset",
    "set_year_target",
    "sniff",
    "stop_case",
]
