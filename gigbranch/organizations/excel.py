"""Excel import and export of organisations and workplaces (issue 3: import and export).

The import runs on the import framework (`core/imports`, ADR 0052) with the specs in
`imports.py`: `parse` reads the file (the upload gate, defused XML, formulas refused) and
returns every row with its errors (row number, column, reason in Chinese) and the action
it would take; `apply` writes the valid rows through the services in one transaction —
refused while any row has errors unless the user explicitly asked for the valid rows
only. Re-importing the same file changes nothing.
"""

from __future__ import annotations

from typing import Any

from gigbranch.core import imports as framework
from gigbranch.core.imports import ImportRefused, ParseResult, Progress, RowResult
from gigbranch.core.imports.cells import raw_cells as _cells
from gigbranch.core.masking import mask_mobile
from gigbranch.core.xlsx import xlsx_bytes

from .imports import ORGANIZATION_COLUMNS, SPECS, WORKPLACE_COLUMNS

__all__ = [
    "ORGANIZATION_COLUMNS",
    "TEMPLATES",
    "WORKPLACE_COLUMNS",
    "ImportRefused",
    "ParseResult",
    "RowResult",
    "_cells",
    "apply",
    "export_organizations",
    "export_workplaces",
    "parse",
    "parse_organizations",
    "parse_workplaces",
    "template_bytes",
]

TEMPLATES = {kind: (spec.title, list(spec.columns)) for kind, spec in SPECS.items()}


def template_bytes(kind: str) -> bytes:
    spec = SPECS[kind]
    return framework.template_bytes(spec.title, spec.columns)


def parse(kind: str, data: bytes, *, actor: Any) -> ParseResult:
    return framework.parse(SPECS[kind], data, actor=actor)


def parse_workplaces(data: bytes, *, actor: Any) -> ParseResult:
    return parse("workplaces", data, actor=actor)


def parse_organizations(data: bytes, *, actor: Any) -> ParseResult:
    return parse("organizations", data, actor=actor)


def apply(
    result: ParseResult,
    *,
    actor: Any,
    valid_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the parsed rows. With errors present, writes nothing unless `valid_only`."""
    return framework.apply(
        SPECS[result.kind], result, actor=actor, valid_only=valid_only, progress=progress
    )


# --- Template and export ---------------------------------------------------------------


def _workbook(title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    return xlsx_bytes(title, headers, rows)


def _phone(value: str, reveal: bool) -> str:
    """Ledger phone cell: masked unless the exporter holds `pii.reveal` (DESIGN §2)."""
    return value if reveal else mask_mobile(value)


def _drop_masked(out: dict[str, Any], *keys: str) -> None:
    """A masked phone (from a masked export) is not a new value: keep what is stored."""
    for key in keys:
        if "*" in out.get(key, ""):
            del out[key]


def export_workplaces(qs: Any, *, reveal: bool = False) -> bytes:
    headers = [c.header for c in WORKPLACE_COLUMNS] + ["登记劳动者", "正式党员"]
    from .queries import full_members_by_workplace, workers_by_workplace

    full = full_members_by_workplace()
    workers = workers_by_workplace()
    rows = []
    for wp in qs.select_related("region", "organization", "instructor").order_by(
        "region__path", "name", "pk"
    ):
        rows.append(
            [
                wp.name,
                wp.credit_code or "",
                wp.get_kind_display(),
                wp.brand,
                wp.region.name,
                wp.address,
                float(wp.latitude) if wp.latitude is not None else "",
                float(wp.longitude) if wp.longitude is not None else "",
                wp.contact_name,
                _phone(wp.contact_phone, reveal),
                wp.reported_worker_count,
                wp.get_coverage_mode_display(),
                wp.organization.name if wp.organization else "",
                wp.instructor.name if wp.instructor else "",
                workers.get(wp.pk, 0),
                full.get(wp.pk, 0),
            ]
        )
    return _workbook("企业站点台账", headers, rows)


def export_organizations(qs: Any, *, reveal: bool = False) -> bytes:
    headers = [c.header for c in ORGANIZATION_COLUMNS] + ["正式党员", "党员总数"]
    rows = []
    for org in qs.select_related("region", "parent").order_by("path"):
        rows.append(
            [
                org.name,
                org.get_kind_display(),
                org.get_setup_method_display() if org.setup_method else "",
                org.parent.name if org.parent else "",
                org.region.name,
                org.founded_on.isoformat() if org.founded_on else "",
                org.term_start.isoformat() if org.term_start else "",
                org.term_years or "",
                org.secretary_name,
                _phone(org.secretary_phone, reveal),
                org.contact_name,
                _phone(org.contact_phone, reveal),
                org.address,
                getattr(org, "n_full", ""),
                getattr(org, "n_members", ""),
            ]
        )
    return _workbook("党组织台账", headers, rows)
