"""The audit administrator sees, at the top of the audit log, whether each recent day's
hash chain verified, and where the first break is (ADR 0046)."""

import datetime as dt

import pytest
import time_machine

from gigbranch.core import audit, services
from gigbranch.core.tests.test_audit_chain import raw
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TZ = dt.timezone(dt.timedelta(hours=8))


def test_the_audit_page_shows_verified_and_broken_days(desktop):
    UserFactory(username="auditor", role="audit_admin")
    today = dt.datetime.now(TZ).replace(hour=9, minute=0, second=0, microsecond=0)
    events = {}
    for back in (2, 1):
        day = today - dt.timedelta(days=back)
        events[back] = []
        for i in range(3):
            with time_machine.travel(day + dt.timedelta(minutes=i), tick=False):
                events[back].append(audit.record(actor=None, action="organization.updated"))
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[1][1].pk])
    services.verify_audit_chain()

    login(desktop, "auditor", PASSWORD)
    desktop.goto("/core/audit/")
    section = desktop.locator("section[aria-labelledby=chain-title]")
    text = section.inner_text()
    screenshot(desktop, "audit-chain-status")
    broken_day = (today - dt.timedelta(days=1)).date().isoformat()
    ok_day = (today - dt.timedelta(days=2)).date().isoformat()
    rows = {r.split("\t")[0]: r for r in section.locator("tbody tr").all_inner_texts()}
    assert "完整" in rows[ok_day] and "异常" not in rows[ok_day]
    assert f"记录#{events[1][2].pk}：此前缺少第2条记录（疑似被删除）" in rows[broken_day]
    assert "只追加保护" not in text  # the triggers are in place
