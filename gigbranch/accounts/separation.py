"""Two people for every grant of access (三员分立, GB/T 22239-2019 8.1.4.2 / 8.1.4.3).

Pure rules, no database. The system administrator *proposes* account changes; the
security administrator *approves* them; neither can do it alone:

- creating any account, changing an account's role or data scope, and re-enabling a
  disabled account grant access, so they always wait for approval;
- disabling a business account takes access away and is immediate (an official who
  leaves must lose access at once), but disabling one of the three administrators
  (系统/安全/审计管理员) waits for approval: one of them must not be able to silence
  another, e.g. the system administrator switching off the auditor;
- the approver is a security administrator who is neither the proposer nor the account
  the change is about;
- the initial password of an approved account is generated at approval and shown once
  to the approver, never to the proposer; the first login must change it.
"""

from __future__ import annotations

from django.db import models

from .roles import Role

THREE_ADMINS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class ChangeKind(models.TextChoices):
    CREATE = "create", "新建账号"
    CHANGE = "change", "变更角色或数据范围"
    DEACTIVATE = "deactivate", "停用账号"
    ACTIVATE = "activate", "启用账号"


def needs_approval(kind: str, target_role: str | None) -> bool:
    """Whether a change of `kind` to an account of `target_role` waits for a second person."""
    if kind == ChangeKind.DEACTIVATE:
        return target_role in THREE_ADMINS
    return True


def may_propose(actor_role: str) -> bool:
    return actor_role == Role.SYSTEM_ADMIN


def approval_refusal(
    *, approver_id: int, approver_role: str, proposer_id: int, target_id: int | None
) -> str:
    """Why this account may not approve the request ("" when it may)."""
    if approver_role != Role.SECURITY_ADMIN:
        return "只有安全管理员可以审批账号变更。"
    if approver_id == proposer_id:
        return "不能审批自己提出的申请。"
    if target_id is not None and approver_id == target_id:
        return "不能审批与本人账号有关的申请，请由另一名安全管理员审批。"
    return ""
