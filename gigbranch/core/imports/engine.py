"""Parse and apply: the two steps of every row-by-row import.

`parse` reads and validates every row and writes nothing (the dry run); `apply` writes
the valid rows through the domain's services in one transaction and records one audit
event for the import (each service records its own for its object). A row that would
change nothing is not written, so applying the same file again changes nothing.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction

from gigbranch.core import audit

from .cells import FORMULA, REQUIRED, Cells, raw_cells
from .columns import Column, map_headers, missing_required
from .files import MAX_ROWS, ImportRefused, read_rows
from .rows import CREATE, UNCHANGED, UPDATE, RowError, RowResult

#: Called with (rows done, rows in all) while the valid rows are written.
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 200


class ImportSpec(abc.ABC):
    """What a domain supplies. Subclasses set the class attributes and implement
    `clean`, `match` and `write`; `prepare`, `key` and `differs` have defaults."""

    name: ClassVar[str]  # "workplaces"
    title: ClassVar[str]  # template title, e.g. 企业站点导入模板
    columns: ClassVar[Sequence[Column]]
    audit_action: ClassVar[str]
    audit_object_type: ClassVar[str]
    max_rows: ClassVar[int] = MAX_ROWS
    required_message: ClassVar[str] = REQUIRED
    formula_message: ClassVar[str] = FORMULA

    def prepare(self, actor: Any) -> Any:
        """State loaded once per file (lookups within the actor's scope)."""
        return None

    @abc.abstractmethod
    def clean(self, ctx: Any, cells: Cells) -> dict[str, Any]:
        """The row's values as the writer takes them; problems go to `cells.error`."""
        ...

    def key(self, values: dict[str, Any]) -> tuple[str, Hashable] | None:
        """(column header, identity) of the row: a second row with the same identity is
        an error naming the first. None: no duplicate check."""
        return None

    @abc.abstractmethod
    def match(self, ctx: Any, values: dict[str, Any], result: RowResult, actor: Any) -> Any:
        """The existing object this row updates, or None to create one. May add an
        error (a code held outside the actor's scope)."""
        ...

    def differs(self, target: Any, values: dict[str, Any]) -> bool:
        return bool(audit.diff(target, values))

    @abc.abstractmethod
    def write(self, row: RowResult, actor: Any) -> None:
        """Create (row.target is None) or update row.target through the services."""
        ...


@dataclass
class ParseResult:
    kind: str
    rows: list[RowResult]

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def good_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.errors]

    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.row_errors()]

    def counts(self) -> dict[str, int]:
        out = {"total": len(self.rows), "bad": 0, CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for r in self.rows:
            if r.errors:
                out["bad"] += 1
            else:
                out[r.action] += 1
        return out


def parse(spec: ImportSpec, data: bytes, *, actor: Any) -> ParseResult:
    """Read and validate every row; nothing is written. Raises ImportRefused for a file
    refused as a whole."""
    rows = read_rows(data, max_rows=spec.max_rows)
    if not rows:
        raise ImportRefused("文件是空的。")
    header = map_headers(rows[0][1], spec.columns)
    missing = missing_required(header, spec.columns)
    if missing:
        raise ImportRefused(
            f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板。", missing=missing
        )
    ctx = spec.prepare(actor)
    seen: dict[Hashable, int] = {}
    results: list[RowResult] = []
    for number, values in rows[1:]:
        if all(v in (None, "") for v in values):
            continue
        res = RowResult(row=number)
        raw = raw_cells(
            values,
            header,
            spec.columns,
            res,
            required_message=spec.required_message,
            formula_message=spec.formula_message,
        )
        res.values = spec.clean(ctx, Cells(raw, res, spec.columns))
        key = spec.key(res.values)
        if key is not None:
            column, identity = key
            first = seen.setdefault(identity, number)
            if first != number:
                res.error(column, f"与第{first}行重复")
        if res.ok:
            res.target = spec.match(ctx, res.values, res, actor)
        if res.ok:
            if res.target is None:
                res.action = CREATE
            else:
                res.action = UPDATE if spec.differs(res.target, res.values) else UNCHANGED
        results.append(res)
    return ParseResult(spec.name, results)


def apply(
    spec: ImportSpec,
    result: ParseResult,
    *,
    actor: Any,
    valid_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the parsed rows in one transaction. With errors present, writes nothing
    unless `valid_only`. Unchanged rows are not written."""
    if result.bad_rows and not valid_only:
        raise ValidationError(
            f"有{len(result.bad_rows)}行存在错误，未导入任何数据。请修改后重新导入，或选择“仅导入正确的行”。"
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": len(result.bad_rows)}
    good = result.good_rows
    with transaction.atomic():
        for done, row in enumerate(good, start=1):
            if row.action == UNCHANGED:
                counts["unchanged"] += 1
            else:
                spec.write(row, actor)
                counts["created" if row.action == CREATE else "updated"] += 1
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(good)):
                progress(done, len(good))
        audit.record(
            actor=actor,
            action=spec.audit_action,
            object_type=spec.audit_object_type,
            changes=counts | {"valid_only": valid_only},
        )
    return counts
