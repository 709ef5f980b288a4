"""Record the truth (REC-ORDER): in the demo county the branch secretary (demo login
`branch`) holds the talk with an applicant after the one-month limit. The talk is recorded
on its real date with the reason for the delay; the secretary sees the delay on the case
and the finding in the findings list; the county reviews it and the finding closes."""

import datetime as dt

import pytest
from django.utils import timezone

from gigbranch import demo
from gigbranch.core.models import Finding
from gigbranch.recruitment import policy
from gigbranch.recruitment.models import Case, StepDelay, StepRecord
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "申请人在外地跑长途货运，返回后当天谈话"


@pytest.fixture
def demo_county():
    from tests.browser.conftest import ensure_reference_data

    ensure_reference_data()
    demo.seed(scale="tiny", seed_value=2026)
    today = timezone.localdate()
    case = Case.objects.get(next_step=2, application_date=today - dt.timedelta(days=40))
    return {"case": case, "today": today, "deadline": policy.add_months(case.application_date, 1)}


def test_late_talk_recorded_with_reason_and_seen_as_finding(desktop, demo_county):
    page = desktop
    case, today, deadline = demo_county["case"], demo_county["today"], demo_county["deadline"]
    late_days = (today - deadline).days
    login(page, "branch", demo.DEMO_PASSWORD)
    page.goto(f"/recruitment/cases/{case.pk}/")
    assert "已逾期" in page.locator("#rec-problems").inner_text()
    form = page.locator("#rec-form-2")
    form.locator("#id_s2-date").fill(today.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")

    # No reason: nothing recorded, the reason field asks for one, citing the rule.
    form = page.locator("#rec-form-2")
    error = form.locator("#id_s2-delay_reason_error").inner_text()
    assert "《中国共产党发展党员工作细则》第七条：收到入党申请书后1个月内派人谈话" in error
    assert f"最迟{deadline.isoformat()}，所填日期{today.isoformat()}" in error
    assert "请填写延误原因" in error
    assert not StepRecord.objects.filter(case=case, step=2).exists()
    screenshot(page, "recruitment-late-talk-reason-required")

    form.locator("#id_s2-date").fill(today.isoformat())
    form.locator("#id_s2-delay_reason").fill(REASON)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已记录第2步“党组织派人谈话”" in page.content()
    row = page.locator("#rec-step-2").inner_text()
    assert f"已完成 {today.isoformat()}" in row
    assert f"超过规定时限{late_days}天（最迟 {deadline.isoformat()}）。延误原因：{REASON}" in row
    delays = page.locator("#rec-delays").inner_text()
    assert "待上级党组织审查" in delays and "审查逾期步骤" not in delays
    screenshot(page, "recruitment-late-talk-recorded")

    page.goto("/org/findings/?rule=REC-ORDER")
    table = page.locator("#findings").inner_text()
    assert f"{case.worker.name}（{case.organization.name}）：第2步“党组织派人谈话”于" in table
    assert f"延误原因：{REASON}" in table
    assert "依据《中国共产党发展党员工作细则》第七条" in table
    page.locator("#findings a", has_text=f"{case.worker.name} 第2步").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/recruitment/cases/{case.pk}/")
    page.goto("/org/findings/?rule=REC-ORDER")
    screenshot(page, "recruitment-late-talk-finding")

    # The county (the higher committee) reviews the delay: the finding closes.
    page.context.clear_cookies()
    login(page, "county", demo.DEMO_PASSWORD)
    page.goto(f"/recruitment/cases/{case.pk}/")
    card = page.locator("#rec-delays")
    card.locator("input[name=note]").fill("情况属实，已提醒支部按时谈话")
    card.locator("button:has-text('审查逾期步骤')").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已审查第2步的逾期情况。" in page.content()
    assert "审查：情况属实，已提醒支部按时谈话" in page.locator("#rec-delays").inner_text()
    screenshot(page, "recruitment-late-talk-reviewed")
    delay = StepDelay.objects.get(case=case)
    finding = Finding.objects.get(object_type="recruitment.stepdelay", object_id=str(delay.pk))
    assert finding.resolved_at is not None
    page.goto("/org/findings/?rule=REC-ORDER&status=resolved")
    assert f"延误原因：{REASON}" in page.locator("#findings").inner_text()
