"""Each side of a membership transfer is offered only its own steps (MOB-3), an inspector
sees no import button, and a worker sees their own mobile number, masked, on /m/me/."""

import datetime as dt

import pytest

from gigbranch.members import services
from gigbranch.members.models import MemberKind, PartyMember
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD, UserFactory, WorkerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _steps(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(page.locator("button[name=to]").all_inner_texts())


def test_each_side_sees_its_own_transfer_steps(desktop, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    member = PartyMember.objects.create(
        worker=WorkerFactory(name="周建国", region=a["town"], workplace=a["workplace"]),
        organization=a["branch"],
        kind=MemberKind.FULL,
        joined_on=dt.date(2015, 7, 1),
        full_on=dt.date(2016, 7, 1),
    )
    services.request_transfer(
        actor=None,
        member=member,
        direction="internal",
        reason="更换站点",
        requested_on=dt.date(2026, 3, 1),
        to_org=b["branch"],
    )
    UserFactory(username="sec_to", role="branch_secretary", scope_organization=b["branch"])
    UserFactory(username="sec_from", role="branch_secretary", scope_organization=a["branch"])
    login(desktop, "sec_to", PASSWORD)
    desktop.goto("/people/transfers/")
    desktop.wait_for_selector("text=周建国")
    assert _steps(desktop) == {"退回"}
    screenshot(desktop, "transfers-01-receiving-side")
    # The branch secretary may not import the organisation tree: no button.
    desktop.goto("/org/")
    assert desktop.locator("text=导入党组织").count() == 0
    desktop.context.clear_cookies()
    login(desktop, "sec_from", PASSWORD)
    desktop.goto("/people/transfers/")
    assert _steps(desktop) == {"审批并开具介绍信", "退回", "撤销"}
    desktop.click("button >> text=审批并开具介绍信")
    desktop.wait_for_selector("text=已审批并开具介绍信")
    assert _steps(desktop) == {"退回", "撤销"}
    screenshot(desktop, "transfers-02-sending-side-approved")


def test_worker_sees_own_mobile_masked(phone, live_server, two_townships):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from gigbranch.portal.services import record_consent

    worker = WorkerFactory(name="周建国", mobile="13912345678", region=two_townships["a"]["town"])
    user = UserFactory(role="worker", worker=worker, mobile="")
    record_consent(user=user, basic=True, political_status=False)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    phone.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    phone.goto("/m/me/")
    assert "139****5678" in phone.locator("dl.kv").first.inner_text()
    screenshot(phone, "portal-me-own-mobile")
