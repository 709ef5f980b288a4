"""The dues ledger page and export: money to the fen, a constant number of queries per
page, and no live formulas in the Excel file."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from gigbranch.members.models import (
    DuesAssessment,
    DuesPayment,
    MemberKind,
    PartyMember,
    PoliticalStatus,
)
from tests.factories import WorkerFactory

pytestmark = pytest.mark.django_db


def _member(setup, *, name: str = "", monthly: str = "68.40") -> PartyMember:
    a = setup["a"]
    worker = WorkerFactory(
        region=a["town"], workplace=a["workplace"], political_status=PoliticalStatus.PARTY_MEMBER
    )
    if name:
        worker.name = name
        worker.save(update_fields=["name"])
    member = PartyMember.objects.create(
        worker=worker,
        organization=a["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    DuesAssessment.objects.create(
        member=member,
        year=2026,
        rule="wages",
        base=Decimal("6840"),
        monthly_amount=Decimal(monthly),
        set_on=dt.date(2026, 1, 1),
    )
    for month in (1, 2):
        DuesPayment.objects.create(
            member=member,
            month=dt.date(2026, month, 1),
            amount=Decimal(monthly),
            channel="wechat",
            paid_on=dt.date(2026, month, 5),
        )
    return member


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("136.8000000000000"), "136.80"),
        (Decimal("0.2"), "0.20"),
        (Decimal("0.005"), "0.01"),  # half up to the fen (DUES-6)
        (12, "12.00"),
        ("15.5", "15.50"),
        (None, "—"),
        ("", "—"),
        ("未核定", "未核定"),
    ],
)
def test_yuan_filter_shows_money_to_the_fen(value, shown):
    rendered = Template("{% load money %}{{ v|yuan }}").render(Context({"v": value}))
    assert rendered == shown


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_ledger_shows_amounts_to_the_fen(client_for, branch_setup):
    member = _member(branch_setup)
    r = client_for(branch_setup["a"]["admin"]).get(reverse("members:dues_ledger"), {"year": 2026})
    body = r.content.decode()
    row = body[body.index(member.worker.name) :]
    row = row[: row.index("</tr>")]
    # monthly 68.40; due Jan–Mar 205.20; paid 136.80; arrears 68.40 (March).
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[2:7] == ["68.40", "205.20", "136.80", "68.40", "1"]
    assert "136.8000" not in body


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("fmt", ["", "xlsx"])
def test_ledger_query_count_does_not_grow_with_rows(client_for, branch_setup, fmt):
    c = client_for(branch_setup["a"]["admin"])
    url = reverse("members:dues_ledger")
    params = {"year": 2026, "format": fmt}
    _member(branch_setup)
    c.get(url, params)  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        first = c.get(url, params)
    for _ in range(6):
        _member(branch_setup)
    with CaptureQueriesContext(connection) as many:
        r = c.get(url, params)
    if fmt:
        assert len(load_workbook(io.BytesIO(r.content)).active["A"]) > len(
            load_workbook(io.BytesIO(first.content)).active["A"]
        )
    else:
        assert r.content.decode().count("/people/workers/") >= 8
    assert len(many) == len(few)


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_ledger_export_writes_no_live_formulas(client_for, branch_setup):
    _member(branch_setup, name='=HYPERLINK("http://x","点我")')
    _member(branch_setup, name="@SUM(A1)")
    r = client_for(branch_setup["a"]["admin"]).get(
        reverse("members:dues_ledger"), {"year": 2026, "format": "xlsx"}
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    names = {}
    for row in ws.iter_rows(min_row=3):
        names[row[0].value] = row
    assert '=HYPERLINK("http://x","点我")' in names
    assert "@SUM(A1)" in names
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    assert names["@SUM(A1)"][0].quotePrefix
    cells = names["@SUM(A1)"]
    assert (cells[5].value, cells[6].value, cells[7].value) == (205.2, 136.8, 68.4)
    assert cells[6].number_format == "0.00"


def test_every_template_shows_money_through_the_yuan_filter():
    """Money is shown in one way: any variable named like an amount goes through |yuan."""
    import re
    from pathlib import Path

    import gigbranch

    names = r"amount|monthly|due_total|paid_total|arrears|arrears_total|paid_this_year|base"
    money = re.compile(r"\{\{\s*([\w.]*\b(?:" + names + r")\b[^}]*)\}\}")
    # Inside {% blocktranslate with x=expr %} the text shows {{ x }}: the filter belongs
    # on the binding, so bindings are checked and the block's own text is not.
    block = re.compile(r"\{% blocktranslate([^%]*)%\}.*?\{% endblocktranslate %\}", re.S)
    binding = re.compile(r"(\w+)=([^\s%]+)")
    root = Path(gigbranch.__file__).parent / "templates"
    unfiltered = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in block.finditer(text):
            for _, expr in binding.findall(m.group(1)):
                if re.search(r"\b(?:" + names + r")\b", expr) and "|yuan" not in expr:
                    unfiltered.append(f"{path.relative_to(root)}: {expr}")
        for m in money.finditer(block.sub("", text)):
            if "|yuan" not in m.group(1):
                unfiltered.append(f"{path.relative_to(root)}: {m.group(1).strip()}")
    assert unfiltered == []
