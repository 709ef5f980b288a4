"""People journey (issue 4): a township admin imports a platform roster with errors, reads
them, imports the valid rows, finds a worker by the last 4 ID digits, reveals the ID
(audited), records the worker's separate consent for political status, records the worker
as a mobile member with a certificate and records dues."""

import datetime as dt

import pytest

from gigbranch.core.models import AuditEvent
from gigbranch.core.validators import resident_id_check_char
from gigbranch.members.models import DuesPayment, PartyMember, Platform, Worker
from gigbranch.members.tests.rosterfile import xlsx
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, WorkplaceFactory, make_id_number

pytestmark = pytest.mark.django_db(transaction=True)


def upload_roster(page, platform: str, filename: str, data: bytes) -> None:
    """Upload a roster for `platform` on the import page and wait for the mapping step."""
    page.goto("/people/imports/")
    page.select_option("#id_platform", label=platform)
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": filename,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data,
            }
        ],
    )
    page.click("button[type=submit].btn-danger")
    page.wait_for_selector("#mapping-form")


def test_township_admin_roster_to_mobile_member_and_dues(desktop, two_townships):
    a = two_townships["a"]
    platform = Platform.objects.create(name="美团外卖")
    station = WorkplaceFactory(
        name="美团外卖甲镇1号配送站", region=a["town"], organization=a["branch"]
    )
    platform.workplaces.add(station)
    ids = [make_id_number(4200 + i, birth=dt.date(1992, 3, 8)) for i in range(6)]
    bad = ids[1][:17] + ("0" if resident_id_check_char(ids[1][:17]) != "0" else "1")
    rows = [
        [
            "周建国",
            ids[0],
            "13911110000",
            "MT001",
            station.name,
            "外卖骑手",
            "2024-03-01",
            "中共党员",
        ],
        ["钱小明", bad, "13911110001", "MT002", station.name, "外卖骑手", "2024-03-01", "群众"],
        ["孙丽", ids[2], "13911110000", "MT003", station.name, "外卖骑手", "2024-05-01", "群众"],
        [
            "李强",
            ids[3],
            "13911110003",
            "MT004",
            "不存在的站点",
            "外卖骑手",
            "2024-05-01",
            "共青团员",
        ],
        ["吴刚", ids[4], "13911110004", "MT005", station.name, "外卖骑手", "2025-01-10", "群众"],
    ]
    desktop.on("dialog", lambda d: d.accept())
    login(desktop, a["admin"].username, PASSWORD)

    # Upload and map columns (guessed from the headers).
    upload_roster(desktop, "美团外卖", "美团外卖甲镇花名册.xlsx", xlsx(rows))
    assert desktop.locator("#id_col_1").input_value() == "id_number"
    screenshot(desktop, "members-01-mapping")
    desktop.click("#mapping-form button[type=submit]")

    # Dry run: three errors, read on the page and downloadable.
    desktop.wait_for_selector("#import-errors")
    assert desktop.locator("#error-rows").inner_text() == "3"
    assert desktop.locator("#valid-rows").inner_text() == "2"
    errors = desktop.locator("#import-errors tbody").inner_text()
    assert "校验位" in errors and "与第2行手机号码重复" in errors and "未知站点" in errors
    assert ids[1] not in desktop.content() and bad not in desktop.content()
    with desktop.expect_download() as dl:
        desktop.click("#download-errors")
    assert dl.value.suggested_filename.endswith(".xlsx")
    screenshot(desktop, "members-02-dry-run-errors")
    assert Worker.objects.filter(platform=platform).count() == 0

    desktop.click("#run-import")
    desktop.wait_for_selector("#import-done")
    assert Worker.objects.filter(platform=platform).count() == 2
    screenshot(desktop, "members-03-imported")

    # Find by the last 4 digits of the ID; the profile is masked.
    desktop.goto("/people/workers/")
    desktop.fill("#worker-search", ids[0][-4:])
    desktop.click("form[role=search] button[type=submit]")
    desktop.click("#worker-table >> text=周建国")
    desktop.wait_for_selector("#reveal-id_number")
    masked = desktop.locator("#reveal-id_number code").inner_text()
    assert masked == ids[0][:6] + "********" + ids[0][-4:]
    assert ids[0] not in desktop.content()
    # Political status is sensitive (PIPL art. 29): no separate consent yet, so it is not
    # shown, and the party-member form is not offered (it would give the status away).
    assert desktop.locator("#political-status").inner_text() == "未授权"
    assert desktop.locator("#mobile-form").count() == 0
    screenshot(desktop, "members-04-profile-masked")

    before = AuditEvent.objects.filter(action="pii.revealed").count()
    desktop.click("#reveal-id_number button")
    desktop.wait_for_selector("#reveal-id_number .gb-revealed")
    assert desktop.locator("#reveal-id_number .gb-revealed").inner_text() == ids[0]
    assert AuditEvent.objects.filter(action="pii.revealed").count() == before + 1
    screenshot(desktop, "members-05-revealed")

    # The worker signs the separate consent when reporting to the branch; staff record it.
    desktop.click("text=记录同意情况")
    consent_form = desktop.locator("#consent-form")
    consent_form.locator("#id_purpose").select_option("political_status")
    consent_form.locator("#id_granted").check()
    consent_form.locator("#id_method").fill("书面签字（单独同意）")
    consent_form.locator("button[type=submit]").click()
    desktop.wait_for_selector("#political-status >> text=中共党员")

    # Record as a mobile member with a certificate.
    form = desktop.locator("#mobile-form")
    form.locator("#id_outflow_org_name").fill("中共阜阳市颍州区三合镇委员会")
    form.locator("#id_outflow_org_region").fill("安徽省阜阳市")
    form.locator("#id_outflow_org_contact").fill("0558-2345678")
    form.locator("#id_certificate_number").fill("LDZ2026-0088")
    form.locator("#id_certificate_issuer").fill("中共阜阳市颍州区三合镇委员会")
    form.locator("#id_certificate_valid_until").fill("2027-06-30")
    form.locator("#id_reported_here").check()
    form.locator("#id_reported_on").fill("2026-03-01")
    form.locator("#id_inflow_organization").select_option(label=a["branch"].name)
    form.locator("button[type=submit]").click()
    desktop.wait_for_selector("#certificate")
    assert "LDZ2026-0088" in desktop.locator("#certificate").inner_text()
    member = PartyMember.objects.get(worker__name="周建国")
    assert member.is_mobile and member.certificate_valid_until == dt.date(2027, 6, 30)

    # Record a dues payment.
    pay = desktop.locator("#payment-form")
    pay.locator("#id_month").fill("2026-03")
    pay.locator("#id_amount").fill("45.50")
    pay.locator("#id_channel").select_option(label="微信")
    pay.locator("#id_paid_on").fill("2026-03-20")
    pay.locator("button[type=submit]").click()
    desktop.wait_for_selector("#payments >> text=45.50")
    payment = DuesPayment.objects.get(member=member)
    assert (str(payment.amount), payment.month, payment.collector) == (
        "45.50",
        dt.date(2026, 3, 1),
        a["branch"],
    )
    screenshot(desktop, "members-06-mobile-member-dues")


