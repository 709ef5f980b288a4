"""Every Excel file the system writes goes through gigbranch.core.xlsx: text that a
spreadsheet would run as a formula comes out as text, and a control character typed into
a text field (a vertical tab) does not break the export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gigbranch.core.xlsx import xlsx_bytes
from tests.factories import WorkerFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

EVIL = "=1+1"
VT = "甲\x0b乙"


def cells(data: bytes) -> dict[Any, Any]:
    """Every non-empty cell of the first sheet by value (the workbook must open)."""
    ws = load_workbook(io.BytesIO(data)).active
    return {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}


def assert_text_not_formula(found: dict[Any, Any]) -> None:
    cell = found[EVIL]
    assert cell.data_type == "s" and cell.quotePrefix
    assert all(c.data_type != "f" for c in found.values())
    assert "甲 乙" in found


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_helper_writes_formula_like_text_as_text(value):
    found = cells(xlsx_bytes("表", ["名称"], [[value], [7], [Decimal("1.5")]], heading=value))
    assert found[value].data_type == "s" and found[value].quotePrefix
    assert found[7].data_type == "n" and not found[7].quotePrefix
    assert found[1.5].number_format == "0.00"


def test_helper_neutralises_every_control_character():
    bad = "".join(chr(c) for c in [*range(32), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r")
    found = cells(xlsx_bytes("表/[1]", [f"列{bad}"], [[f"a{bad}b"]]))
    assert f"a{' ' * len(bad)}b" in found


def test_dues_ledger_export(client_for, two_townships, county_admin):
    from gigbranch.members.models import DuesAssessment, MemberKind, PartyMember

    a = two_townships["a"]
    member = PartyMember.objects.create(
        worker=WorkerFactory(name=EVIL, region=a["town"], workplace=a["workplace"]),
        organization=a["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    PartyMember.objects.create(
        worker=WorkerFactory(region=a["town"], workplace=a["workplace"]),
        organization=None,
        outflow_org_name=VT,
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    DuesAssessment.objects.create(
        member=member,
        year=2026,
        rule="wages",
        base=Decimal("3000"),
        monthly_amount=Decimal("15.00"),
        set_on=dt.date(2026, 1, 1),
    )
    r = client_for(county_admin).get(
        reverse("members:dues_ledger"), {"year": 2026, "format": "xlsx"}
    )
    assert r.status_code == 200
    assert_text_not_formula(cells(r.content))


def test_roster_error_report(client_for, two_townships, county_admin):
    from gigbranch.members.models import Platform, RosterImport

    imp = RosterImport.objects.create(
        platform=Platform.objects.create(name="测试平台"),
        uploaded_by=county_admin,
        filename="花名册.xlsx",
        error_rows=2,
        errors=[
            {"row": 2, "column": "姓名", "reason": "姓名含有公式", "value": EVIL},
            {"row": 3, "column": "岗位", "reason": "岗位含控制字符", "value": VT},
        ],
    )
    r = client_for(county_admin).get(reverse("members:import_errors", args=[imp.pk]))
    assert r.status_code == 200
    assert_text_not_formula(cells(r.content))


def test_appeal_kpi_export(client_for, county_admin):
    from gigbranch.appeals import services
    from gigbranch.appeals.models import Category, Channel, RoutingRule
    from gigbranch.organizations.models import Department

    county = county_admin.scope_region
    wages = Category.objects.get(code="wages")
    traffic = Category.objects.get(code="traffic")
    RoutingRule.objects.create(
        category=wages, region=None, department=Department.objects.create(name=EVIL, region=county)
    )
    RoutingRule.objects.create(
        category=traffic, region=None, department=Department.objects.create(name=VT, region=county)
    )
    worker = WorkerFactory(region=county)
    for category in (wages, traffic):
        services.submit_appeal(
            actor=county_admin,
            category=category,
            description="站点拖欠三月份工资共计3200元",
            channel=Channel.HOTLINE,
            worker=worker,
            region=county,
        )
    r = client_for(county_admin).get(reverse("appeals:kpi_export"))
    assert r.status_code == 200
    assert_text_not_formula(cells(r.content))


def test_workplace_and_organization_ledgers(client_for, two_townships, county_admin):
    a = two_townships["a"]
    WorkplaceFactory(name=EVIL, address=VT, region=a["town"])
    a["branch"].secretary_name = EVIL
    a["branch"].address = VT
    a["branch"].save(update_fields=["secretary_name", "address"])
    c = client_for(county_admin)
    for kind in ("workplaces", "organizations"):
        r = c.get(reverse("organizations:export", args=[kind]))
        assert r.status_code == 200
        assert_text_not_formula(cells(b"".join(r.streaming_content)))
