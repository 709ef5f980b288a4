"""Batches, for files too large to hold as one list of row results (the roster).

A batch import validates rows in file order (`check_row` needs only the row; `settle`
applies what depends on the earlier rows: duplicates) and hands the writer one `Batch`
at a time, each written in its own transaction with the rows done saved as progress.

`validated_batches` is the plain, in-process way to produce them. A domain may produce
the same batches another way behind the same generator interface (`BatchValidation`):
the roster forks a reader and a sealer for a large file (members/rosterpipe.py, ADR 0052
gives the measured reason); a test checks both give equal batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .rows import RowError


@dataclass
class Batch:
    """One batch of the file, validated: how many rows it had, the valid rows to write,
    the keys (pks) of existing records whose row is unchanged, and the errors."""

    size: int
    valid: list[Any] = field(default_factory=list)
    same: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class BatchValidation(Protocol):
    """Validated batches of `data` (`rows` data rows) mapped with `mapping`; `seal` asks
    for the stored values of the valid rows ahead of the write."""

    def __call__(
        self,
        make_validator: Callable[[], Any],
        data: bytes,
        mapping: dict[str, str],
        *,
        rows: int,
        seal: bool = False,
    ) -> Iterator[Batch]: ...


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def validated_batches(
    check_row: Callable[[int, dict[str, Any]], Any],
    settle: Callable[[Any], tuple[int | None, Any, list[RowError]]],
    rows: Iterable[tuple[int, dict[str, Any]]],
    size: int,
) -> Iterator[Batch]:
    """(row number, {key: raw value}) rows, `size` at a time, through both stages:
    `settle(check_row(...))` gives (pk of an unchanged record or None, the valid row or
    None, the row's errors)."""
    for part in batched(rows, size):
        batch = Batch(len(part))
        for rownum, raw in part:
            pk, row, errors = settle(check_row(rownum, raw))
            if pk is not None:
                batch.same.append(pk)
            elif row is not None:
                batch.valid.append(row)
            if errors:
                batch.errors.extend(errors)
        yield batch
