"""Pages: scope, permissions (denied changes nothing), masking, reveal audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from gigbranch.core.models import AuditEvent
from gigbranch.members.models import DuesPayment, Platform
from gigbranch.members.tests.rosterfile import xlsx
from tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_worker_pages_are_scoped_and_masked(client_for, branch_setup):
    a, b = branch_setup["a"], branch_setup["b"]
    c = client_for(a["admin"])
    w = branch_setup["member"].worker
    r = c.get(reverse("members:workers"), {"q": w.id_number[-4:]})
    assert r.status_code == 200 and w.name in r.content.decode()
    assert w.id_number not in r.content.decode()
    r = c.get(reverse("members:worker_detail", args=[w.pk]))
    body = r.content.decode()
    assert w.masked_id_number in body and w.id_number not in body and w.mobile not in body
    assert c.get(reverse("members:worker_detail", args=[b["worker"].pk])).status_code == 404
    r = c.post(reverse("members:worker_reveal", args=[w.pk, "id_number"]))
    assert w.id_number in r.content.decode()
    assert AuditEvent.objects.filter(action="pii.revealed", object_id=str(w.pk)).count() == 1


def test_branch_secretary_cannot_reveal(client_for, branch_setup):
    c = client_for(branch_setup["secretary"])
    w = branch_setup["member"].worker
    assert c.post(reverse("members:worker_reveal", args=[w.pk, "id_number"])).status_code == 403
    assert AuditEvent.objects.filter(action="pii.revealed").count() == 0


def test_inspector_cannot_record_payment(client_for, branch_setup, county):
    inspector = UserFactory(role="inspector", scope_region=county)
    w = branch_setup["member"].worker
    r = client_for(inspector).post(
        reverse("members:member_payment", args=[w.pk]),
        {"month": "2026-01", "amount": "10", "channel": "cash", "paid_on": "2026-01-05"},
    )
    assert r.status_code == 403
    assert DuesPayment.objects.count() == 0


def test_record_payment_and_ledger_export(client_for, branch_setup):
    c = client_for(branch_setup["a"]["admin"])
    w = branch_setup["member"].worker
    r = c.post(
        reverse("members:member_payment", args=[w.pk]),
        {"month": "2026-01", "amount": "15.5", "channel": "wechat", "paid_on": "2026-01-05"},
    )
    assert r.status_code == 302
    p = DuesPayment.objects.get()
    assert (p.month, str(p.amount), p.collector) == (
        dt.date(2026, 1, 1),
        "15.50",
        branch_setup["a"]["branch"],
    )
    r = c.get(reverse("members:dues_ledger"), {"year": 2026})
    assert w.name in r.content.decode()
    r = c.get(reverse("members:dues_ledger"), {"year": 2026, "format": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_import_flow_through_pages(client_for, branch_setup):
    a = branch_setup["a"]
    platform = Platform.objects.create(name="顺丰")
    c = client_for(a["admin"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = xlsx(
        [
            [
                "张三",
                make_id_number(7001),
                "13800007001",
                "SF1",
                a["workplace"].name,
                "快递员",
                "",
                "",
            ]
        ]
    )
    r = c.post(
        reverse("members:imports"),
        {"platform": platform.pk, "file": SimpleUploadedFile("sf.xlsx", data)},
    )
    assert r.status_code == 302
    mapping_url = r["Location"]
    r = c.get(mapping_url)
    assert "骑手姓名" in r.content.decode()
    post = {
        f"col_{i}": f
        for i, f in enumerate(
            [
                "name",
                "id_number",
                "mobile",
                "platform_worker_id",
                "workplace",
                "occupation",
                "started_on",
                "political_status",
            ]
        )
    }
    r = c.post(mapping_url, post)
    assert r.status_code == 302
    detail = r["Location"]
    assert "有效" in c.get(detail).content.decode()
    r = c.post(detail)
    assert "导入完成" in c.get(detail).content.decode()


def test_portal_worker_cannot_open_staff_pages(client_for, branch_setup):
    # What the worker's own pages show: gigbranch/portal/tests/test_own_data.py.
    w = branch_setup["member"].worker
    user = UserFactory(role="worker", worker=w)
    c = client_for(user)
    assert c.get(reverse("members:workers")).status_code == 403
