"""Thin views: parse, check permission, call a service, render."""

from .imports import (
    IN_PROGRESS,
    import_detail,
    import_errors,
    import_mapping,
    import_progress,
    imports,
)
from .members import (
    MOVE_LABELS,
    dues_ledger,
    honours,
    members,
    transfer_move,
    transfers,
    workplace_honours,
)
from .own import my_dues, my_points
from .points import point_rule_create, point_rule_edit, point_rules
from .vanguard import (
    vanguard_member_search,
    vanguard_team_create,
    vanguard_team_edit,
    vanguard_teams,
)
from .workers import (
    member_assessment,
    member_decision,
    member_model_post,
    member_payment,
    member_transfer,
    worker_consent,
    worker_detail,
    worker_mobile,
    worker_reveal,
    workers,
)

__all__ = [
    "IN_PROGRESS",
    "MOVE_LABELS",
    "dues_ledger",
    "honours",
    "import_detail",
    "import_errors",
    "import_mapping",
    "import_progress",
    "imports",
    "member_assessment",
    "member_decision",
    "member_model_post",
    "member_payment",
    "member_transfer",
    "members",
    "my_dues",
    "my_points",
    "point_rule_create",
    "point_rule_edit",
    "point_rules",
    "transfer_move",
    "transfers",
    "vanguard_member_search",
    "vanguard_team_create",
    "vanguard_team_edit",
    "vanguard_teams",
    "worker_consent",
    "worker_detail",
    "worker_mobile",
    "worker_reveal",
    "workers",
    "workplace_honours",
]
