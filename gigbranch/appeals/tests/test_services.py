"""Services: intake, routing, idempotency, state machine with permissions, sweep, rating."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gigbranch.appeals import rules, services
from gigbranch.appeals.models import (
    Appeal,
    AppealEvent,
    Channel,
    Escalation,
)
from gigbranch.appeals.rules import Status
from gigbranch.core.models import AuditEvent
from gigbranch.core.permissions import can
from gigbranch.notifications.models import Notification, SmsMessage

from .conftest import at

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = pytest.mark.django_db


def submit(world, *, category="wages", key=None, now=at(2026, 9, 24, 16, 0), **kw):
    defaults = {"worker": world["worker"], "workplace": world["a"]["workplace"]}
    defaults.update(kw)
    cat = world[category]
    return services.submit_appeal(
        actor=world["worker_user"],
        category=cat,
        description="站点拖欠三月份工资共计3200元",
        channel=Channel.PORTAL,
        idempotency_key=key,
        now=now,
        **defaults,
    )


def snapshot(appeal):
    appeal.refresh_from_db()
    return (
        appeal.status,
        appeal.department_id,
        appeal.reply_due_at,
        appeal.extension_used,
        appeal.return_used,
        AppealEvent.objects.filter(appeal=appeal).count(),
        AuditEvent.objects.count(),
    )


def test_submit_routes_by_category_and_sets_clocks(world):
    sub = submit(world)
    a = sub.appeal
    assert sub.created is True
    assert a.department == world["renshe"] and a.status == Status.SUBMITTED
    assert re.fullmatch(r"SQ20260924\d{8}", a.tracking_no)
    # Known before the INSERT: one INSERT, no UPDATE of the tracking number.
    assert Appeal.objects.get(pk=a.pk).tracking_no == a.tracking_no
    assert a.priority == "urgent"  # wages default
    assert a.accept_due_at == at(2026, 9, 24, 18, 0)
    assert a.reply_due_at == at(2026, 9, 28, 16, 0)
    ev = a.events.get()
    assert ev.action == "submit" and "县人社局" in ev.public_text
    assert AuditEvent.objects.filter(action="appeal.submitted", object_id=str(a.pk)).count() == 1


def test_region_specific_rule_and_township_fallback(world):
    a = submit(world, category="traffic").appeal
    assert a.department == world["jiaotong"]
    b = submit(
        world, category="traffic", worker=world["b"]["worker"], workplace=world["b"]["workplace"]
    ).appeal
    assert b.department is None and b.region == world["b"]["town"]
    assert b.handler_label == "乙镇（属地兜底）"
    assert can(world["b"]["admin"], "appeals.handle", b) is True
    assert can(world["a"]["admin"], "appeals.handle", b) is False


def test_same_idempotency_key_returns_the_first_appeal(world):
    first = submit(world, key="k-1")
    again = submit(world, key="k-1")
    assert first.created is True and again.created is False
    assert again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1 and AppealEvent.objects.count() == 1


def test_validation_errors_are_field_errors_and_store_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.submit_appeal(
            actor=None,
            category=world["wages"],
            description="短",
            channel=Channel.HOTLINE,
            anonymous=True,
            region=world["a"]["town"],
        )
    assert set(exc.value.message_dict) == {"description", "contact_mobile"}
    assert Appeal.objects.count() == 0


def test_photo_must_be_an_image(world):
    bad = SimpleUploadedFile("x.png", b"<svg></svg>", content_type="image/png")
    with pytest.raises(ValidationError):
        submit(world, photos=[bad])
    ok = SimpleUploadedFile("x.png", PNG, content_type="image/png")
    a = submit(world, photos=[ok]).appeal
    assert a.photos.get().content_type == "image/png"


def test_full_flow_accept_extend_reply_rate_resolved(world):
    a = submit(world, category="traffic", now=at(2026, 9, 24, 17, 0)).appeal
    h = world["traffic_handler"]
    services.accept(actor=h, appeal=a, now=at(2026, 9, 28, 9, 30))
    a.refresh_from_db()
    assert a.reply_due_at == at(2026, 10, 9, 17, 0)
    services.request_extension(
        actor=h, appeal=a, reason="需协调交警部门", now=at(2026, 10, 8, 9, 0)
    )
    a.refresh_from_db()
    assert a.reply_due_at == at(2026, 10, 15, 17, 0) and a.extension_used
    with pytest.raises(rules.TransitionRefused):
        services.request_extension(actor=h, appeal=a, reason="再次延期", now=at(2026, 10, 9, 9, 0))
    services.reply(actor=h, appeal=a, text="已在站点旁设置临时停车区", now=at(2026, 10, 12, 9, 0))
    services.rate(
        actor=world["worker_user"],
        appeal=a,
        resolved=True,
        satisfaction=rules.SATISFIED,
        now=at(2026, 10, 12, 10, 0),
    )
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.resolved is True
    assert list(a.events.values_list("action", flat=True)) == [
        "submit",
        "accept",
        "extend",
        "reply",
        "rate_resolved",
    ]


def test_unresolved_rating_reopens_with_new_clock(world):
    a = submit(world).appeal
    h = world["handler"]
    services.accept(actor=h, appeal=a, now=at(2026, 9, 24, 16, 30))
    services.reply(actor=h, appeal=a, text="已联系站点核实工资发放", now=at(2026, 9, 28, 10, 0))
    services.rate(
        actor=world["worker_user"],
        appeal=a,
        resolved=False,
        satisfaction=rules.DISSATISFIED,
        now=at(2026, 9, 28, 11, 0),
    )
    a.refresh_from_db()
    assert a.status == Status.REOPENED and a.reopen_count == 1 and a.replied_at is None
    assert a.reply_due_at == at(2026, 9, 29, 11, 0)
    services.reply(actor=h, appeal=a, text="工资已足额补发到账", now=at(2026, 9, 29, 9, 0))
    a.refresh_from_db()
    assert a.status == Status.REPLIED


@pytest.mark.parametrize(
    "who", ["traffic_handler", "county_admin", "other_worker_user", "worker_user"]
)
def test_denied_accept_changes_nothing(world, who):
    a = submit(world).appeal
    before = snapshot(a)
    with pytest.raises(PermissionDenied):
        services.accept(actor=world[who], appeal=a)
    assert snapshot(a) == before


def test_denied_rating_by_other_worker_changes_nothing(world):
    a = submit(world).appeal
    services.accept(actor=world["handler"], appeal=a, now=at(2026, 9, 24, 16, 30))
    services.reply(
        actor=world["handler"], appeal=a, text="已处理完毕请查收", now=at(2026, 9, 24, 17, 0)
    )
    before = snapshot(a)
    with pytest.raises(PermissionDenied):
        services.rate(
            actor=world["other_worker_user"], appeal=a, resolved=True, satisfaction=rules.SATISFIED
        )
    assert snapshot(a) == before


def test_refused_move_changes_nothing(world):
    a = submit(world).appeal
    before = snapshot(a)
    with pytest.raises(rules.TransitionRefused):
        services.reply(actor=world["handler"], appeal=a, text="未受理就答复不允许")
    assert snapshot(a) == before


def test_return_once_then_county_reroutes(world):
    a = submit(world).appeal
    services.return_appeal(
        actor=world["handler"], appeal=a, reason="属于交通部门职责", now=at(2026, 9, 24, 16, 10)
    )
    with pytest.raises(PermissionDenied):
        services.reroute(
            actor=world["a"]["admin"], appeal=a, department=world["jiaotong"], reason="x改派"
        )
    services.reroute(
        actor=world["county_admin"],
        appeal=a,
        department=world["jiaotong"],
        reason="按职责改派",
        now=at(2026, 9, 24, 16, 20),
    )
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED and a.department == world["jiaotong"]
    assert a.accept_due_at == at(2026, 9, 28, 9, 20)
    with pytest.raises(rules.TransitionRefused):
        services.return_appeal(actor=world["traffic_handler"], appeal=a, reason="再退回")


def test_escalation_sweep_twice_escalates_once(world):
    a = submit(world).appeal  # accept due 18:00, reply due Mon 28 Sep 16:00
    first = services.sweep(now=at(2026, 9, 24, 17, 40))
    assert first == {"warnings": 1, "escalations": 0, "closed_unrated": 0}
    first = services.sweep(now=at(2026, 9, 29, 9, 0))
    assert first == {"warnings": 0, "escalations": 2, "closed_unrated": 0}  # breach skips warning
    events_before = AppealEvent.objects.count()
    second = services.sweep(now=at(2026, 9, 29, 9, 5))
    assert second == {"warnings": 0, "escalations": 0, "closed_unrated": 0}
    assert AppealEvent.objects.count() == events_before
    assert Escalation.objects.filter(appeal=a, phase="breached").count() == 2
    assert Escalation.objects.filter(appeal=a, phase="breached", clock="reply").count() == 1


def test_sweep_closes_unrated_after_seven_days(world):
    a = submit(world).appeal
    services.accept(actor=world["handler"], appeal=a, now=at(2026, 9, 24, 16, 30))
    services.reply(
        actor=world["handler"], appeal=a, text="已处理完毕请查收", now=at(2026, 9, 24, 17, 0)
    )
    assert services.sweep(now=at(2026, 10, 1, 16, 59))["closed_unrated"] == 0
    assert services.sweep(now=at(2026, 10, 1, 17, 0))["closed_unrated"] == 1
    assert services.sweep(now=at(2026, 10, 1, 17, 1))["closed_unrated"] == 0
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.unrated is True and a.resolved is None


def test_notifications_and_development_sms_are_delivered_once(world):
    a = submit(world, contact_mobile="13912345678").appeal
    ev = a.events.get()
    assert services.deliver_notifications(event_id=ev.pk) == 3  # handler, worker, SMS
    assert services.deliver_notifications(event_id=ev.pk) == 0
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "renshe_h",
        "rider_a",
    }
    sms = SmsMessage.objects.get()
    assert sms.mobile == "13912345678" and a.tracking_no in sms.text
    assert sms.backend == "development-log"


def test_scoping_handler_sees_only_own_department(world):
    a = submit(world).appeal
    b = submit(world, category="traffic").appeal
    assert list(Appeal.objects.visible_to(world["handler"])) == [a]
    assert list(Appeal.objects.visible_to(world["traffic_handler"])) == [b]
    assert set(Appeal.objects.visible_to(world["county_admin"])) == {a, b}
    assert set(Appeal.objects.visible_to(world["worker_user"])) == {a, b}
    assert list(Appeal.objects.visible_to(world["other_worker_user"])) == []
    assert set(Appeal.objects.visible_to(world["a"]["admin"])) == {a, b}
    assert list(Appeal.objects.visible_to(world["b"]["admin"])) == []


def test_events_are_append_only(world):
    from gigbranch.core.models import AppendOnlyError

    ev = submit(world).appeal.events.get()
    with pytest.raises(AppendOnlyError):
        ev.save()
    with pytest.raises(AppendOnlyError):
        AppealEvent.objects.all().delete()


def test_send_sms_refuses_empty_mobile():
    from gigbranch.notifications.sms import send_sms

    assert send_sms(mobile="", text="x").ok is False


@pytest.mark.django_db
def test_send_sms_development_backend_logs(caplog):
    from gigbranch.notifications.sms import send_sms

    with caplog.at_level("INFO", logger="gigbranch.sms"):
        res = send_sms(mobile="13800001111", text="验证码 123456")
    assert res.ok and res.backend == "development-log"
    assert "138****1111" in caplog.text and "13800001111" not in caplog.text
    assert SmsMessage.objects.get().text == "验证码 ******"  # codes masked when stored


def test_the_sweep_acts_as_the_scheduler_and_is_audited_so(world):
    a = submit(world).appeal
    services.sweep(now=at(2026, 9, 24, 17, 40))
    event = AuditEvent.objects.get(action="appeal.warning", object_id=str(a.pk))
    assert (event.actor_id, event.actor_username, event.actor_role) == (None, "系统", "system")
    assert event.changes["system_reason"] == "定时任务"
    warn = AppealEvent.objects.get(appeal=a, action="warn")
    assert (warn.actor_id, warn.actor_label) == (None, "系统")
