"""Appeals console: hotline staff enter an appeal taken by phone in the console's form
layout; once the department has replied, no empty 办理 card is left on the page."""

import pytest

from gigbranch.appeals.models import Appeal, Category, RoutingRule
from gigbranch.organizations.models import Department
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(two_townships):
    from django.core.management import call_command

    # transaction=True flushes data migrations' rows; restore the categories.
    if not Category.objects.exists():
        call_command("migrate", "appeals", "0001", verbosity=0)
        call_command("migrate", "appeals", verbosity=0)
    renshe = Department.objects.create(name="县人社局", region=two_townships["county"])
    RoutingRule.objects.create(category=Category.objects.get(code="wages"), department=renshe)
    UserFactory(username="renshe_h", role="department_handler", department=renshe)
    return two_townships


def test_hotline_intake_then_reply_leaves_no_empty_card(desktop, setup):
    page = desktop
    login(page, setup["a"]["admin"].username, PASSWORD)
    page.goto("/appeals/new/")
    form = page.locator("form.gb-form")
    assert form.count() == 1
    # The console layout: labels above full-width fields, like the other console forms.
    box = form.locator("#id_description").bounding_box()
    label = form.locator("label[for=id_description]").bounding_box()
    assert label["y"] + label["height"] <= box["y"] + 1
    assert box["width"] > 500
    page.click("button:has-text('登记并派单')")
    page.wait_for_load_state("domcontentloaded")
    assert "这个字段是必填项。" in form.locator("#id_description_error").inner_text()
    screenshot(page, "appeals-hotline-intake-errors")

    form.locator("#id_category").select_option(label="劳动报酬/欠薪")
    form.locator("#id_description").fill("来电反映：配送站拖欠两个月工资共6400元。")
    form.locator("#id_region").select_option(label=setup["a"]["town"].name)
    form.locator("#id_contact_name").fill("王师傅")
    form.locator("#id_contact_mobile").fill("13900002222")
    screenshot(page, "appeals-hotline-intake")
    page.click("button:has-text('登记并派单')")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#appeal-status").inner_text() == "待受理"
    url = page.url

    page.context.clear_cookies()
    login(page, "renshe_h", PASSWORD)
    page.goto(url)
    page.click("#btn-accept")
    page.wait_for_load_state("domcontentloaded")
    page.fill("#id_text", "已约谈站长，工资已于当日足额发放。")
    page.click("#btn-reply")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#appeal-status").inner_text() == "已答复待评价"
    assert page.locator("#handle-actions").count() == 0
    assert page.get_by_role("heading", name="办理", exact=True).count() == 0
    assert "已约谈站长，工资已于当日足额发放。" in page.content()
    screenshot(page, "appeals-detail-after-reply")
    assert Appeal.objects.get().status == "replied"
