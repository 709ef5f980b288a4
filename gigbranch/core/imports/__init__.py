"""One framework for every Excel import (ADR 0052).

A domain supplies a small declarative spec — its columns (`Column`, with header aliases)
and its row validator and writer (`ImportSpec`) — and the framework does the rest:

- `files`: the upload gate (`core/workbook.py`: size, zip bomb, damaged archive), then the
  sheet read with defused XML (entity declarations refused), formulas marked so that a row
  holding one is refused; the template download and the error report (`core/xlsx.py`);
- `columns`: header mapping (exact header, aliases, a remembered mapping) and the check
  that every required column is present;
- `cells`: typed cell readers that add a Chinese reason to the row (required, formula,
  control characters, text over its limit, choices, numbers, dates, yes/no);
- `engine`: `parse` (every row validated, each error with its row number, column and
  reason; the action each valid row would take: create / update / unchanged) and `apply`
  (the valid rows written through the domain's services in one transaction, refused
  while a row has errors unless only the valid rows are asked for; unchanged rows are not
  written, so importing the same file twice changes nothing the second time; progress
  reported as rows done / total);
- `batches`: the batch interface for very large files (the roster): validated batches
  from one generator, in-process by default; the roster's forked reader and sealer
  (`members/rosterpipe.py`) is one implementation of it.

The framework knows no domain app: specs live in their apps (organizations/imports.py,
stations/imports.py, members/roster.py).
"""

from .cells import Cells
from .columns import Column, check_mapping, guess_mapping, header_key, map_headers
from .engine import ImportSpec, ParseResult, Progress, RowResult, apply, parse
from .files import ImportRefused, error_report, read_rows, template_bytes
from .rows import RowError

__all__ = [
    "Cells",
    "Column",
    "ImportRefused",
    "ImportSpec",
    "ParseResult",
    "Progress",
    "RowError",
    "RowResult",
    "apply",
    "check_mapping",
    "error_report",
    "guess_mapping",
    "header_key",
    "map_headers",
    "parse",
    "read_rows",
    "template_bytes",
]
