"""The 25-step recruitment procedure as data plus pure functions (rules.md REC-*).

No database access here: services and views pass in the dates already recorded, the
people involved and the effective local rule set, and get back either the window of the
next step or a list of `Problem`s, each citing its rule ID with the dates involved in
Chinese. National rules (细则 2014) are constants; local practice lives in `LocalRules`,
whose values may tighten but never relax the national ones (`validate_local_rules`).

Conventions fixed here (recorded in docs/adr/0015-recruitment-procedure.md):
- "within N months" uses calendar-month arithmetic with end-of-month clamping:
  one month after 31 January is the last day of February (`add_months`).
- "at least N months/years" (minimum periods: aged 18, activist for a year, probation)
  completes on 1 March when the start day does not exist in the target month (29 February
  in a non-leap year, 31 August + 6 months): `add_months_at_least`. A person born on
  29 February turns 18 on 1 March; this is the strict reading and matches the members
  app's probation end."""

from .probation import check_cancellation, check_extension, overdue_problems, stage_of
from .steps import (
    APPROVAL_STEP,
    ASSESSMENT_EVERY_MONTHS,
    CONTACTS_MAX,
    CONTACTS_MIN,
    EXTENSION_MAX_MONTHS,
    EXTENSION_MIN_MONTHS,
    FULL_APPLICATION_MONTHS_BEFORE_END,
    FULL_APPROVAL_STEP,
    LAST_STEP,
    LOCAL_RULE_LABELS,
    MIN_AGE,
    NATIONAL_ACTIVIST_TO_CANDIDATE_MONTHS,
    NATIONAL_APPROVAL_SPECIAL_MONTHS,
    NATIONAL_APPROVAL_WITHIN_MONTHS,
    NATIONAL_FULL_APPROVAL_WITHIN_MONTHS,
    NATIONAL_TALK_WITHIN_MONTHS,
    PROBATION_MONTHS,
    SPONSORS_REQUIRED,
    STAGE_SHORT,
    STAGES,
    STEPS,
    TRAINING_MIN_DAYS,
    TRAINING_MIN_HOURS,
    VOTE_STEPS,
    LocalRules,
    Problem,
    Step,
    add_months,
    add_months_at_least,
    age_on,
    eighteenth_birthday,
    fmt,
    validate_local_rules,
)
from .timing import (
    FOLLOWERS,
    CaseFacts,
    StepInput,
    Window,
    check_step,
    next_step,
    open_steps,
    probation_end,
    training_sufficient,
    window,
)
from .votes import PersonRef, VoteTally, check_vote, vote_outcome_problems

__all__ = [
    "APPROVAL_STEP",
    "ASSESSMENT_EVERY_MONTHS",
    "CONTACTS_MAX",
    "CONTACTS_MIN",
    "EXTENSION_MAX_MONTHS",
    "EXTENSION_MIN_MONTHS",
    "FOLLOWERS",
    "FULL_APPLICATION_MONTHS_BEFORE_END",
    "FULL_APPROVAL_STEP",
    "LAST_STEP",
    "LOCAL_RULE_LABELS",
    "MIN_AGE",
    "NATIONAL_ACTIVIST_TO_CANDIDATE_MONTHS",
    "NATIONAL_APPROVAL_SPECIAL_MONTHS",
    "NATIONAL_APPROVAL_WITHIN_MONTHS",
    "NATIONAL_FULL_APPROVAL_WITHIN_MONTHS",
    "NATIONAL_TALK_WITHIN_MONTHS",
    "PROBATION_MONTHS",
    "SPONSORS_REQUIRED",
    "STAGES",
    "STAGE_SHORT",
    "STEPS",
    "TRAINING_MIN_DAYS",
    "TRAINING_MIN_HOURS",
    "VOTE_STEPS",
    "CaseFacts",
    "LocalRules",
    "PersonRef",
    "Problem",
    "Step",
    "StepInput",
    "VoteTally",
    "Window",
    "add_months",
    "add_months_at_least",
    "age_on",
    "check_cancellation",
    "check_extension",
    "check_step",
    "check_vote",
    "eighteenth_birthday",
    "fmt",
    "next_step",
    "open_steps",
    "overdue_problems",
    "probation_end",
    "stage_of",
    "training_sufficient",
    "validate_local_rules",
    "vote_outcome_problems",
    "window",
]
