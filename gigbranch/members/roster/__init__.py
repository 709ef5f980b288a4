"""Roster engine on the import framework (`core/imports`, ADR 0011 and 0052): read an
Excel roster, map its columns, validate rows, upsert workers.

Used by the Excel import (services/roster.py, in batches, possibly in a background task)
and by the roster API (api/members.py). Rows are validated one by one (rules.md ID:
check character; mobile format; duplicates in the file; duplicates against the database by
the ID blind index; unknown workplace). Valid rows are upserted by the ID blind index (the
API also by platform worker ID); an unchanged row is recognised by a keyed fingerprint and
costs no write. Plaintext never reaches the database: the model fields encrypt.

- `columns`: the roster's columns and aliases, header mapping, reading the file;
- `checks`: row validation, fingerprints, sealing;
- `store`: upsert and the fast insert.
The forked reader and sealer for large files is `members/rosterpipe.py`.
"""

from __future__ import annotations

from gigbranch.core.imports import RowError
from gigbranch.core.imports.batches import batched

from .checks import (
    _ID_CONTEXT,
    _MOBILE_CONTEXT,
    CONTROL_MESSAGE,
    Checked,
    CleanRow,
    Validator,
    mask_value,
    raw_fingerprint,
    sealed_values,
    workplaces_for,
)
from .columns import (
    COLUMNS,
    EXCEL_EPOCH,
    FIELDS,
    OCCUPATION_LABELS,
    POLITICAL_LABELS,
    SYNONYMS,
    UNREADABLE,
    RosterFileError,
    _date,
    _text,
    check_mapping,
    guess_mapping,
    iter_mapped_rows,
    open_sheet,
    read_headers,
)
from .store import (
    DIFF_FIELDS,
    ONLY_FIELDS,
    WRITE_FIELDS,
    Existing,
    UpsertStats,
    _user,
    apply_rows,
    bulk_insert,
    classify,
    insert_new,
    lookup_existing,
    writable_workers,
)

#: Rows per batch: validated, written and committed together (progress moves per batch).
CHUNK = 2000

__all__ = [
    "CHUNK",
    "COLUMNS",
    "CONTROL_MESSAGE",
    "DIFF_FIELDS",
    "EXCEL_EPOCH",
    "FIELDS",
    "OCCUPATION_LABELS",
    "ONLY_FIELDS",
    "POLITICAL_LABELS",
    "SYNONYMS",
    "UNREADABLE",
    "WRITE_FIELDS",
    "_ID_CONTEXT",
    "_MOBILE_CONTEXT",
    "Checked",
    "CleanRow",
    "Existing",
    "RosterFileError",
    "RowError",
    "UpsertStats",
    "Validator",
    "_date",
    "_text",
    "_user",
    "apply_rows",
    "batched",
    "bulk_insert",
    "check_mapping",
    "classify",
    "guess_mapping",
    "insert_new",
    "iter_mapped_rows",
    "lookup_existing",
    "mask_value",
    "open_sheet",
    "raw_fingerprint",
    "read_headers",
    "sealed_values",
    "workplaces_for",
    "writable_workers",
]
