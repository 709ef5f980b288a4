"""Portal account writes: SMS codes, registration, consent (PIPL), roster linking.

Consent answers are written to the one consent store through `gigbranch.members.consent`
(ADR 0026); this module only applies the portal's screen rules (basic consent required,
withdrawing it closes the account).

Registration needs only a mobile number and a one-time SMS code. Codes are 6 digits,
valid 5 minutes, 5 attempts, one request per mobile per 60 seconds and 5 per hour; only
keyed hashes of the mobile number and the code are stored here.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from gigbranch.accounts.models import User
from gigbranch.accounts.roles import Role
from gigbranch.core import audit
from gigbranch.core.fields import blind_index
from gigbranch.core.validators import normalize_mobile, parse_resident_id
from gigbranch.members import consent
from gigbranch.members.models import ConsentPurpose

from .models import SmsCode

# Version of the consent notice shown on the portal's consent screen (portal/consent.html).
CONSENT_VERSION = "2026-01"
PORTAL_PURPOSES = (ConsentPurpose.BASIC, ConsentPurpose.POLITICAL_STATUS)

CODE_TTL = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_PER_HOUR = 5
MAX_ATTEMPTS = 5


def _send(mobile: str, text: str) -> Any:
    from gigbranch.notifications.sms import send_sms

    return send_sms(mobile=mobile, text=text)


def request_code(*, mobile: str, now: dt.datetime | None = None) -> None:
    """Send a login/registration code. Raises ValidationError when rate-limited."""
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError as exc:
        raise ValidationError({"mobile": "请输入正确的11位手机号码。"}) from exc
    now = now or timezone.now()
    mobile_hash = blind_index(mobile, context="mobile")
    with transaction.atomic():
        recent = SmsCode.objects.filter(
            mobile_hash=mobile_hash, created_at__gt=now - dt.timedelta(hours=1)
        )
        if recent.filter(created_at__gt=now - RESEND_AFTER).exists():
            raise ValidationError({"mobile": "验证码已发送，请60秒后再试。"})
        if recent.count() >= MAX_PER_HOUR:
            raise ValidationError({"mobile": "获取验证码过于频繁，请一小时后再试。"})
        code = f"{secrets.randbelow(10**6):06d}"
        SmsCode.objects.create(
            mobile_hash=mobile_hash,
            code_hash=blind_index(code, context=f"sms:{mobile_hash}"),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        audit.record(
            actor=None,
            action="portal.sms_code_sent",
            object_type="portal.smscode",
            changes={"mobile": mobile[:3] + "****" + mobile[-4:]},
        )
        text = f"【新就业群体服务】您的验证码是{code}，5分钟内有效。请勿告诉他人。"
        transaction.on_commit(lambda: _send(mobile, text))


@dataclass
class VerifyResult:
    user: User
    created: bool


def verify_code(*, mobile: str, code: str, now: dt.datetime | None = None) -> VerifyResult:
    """Check the code; log in the worker account for this mobile, creating it if new."""
    try:
        mobile = normalize_mobile(mobile)
    except ValidationError as exc:
        raise ValidationError({"mobile": "请输入正确的11位手机号码。"}) from exc
    now = now or timezone.now()
    mobile_hash = blind_index(mobile, context="mobile")
    code = (code or "").strip()
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(mobile_hash=mobile_hash, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if sms is None:
            raise ValidationError({"code": "验证码已失效，请重新获取。"})
        if sms.attempts >= MAX_ATTEMPTS:
            raise ValidationError({"code": "错误次数过多，请重新获取验证码。"})
        if not secrets.compare_digest(
            sms.code_hash, blind_index(code, context=f"sms:{mobile_hash}")
        ):
            sms.attempts += 1
            sms.save(update_fields=["attempts"])
            # Commit the failed attempt: leave the atomic block normally, then raise.
            failed = True
        else:
            failed = False
            sms.used_at = now
            sms.save(update_fields=["used_at"])
    if failed:
        raise ValidationError({"code": "验证码不正确。"})
    with transaction.atomic():
        user = User.objects.select_for_update().filter(mobile_hash=mobile_hash).first()
        if user is not None:
            if user.role != Role.WORKER:
                raise PermissionDenied("该手机号已绑定工作人员账号，请从工作台登录。")
            if not user.is_active:
                raise PermissionDenied("该账号已停用。")
            audit.record(actor=user, action="portal.login", obj=user)
            return VerifyResult(user, False)
        user = User(username=f"m{secrets.token_hex(6)}", role=Role.WORKER, mobile=mobile)
        user.set_unusable_password()
        user.save()
        audit.record(actor=user, action="portal.registered", obj=user)
        return VerifyResult(user, True)


def _answer(user: Any, purpose: str, granted: bool) -> None:
    consent.record_consent(
        actor=user,
        account=user,
        purpose=purpose,
        granted=granted,
        method=consent.PORTAL_METHOD,
        version=CONSENT_VERSION,
    )


@transaction.atomic
def record_consent(*, user: Any, basic: bool, political_status: bool) -> None:
    """Record the consent screen's answers (PIPL art. 14, 29: separate consent for
    sensitive personal information). Only changes are written."""
    if user.role != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以授权。")
    if not basic:
        raise ValidationError({"basic": "需要同意基本个人信息处理规则才能使用服务。"})
    now_state = consent.answers(user)
    for purpose, granted in (
        (ConsentPurpose.BASIC, basic),
        (ConsentPurpose.POLITICAL_STATUS, political_status),
    ):
        if now_state.get(purpose) != granted:
            _answer(user, purpose, granted)


@transaction.atomic
def withdraw_consent(*, user: Any, purpose: str) -> None:
    if purpose not in PORTAL_PURPOSES:
        raise ValidationError("未知的授权事项。")
    if user.role != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以撤回授权。")
    if consent.is_granted(user, purpose):
        _answer(user, purpose, False)
    if purpose == ConsentPurpose.BASIC:
        # Withdrawing basic consent ends the service: the account is deactivated.
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(actor=user, action="portal.account_closed", obj=user)


@transaction.atomic
def link_worker(*, user: Any, id_number: str) -> Any:
    """Link the account to the roster record whose mobile AND ID number both match."""
    from gigbranch.members.models import Worker

    if user.role != Role.WORKER:
        raise PermissionDenied("仅劳动者本人可以关联登记信息。")
    if user.worker_id:
        raise ValidationError("账号已关联登记信息。")
    try:
        rid = parse_resident_id(id_number)
    except ValidationError as exc:
        raise ValidationError(
            {"id_number": "公民身份号码格式不正确（校验位不符，见ID规则）。"}
        ) from exc
    worker = Worker.objects.filter(
        id_number_hash=blind_index(rid.number, context="id_number"),
        mobile_hash=user.mobile_hash,
    ).first()
    if worker is None or User.objects.filter(worker=worker).exists():
        audit.record(actor=user, action="portal.link_failed", obj=user)
        raise ValidationError(
            {
                "id_number": "未找到与您的手机号和身份证号同时匹配的登记信息，"
                "请联系所在站点或企业核实花名册。"
            }
        )
    user.worker = worker
    if not user.full_name:
        user.full_name = worker.name
    user.save(update_fields=["worker", "full_name"])
    audit.record(actor=user, action="portal.linked_worker", obj=user, changes={"worker": worker.pk})
    # Answers given before the match now belong to the worker's records (ADR 0026).
    consent.attach_account_records(actor=user, account=user)
    return worker


@transaction.atomic
def correct_name(*, user: Any, full_name: str) -> Any:
    full_name = (full_name or "").strip()
    if not full_name or len(full_name) > 40:
        raise ValidationError({"full_name": "请输入1至40个字的姓名。"})
    changes = audit.diff(user, {"full_name": full_name})
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    audit.record(actor=user, action="portal.corrected", obj=user, changes=changes)
    return user


def export_my_data(*, user: Any) -> str:
    """The person's own data as JSON (PIPL art. 45: access and copy)."""
    from gigbranch.activities.models import SignUp
    from gigbranch.stations.models import Booking, CheckIn, StudyCompletion

    worker = user.worker
    data: dict[str, Any] = {
        "账号": {
            "姓名": user.full_name,
            "手机号码": user.mobile,
            "注册时间": timezone.localtime(user.date_joined).isoformat(),
        },
        "授权记录": [
            {
                "事项": ConsentPurpose(c.purpose).label,
                "同意": c.granted,
                "方式": c.method,
                "版本": c.version,
                "时间": timezone.localtime(c.recorded_at).isoformat(),
            }
            for c in consent.history(user).order_by("recorded_at", "id")
        ],
        "预约": [
            {
                "机构": b.slot.provider.name,
                "时间": timezone.localtime(b.slot.starts_at).isoformat(),
                "状态": b.get_status_display(),
            }
            for b in Booking.objects.filter(user=user).select_related("slot__provider")
        ],
        "活动报名": [
            {"活动": s.activity.title, "状态": s.get_status_display()}
            for s in SignUp.objects.filter(user=user).select_related("activity")
        ],
        "学习": [
            {"资料": c.article.title, "完成时间": timezone.localtime(c.completed_at).isoformat()}
            for c in StudyCompletion.objects.filter(user=user).select_related("article")
        ],
        "驿站签到次数": CheckIn.objects.filter(user=user).count(),
    }
    if worker is not None:
        consents = consent.answers(user)
        data["登记信息"] = {
            "姓名": worker.name,
            "公民身份号码": worker.id_number,
            "手机号码": worker.mobile,
            "职业": worker.get_occupation_display(),
            "政治面貌": worker.get_political_status_display()
            if consents.get(ConsentPurpose.POLITICAL_STATUS)
            else "（未授权处理）",
            "所在企业/站点": worker.workplace.name if worker.workplace_id else "",
        }
    with transaction.atomic():
        audit.record(actor=user, action="portal.data_exported", obj=user)
    return json.dumps(data, ensure_ascii=False, indent=2)
