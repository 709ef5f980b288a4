"""Recruitment journey (issue 5): a branch secretary takes an applicant from the written
application to probationary member, sees one step refused with its reason, fixes it, and
downloads the vote record as .docx. A worker applies from the portal on a phone."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from gigbranch.members.models import MemberKind, PartyMember
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory, WorkerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def branch_setup(two_townships):
    a = two_townships["a"]
    UserFactory(
        username="secretary",
        role="branch_secretary",
        scope_organization=a["branch"],
        full_name="刘书记",
    )
    applicant = WorkerFactory(
        name="赵申请", region=a["town"], workplace=a["workplace"], birth_date=dt.date(1998, 3, 8)
    )
    for name in ("张正式", "李正式", "陈正式"):
        w = WorkerFactory(name=name, region=a["town"], workplace=a["workplace"])
        PartyMember.objects.create(
            worker=w, organization=a["branch"], kind=MemberKind.FULL, joined_on=dt.date(2012, 7, 1)
        )
    w = WorkerFactory(name="王预备", region=a["town"], workplace=a["workplace"])
    PartyMember.objects.create(
        worker=w,
        organization=a["branch"],
        kind=MemberKind.PROBATIONARY,
        joined_on=dt.date(2026, 5, 1),
    )
    return {**a, "applicant": applicant}


def record(page, step, date, **fields):
    form = page.locator(f"#rec-form-{step}")
    form.locator(f"#id_s{step}-date").fill(date)
    for name, value in fields.items():
        form.locator(f"#id_s{step}-{name}").fill(str(value))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")


def check_people(page, step, names):
    form = page.locator(f"#rec-form-{step}")
    for name in names:
        form.get_by_label(f"{name}（正式党员）").check()


def test_branch_secretary_application_to_probationary_member(desktop, branch_setup, tmp_path):
    page = desktop
    login(page, "secretary", PASSWORD)
    page.goto("/recruitment/")
    assert page.locator("h1").inner_text() == "发展党员工作概况"
    page.click("text=录入书面入党申请")
    page.fill("#q", "赵申请")
    page.click("button:has-text('查找')")
    page.locator("#rec-matches a:has-text('选择')").click()
    assert page.locator("#rec-applicant").inner_text() == "赵申请"
    page.fill("#id_application_date", "2023-06-01")
    page.click("button:has-text('建立档案')")
    page.wait_for_load_state("domcontentloaded")
    assert "已建立赵申请的发展党员档案" in page.content()
    assert "最早 2023-06-01，最迟 2023-07-01" in page.locator("#rec-form-2").inner_text()

    # Step 2 dated before the application: refused with the rule and the dates, nothing
    # recorded (a late step is recorded with a reason instead, see test_late_talk_*).
    record(page, 2, "2023-05-30")
    refusal = page.locator("#rec-refusal").inner_text()
    assert "第2步未能记录" in refusal
    assert "REC-ORDER：" in refusal and "2023-05-30早于前一步" in refusal
    assert "2023-06-01" in refusal
    screenshot(page, "recruitment-step-refused")
    # Fix it: the talk was on 10 June.
    record(page, 2, "2023-06-10")
    assert page.locator("#rec-refusal").count() == 0
    assert "已完成 2023-06-10" in page.locator("#rec-step-2").inner_text()

    record(page, 3, "2023-12-01")
    record(page, 4, "2023-12-05")
    check_people(page, 5, ["张正式"])
    record(page, 5, "2023-12-10")
    record(page, 6, "2023-12-20")
    record(page, 7, "2024-12-02", **{"notice_start": "2024-11-18", "notice_end": "2024-11-29"})
    record(page, 8, "2024-12-03")
    check_people(page, 9, ["张正式", "李正式"])
    record(page, 9, "2024-12-04")
    page.locator("#id_s10-review_conclusion").select_option("pass")
    record(page, 10, "2024-12-05")
    record(page, 11, "2024-12-06", training_days=3, training_hours=24)
    record(page, 12, "2024-12-09")
    record(page, 13, "2024-12-10")
    record(page, 14, "2024-12-11")
    record(
        page,
        15,
        "2024-12-13",
        should_attend=3,
        present=3,
        written=0,
        votes_for=3,
        against=0,
        abstain=0,
    )
    record(page, 16, "2024-12-16")
    # Step 17 asks for the higher organisation's consent only when approving after 3 months.
    consent = page.locator("#rec-form-17")
    assert consent.get_by_label("同意延长审批时间的上级党组织").count() == 1
    screenshot(page, "recruitment-step17-form")
    record(page, 17, "2024-12-20")
    assert page.locator("#rec-status").inner_text() == "预备党员"
    assert "预备期至 2025-12-13" in page.content()
    member = PartyMember.objects.get(worker=branch_setup["applicant"])
    assert (member.kind, member.joined_on) == (MemberKind.PROBATIONARY, dt.date(2024, 12, 13))
    screenshot(page, "recruitment-timeline-probationary")

    with page.expect_download() as info:
        page.locator(".rec-vote-doc").first.click()
    download = info.value
    assert download.suggested_filename == "支部党员大会表决情况记录-赵申请-2024-12-13.docx"
    path = tmp_path / "vote.docx"
    download.save_as(path)
    doc = Document(io.BytesIO(path.read_bytes()))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert cells[cells.index("会议事项") + 1] == "讨论接收预备党员：赵申请（逐个表决）"
    assert cells[cells.index("表决结果") + 1] == "通过"

    page.goto("/recruitment/")
    assert f"{timezone.localdate().year}年新发展党员" in page.locator("#rec-target").inner_text()
    page.wait_for_selector("#rec-funnel svg")
    screenshot(page, "recruitment-overview")


def test_worker_applies_from_portal_on_phone(phone, branch_setup):
    UserFactory(
        username="rider_zhao", role="worker", worker=branch_setup["applicant"], full_name="赵申请"
    )
    login(phone, "rider_zhao", PASSWORD)
    phone.goto("/recruitment/apply/")
    phone.fill(
        "#id_statement", "敬爱的党组织：我志愿加入中国共产党，愿意为共产主义事业奋斗终身。" * 2
    )
    phone.check("#id_confirm")
    phone.click("button:has-text('递交入党申请书')")
    phone.wait_for_load_state("domcontentloaded")
    status = phone.locator("#rec-portal-status").inner_text()
    assert "受理党组织：甲镇快递网点党支部" in status and "当前阶段：入党申请人" in status
    screenshot(phone, "recruitment-portal-applied")
