"""A row's outcome: its errors (column, reason in Chinese) and the action it would take."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: What a valid row does when applied.
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class RowError:
    """One problem of one row: the sheet row number (1 is the header row; 0 the file),
    the column header, the reason in Chinese, and the value (masked where personal)."""

    row: int
    column: str
    reason: str
    value: str = ""


@dataclass
class RowResult:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, reason)
    action: str = ""  # create / update / unchanged
    target: Any = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, column: str, reason: str) -> None:
        self.errors.append((column, reason))

    def row_errors(self) -> list[RowError]:
        return [RowError(self.row, column, reason) for column, reason in self.errors]