def test_a_large_roster_is_checked_in_the_background_with_progress(
    desktop, two_townships, settings
):
    """Above the in-request limit the dry run is a background job: the page shows its
    progress and turns into the result when the task worker has checked the file."""
    from gigbranch.members.models import RosterImport
    from gigbranch.members.services import roster as roster_services

    settings.MEMBERS_IMPORT_SYNC_MAX_ROWS = 3
    a = two_townships["a"]
    platform = Platform.objects.create(name="饿了么")
    station = WorkplaceFactory(name="饿了么甲镇站", region=a["town"], organization=a["branch"])
    platform.workplaces.add(station)
    rows = [
        [f"骑手{i}", make_id_number(4600 + i), f"1370000{i:04d}", f"EL{i:03d}", station.name]
        for i in range(6)
    ]
    login(desktop, a["admin"].username, PASSWORD)
    headers = ["骑手姓名", "身份证号", "手机", "骑手ID", "所属站点"]
    upload_roster(desktop, "饿了么", "饿了么花名册.xlsx", xlsx(rows, headers=headers))
    desktop.click("#mapping-form button[type=submit]")
    desktop.wait_for_selector("progress.gb-progress")
    assert "校验排队中：已处理 0 / 6 行" in desktop.content()
    screenshot(desktop, "members-10-check-queued")
    imp = RosterImport.objects.get(platform=platform)
    roster_services.run_check(roster_import_id=imp.pk, actor_id=a["admin"].pk)  # the worker
    desktop.wait_for_selector("#run-import", timeout=10_000)  # the page refreshes itself
    assert desktop.locator("#valid-rows").inner_text() == "6"
    screenshot(desktop, "members-11-checked")
