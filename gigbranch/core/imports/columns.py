"""Columns of an import and the mapping of a file's headers onto them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Column:
    """One column of an import: the template header, the key the row validator reads,
    whether it must be filled, an example for the template, the longest text accepted
    (longer text is refused with the limit, never cut) and other headers that mean the
    same column (a platform's own roster calls 姓名 "骑手姓名")."""

    header: str
    key: str
    required: bool = False
    example: Any = ""
    max_length: int = 0
    aliases: tuple[str, ...] = ()


_HEADER_NOISE = re.compile(r"[\s*（）()：:]")


def header_key(header: Any) -> str:
    """A header as compared: without spaces, brackets, colons and the required mark *."""
    return _HEADER_NOISE.sub("", str(header or "")).lower()


def map_headers(headers: Sequence[Any], columns: Iterable[Column]) -> dict[str, int]:
    """key → index of the column in the header row (the template header or an alias)."""
    wanted: dict[str, str] = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            wanted.setdefault(header_key(name), col.key)
    found: dict[str, int] = {}
    for i, raw in enumerate(headers):
        key = wanted.get(header_key(raw))
        if key is not None and key not in found:
            found[key] = i
    return found


def missing_required(found: Iterable[str], columns: Iterable[Column]) -> list[str]:
    have = set(found)
    return [c.header for c in columns if c.required and c.key not in have]


def guess_mapping(
    headers: Sequence[str], columns: Sequence[Column], remembered: dict[str, str] | None = None
) -> dict[str, str]:
    """header → key for a file whose columns the user confirms (the roster): the
    remembered mapping first (a platform's last confirmed one), then headers and aliases."""
    keys = {c.key for c in columns}
    out: dict[str, str] = {}
    used: set[str] = set()
    remembered = remembered or {}
    for h in headers:
        key = remembered.get(h)
        if key is not None and key in keys and key not in used:
            out[h] = key
            used.add(key)
    names = [(c.key, {header_key(n) for n in (c.header, *c.aliases)}) for c in columns]
    for h in headers:
        if h in out:
            continue
        norm = header_key(h)
        for key, accepted in names:
            if key not in used and norm in accepted:
                out[h] = key
                used.add(key)
                break
    return out


def check_mapping(mapping: dict[str, str], columns: Sequence[Column]) -> None:
    """A confirmed mapping: known keys, each at most once, every required one present."""
    labels = {c.key: c.header for c in columns}
    keys = [k for k in mapping.values() if k]
    errors = {}
    unknown = [k for k in keys if k not in labels]
    if unknown:
        errors["mapping"] = f"未知字段：{'、'.join(unknown)}"
    dup = sorted({labels[k] for k in keys if k in labels and keys.count(k) > 1})
    if dup:
        errors["mapping"] = f"以下字段对应了多列：{'、'.join(dup)}"
    missing = missing_required(keys, columns)
    if missing:
        errors["required"] = f"必须指定以下字段对应的列：{'、'.join(missing)}"
    if errors:
        raise ValidationError(errors)
