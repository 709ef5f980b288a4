"""Dues ledger journey: a township administrator opens the 党费台账 from the menu, reads
amounts shown to the fen, narrows it to one branch and exports it to Excel, where a name
typed as a formula stays text."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gigbranch.members.models import DuesAssessment, DuesPayment, MemberKind, PartyMember
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, WorkerFactory

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = 2026


def _member(a, name: str, monthly: str, months: tuple[int, ...]) -> PartyMember:
    member = PartyMember.objects.create(
        worker=WorkerFactory(name=name, region=a["town"], workplace=a["workplace"]),
        organization=a["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    DuesAssessment.objects.create(
        member=member,
        year=YEAR,
        rule="wages",
        base=Decimal(monthly) * 100,
        monthly_amount=Decimal(monthly),
        set_on=dt.date(YEAR, 1, 8),
    )
    for month in months:
        DuesPayment.objects.create(
            member=member,
            month=dt.date(YEAR, month, 1),
            amount=Decimal(monthly),
            channel="wechat",
            paid_on=dt.date(YEAR, month, 5),
        )
    return member


def test_township_admin_reads_and_exports_the_dues_ledger(desktop, two_townships):
    a = two_townships["a"]
    _member(a, "周建国", "68.40", (1, 2))
    _member(a, "=HYPERLINK(1)", "0.20", (1,))
    today = timezone.localdate()
    months_due = 12 if today.year > YEAR else today.month
    login(desktop, a["admin"].username, PASSWORD)
    desktop.click("nav >> text=党费台账")
    desktop.wait_for_selector("h1 >> text=2026年度党费收缴台账")
    desktop.fill("input[name=year]", str(YEAR))
    desktop.select_option("select[name=org]", label=a["branch"].name)
    desktop.click("button >> text=查看")
    desktop.wait_for_load_state("networkidle")
    row = desktop.locator("tbody tr", has_text="周建国")
    cells = row.locator("td").all_inner_texts()
    due = Decimal("68.40") * months_due
    assert cells[3:7] == ["68.40", f"{due:.2f}", "136.80", f"{due - Decimal('136.80'):.2f}"]
    assert "0.20" in desktop.locator("tbody tr", has_text="HYPERLINK").inner_text()
    screenshot(desktop, "dues-01-ledger")

    with desktop.expect_download() as download_info:
        desktop.click("button >> text=导出Excel")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    by_name = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    assert by_name["=HYPERLINK(1)"][0].data_type == "s"
    assert by_name["周建国"][6].value == 136.8
    assert by_name["周建国"][6].number_format == "0.00"
