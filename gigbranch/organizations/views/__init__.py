"""Network pages (organisations, workplaces, coverage, findings, ledgers), one module per
page group; `urls.py` names them through this package."""

from .coverage import coverage, coverage_points
from .editing import (
    instructor_create,
    instructor_edit,
    organization_create,
    ruleset_edit,
    workplace_assign_instructor,
    workplace_create,
    workplace_edit,
)
from .findings import finding_object_url, findings, findings_recheck
from .ledgers import KINDS, XLSX, export_ledger, import_apply, import_start, import_template
from .registry import instructors, phone_reveal, workplace_detail, workplaces
from .tree import (
    committee_add,
    committee_remove,
    organization_detail,
    organization_edit,
    organization_move,
    transfer_letter_days,
    tree,
    tree_children,
)

__all__ = [
    "KINDS",
    "XLSX",
    "committee_add",
    "committee_remove",
    "coverage",
    "coverage_points",
    "export_ledger",
    "finding_object_url",
    "findings",
    "findings_recheck",
    "import_apply",
    "import_start",
    "import_template",
    "instructor_create",
    "instructor_edit",
    "instructors",
    "organization_create",
    "organization_detail",
    "organization_edit",
    "organization_move",
    "phone_reveal",
    "ruleset_edit",
    "transfer_letter_days",
    "tree",
    "tree_children",
    "workplace_assign_instructor",
    "workplace_create",
    "workplace_detail",
    "workplace_edit",
    "workplaces",
]
