"""Appeals journey on a 390×844 phone: submit with a photo, accept and reply, rate
unresolved, reopen, and the KPI page shows it overdue once the reply clock has passed."""

import datetime as dt

import pytest
import time_machine

from gigbranch.appeals.models import Appeal, Category, RoutingRule
from gigbranch.organizations.models import Department
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"


@pytest.fixture
def setup(two_townships, county_admin):
    from django.core.management import call_command

    # transaction=True flushes data migrations' rows; restore the categories.
    if not Category.objects.exists():
        call_command("migrate", "appeals", "0001", verbosity=0)
        call_command("migrate", "appeals", verbosity=0)
    renshe = Department.objects.create(name="县人社局", region=two_townships["county"])
    RoutingRule.objects.create(category=Category.objects.get(code="wages"), department=renshe)
    handler = UserFactory(username="renshe_h", role="department_handler", department=renshe)
    worker_user = UserFactory(
        username="rider_a", role="worker", worker=two_townships["a"]["worker"]
    )
    return {
        "handler": handler,
        "worker_user": worker_user,
        "county_admin": county_admin,
        **two_townships,
    }


def test_appeal_journey_on_phone(phone, setup):
    login(phone, "rider_a", PASSWORD)
    phone.goto("/appeals/m/new/")
    phone.get_by_label("劳动报酬/欠薪").check()
    phone.fill("#id_description", "配送站拖欠三月份工资3200元，站长一直拖着不给。")
    phone.set_input_files(
        "#id_photos", files=[{"name": "欠条.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    screenshot(phone, "appeals-01-worker-form")
    phone.click("#submit-appeal")
    phone.wait_for_load_state("networkidle")
    tracking = phone.locator("#tracking-no").inner_text()
    assert tracking.startswith("SQ")
    assert "已转交县人社局办理" in phone.locator("#timeline").inner_text()
    screenshot(phone, "appeals-02-worker-tracking")
    appeal = Appeal.objects.get(tracking_no=tracking)
    assert appeal.photos.count() == 1

    phone.context.clear_cookies()
    login(phone, "renshe_h", PASSWORD)
    phone.goto(f"/appeals/{appeal.pk}/")
    phone.click("#btn-accept")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("#appeal-status").inner_text() == "办理中"
    phone.fill("#id_text", "已约谈站点负责人，工资将于3个工作日内补发。")
    phone.click("#btn-reply")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("#appeal-status").inner_text() == "已答复待评价"
    screenshot(phone, "appeals-03-handler-replied")

    phone.context.clear_cookies()
    login(phone, "rider_a", PASSWORD)
    phone.goto(f"/appeals/m/{tracking}/")
    phone.get_by_label("未解决").check()
    phone.get_by_label("不满意").check()
    phone.click("#submit-rating")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("#portal-status").inner_text() == "重新办理"
    assert "已重新交办" in phone.locator("#timeline").inner_text()
    screenshot(phone, "appeals-04-worker-reopened")
    appeal.refresh_from_db()
    assert appeal.status == "reopened"

    phone.context.clear_cookies()
    login(phone, "county_admin", PASSWORD)
    phone.goto("/appeals/kpi/")
    assert phone.locator("#kpi-overdue").inner_text() == "0"
    with time_machine.travel(appeal.reply_due_at + dt.timedelta(hours=1), tick=True):
        # The idle-session timeout ends the old session once the clock jumps; log in again.
        phone.context.clear_cookies()
        login(phone, "county_admin", PASSWORD)
        phone.goto("/appeals/kpi/")
        assert phone.locator("#kpi-overdue").inner_text() == "1"
        screenshot(phone, "appeals-05-kpi-overdue")
        phone.click("#kpi-overdue")
        phone.wait_for_load_state("networkidle")
        assert tracking in phone.locator("main").inner_text()
        screenshot(phone, "appeals-06-kpi-drilldown")


def test_hotline_staff_intake_form(desktop, setup):
    """Hotline staff (county) enter an appeal taken by phone; it is routed and tracked."""
    login(desktop, "county_admin", PASSWORD)
    desktop.goto("/appeals/new/")
    desktop.select_option("#id_category", label="劳动报酬/欠薪")
    desktop.fill("#id_description", "来电反映：快递网点拖欠骑手两个月工资，共计6400元。")
    desktop.select_option("#id_region", label=setup["a"]["town"].name)
    desktop.fill("#id_contact_name", "张先生")
    desktop.fill("#id_contact_mobile", "13912345678")
    screenshot(desktop, "appeals-10-hotline-intake")
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    screenshot(desktop, "appeals-11-hotline-registered")
    appeal = Appeal.objects.get()
    assert appeal.channel == "hotline" and appeal.department.name == "县人社局"
    assert appeal.region == setup["a"]["town"] and appeal.submitted_by == setup["county_admin"]
    body = desktop.locator("body").inner_text()
    assert f"已登记，受理编号{appeal.tracking_no}" in body


def _fill_hotline(page, town_name):
    page.select_option("#id_category", label="劳动报酬/欠薪")
    page.fill("#id_description", "来电反映：外卖站点拖欠骑手三月份工资。")
    page.select_option("#id_region", label=town_name)
    page.fill("#id_contact_mobile", "13912345678")


def test_hotline_back_and_submit_again_keeps_one_appeal(desktop, setup):
    """APL-5: submit, press Back, submit the same form again → still one appeal."""
    login(desktop, "county_admin", PASSWORD)
    desktop.goto("/appeals/new/")
    _fill_hotline(desktop, setup["a"]["town"].name)
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    appeal = Appeal.objects.get()
    assert f"已登记，受理编号{appeal.tracking_no}" in desktop.locator("main").inner_text()

    desktop.go_back()
    desktop.wait_for_load_state("networkidle")
    assert "/appeals/new/?t=" in desktop.url
    _fill_hotline(desktop, setup["a"]["town"].name)  # as staff would, if fields came back empty
    screenshot(desktop, "appeals-12-hotline-back")
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert desktop.url.endswith(f"/appeals/{appeal.pk}/")
    assert f"该诉求已提交，编号{appeal.tracking_no}" in desktop.locator("main").inner_text()
    screenshot(desktop, "appeals-13-hotline-already-submitted")
    assert Appeal.objects.count() == 1

    # A new call is a new form: "登记新的诉求" gets a fresh token and a second appeal.
    desktop.goto("/appeals/new/")
    _fill_hotline(desktop, setup["b"]["town"].name)
    desktop.click("main button[type=submit]")
    desktop.wait_for_load_state("networkidle")
    assert Appeal.objects.count() == 2


def test_portal_back_and_submit_again_keeps_one_appeal(phone, setup):
    login(phone, "rider_a", PASSWORD)
    phone.goto("/appeals/m/new/")
    phone.get_by_label("劳动报酬/欠薪").check()
    phone.fill("#id_description", "配送站拖欠三月份工资3200元。")
    phone.click("#submit-appeal")
    phone.wait_for_load_state("networkidle")
    appeal = Appeal.objects.get()
    phone.go_back()
    phone.wait_for_load_state("networkidle")
    phone.get_by_label("劳动报酬/欠薪").check()
    phone.fill("#id_description", "配送站拖欠三月份工资3200元。")
    screenshot(phone, "appeals-14-portal-back")
    phone.click("#submit-appeal")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("#tracking-no").inner_text() == appeal.tracking_no
    assert f"该诉求已提交，编号{appeal.tracking_no}" in phone.locator("main").inner_text()
    assert Appeal.objects.count() == 1
