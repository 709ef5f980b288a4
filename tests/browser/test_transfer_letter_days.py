"""MOB-3: a township admin sets the transfer-letter validity on the township committee's
page; the branch below inherits it and the transfer page shows it where the letter is
issued; once issued, the letter keeps its date."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gigbranch.members import services
from gigbranch.members.models import Transfer
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, PartyMemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_set_validity_on_committee_and_issue_a_letter(desktop, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    member = PartyMemberFactory(
        worker__name="孙转接",
        worker__region=a["town"],
        worker__workplace=a["workplace"],
        organization=a["branch"],
    )
    services.request_transfer(
        actor=None,
        member=member,
        direction="internal",
        reason="更换站点",
        requested_on=timezone.localdate(),
        to_org=b["branch"],
    )
    login(desktop, a["admin"].username, PASSWORD)

    desktop.goto(reverse("organizations:detail", args=[a["committee"].pk]))
    panel = desktop.locator("#transfer-letter-days")
    assert "90 天" in panel.inner_text() and "系统默认" in panel.inner_text()
    days = panel.locator("input[name=transfer_letter_days]")
    days.fill("200")  # the browser already refuses it (min/max); the server does too
    assert days.evaluate("e => e.validity.rangeOverflow") is True
    days.fill("60")
    panel.locator("button[type=submit]").click()
    desktop.wait_for_selector("text=已将介绍信有效期设为60天。")
    assert "60 天" in desktop.locator("#transfer-letter-days").inner_text()
    assert "（本组织设置）" in desktop.locator("#transfer-letter-days").inner_text()
    screenshot(desktop, "transfer-letter-01-committee-panel")

    desktop.goto(reverse("organizations:detail", args=[a["branch"].pk]))
    assert "沿用甲镇党委设置" in desktop.locator("#transfer-letter-days").inner_text()

    desktop.goto(reverse("members:transfers"))
    row = desktop.locator("tr", has_text="孙转接")
    assert "开具后 60 天（甲镇党委设置）" in row.inner_text()
    screenshot(desktop, "transfer-letter-02-transfers-before-issue")
    row.locator("button[value=approved]").click()
    desktop.wait_for_selector("text=已审批并开具介绍信。")
    until = timezone.localdate() + dt.timedelta(days=60)
    assert until.isoformat() in desktop.locator("tr", has_text="孙转接").inner_text()
    assert Transfer.objects.get().letter_valid_until == until
    screenshot(desktop, "transfer-letter-03-issued")
