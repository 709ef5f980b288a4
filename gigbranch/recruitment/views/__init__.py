"""Recruitment pages (the 25-step procedure, REC-*), one module per page group; `urls.py`
names them through this package."""

from .apply import portal_apply
from .cases import case_detail, case_list, case_new, overview
from .documents import DOCX, case_document, register_document
from .rules import rules
from .steps import (
    attach,
    attachment,
    probation_decision,
    record_assessment,
    record_step,
    review_delay,
    stop_case,
)

__all__ = [
    "DOCX",
    "attach",
    "attachment",
    "case_detail",
    "case_document",
    "case_list",
    "case_new",
    "overview",
    "portal_apply",
    "probation_decision",
    "record_assessment",
    "record_step",
    "register_document",
    "review_delay",
    "rules",
    "stop_case",
]
