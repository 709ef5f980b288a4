"""Outbound SMS through a pluggable backend (settings.SMS_BACKEND).

`send_sms(mobile=..., text=...)` is the single entry point for every app (appeal
notifications, portal registration codes). The backend is chosen by dotted path in
settings.SMS_BACKEND; production deployments plug in their carrier gateway by writing a
class with the `SmsBackend` protocol.

`DevelopmentLogSmsBackend` is for development and demos only: it does NOT send anything.
It writes each message to the log and to `notifications.SmsMessage`, which a system
administrator can read at /appeals/sms-outbox/. Runs of 4–8 digits (verification codes)
are masked in both, so neither the outbox nor the log ever holds a usable login code; a
`manage.py check` error (core.E001, gigbranch/core/checks.py) refuses this backend when
settings.PRODUCTION is true.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from gigbranch.core.masking import mask_mobile

logger = logging.getLogger("gigbranch.sms")

DEVELOPMENT_BACKEND = "gigbranch.notifications.sms.DevelopmentLogSmsBackend"
# Where the backends lived before the notifications app (ADR 0049): a deployment whose
# SMS_BACKEND still names the old module keeps working.
_OLD_MODULE = "gigbranch.core.sms."

_CODE_RUN = re.compile(r"(?<!\d)\d{4,8}(?!\d)")
_PASSWORD = re.compile(r"(密码[:：]\s*)\S+")


def mask_codes(text: str) -> str:
    """Mask verification codes (standalone runs of 4–8 digits) and one-time passwords
    (the word after “密码：”) with asterisks."""
    text = _PASSWORD.sub(lambda m: m.group(1) + "********", text)
    return _CODE_RUN.sub(lambda m: "*" * len(m.group()), text)


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    backend: str
    reference: str = ""
    error: str = ""


@runtime_checkable
class SmsBackend(Protocol):
    """A carrier gateway. `send` must not raise for delivery failures; return ok=False."""

    name: str

    def send(self, *, mobile: str, text: str) -> SmsResult: ...


class DevelopmentLogSmsBackend:
    """Development backend: logs the message and stores it for the administrator page.

    Nothing leaves the machine. Never configure this in production.
    """

    name = "development-log"

    #: TEST/DEVELOPMENT ONLY: the last unmasked message, kept in process memory (never
    #: persisted or logged) so tests and a local developer can read a login code.
    last_raw_message_for_tests: tuple[str, str] | None = None

    def send(self, *, mobile: str, text: str) -> SmsResult:
        from .models import SmsMessage  # models are not ready when this module loads

        masked = mask_codes(text)
        msg = SmsMessage.objects.create(mobile=mobile, text=masked, backend=self.name)
        # The console log of a development machine shows the code so that a developer can
        # sign in to the portal (issue: portal registration); the stored outbox does not.
        logger.info("DEVELOPMENT SMS (not sent) to %s: %s", mask_mobile(mobile), text)
        DevelopmentLogSmsBackend.last_raw_message_for_tests = (mobile, text)
        return SmsResult(ok=True, backend=self.name, reference=str(msg.pk))


@lru_cache(maxsize=4)
def _backend_for(path: str) -> SmsBackend:
    if path.startswith(_OLD_MODULE):
        path = __name__ + "." + path.removeprefix(_OLD_MODULE)
    return import_string(path)()


def get_backend() -> SmsBackend:
    return _backend_for(settings.SMS_BACKEND)


def send_sms(*, mobile: str, text: str) -> SmsResult:
    """Send one SMS through the configured backend. Empty mobile or text is refused."""
    mobile = (mobile or "").strip()
    if not mobile or not text:
        return SmsResult(ok=False, backend="", error="缺少手机号或短信内容")
    try:
        return get_backend().send(mobile=mobile, text=text)
    except Exception as exc:  # a gateway outage must not break the caller's flow
        logger.exception("SMS backend failed")
        return SmsResult(ok=False, backend=settings.SMS_BACKEND, error=str(exc)[:200])


class HttpGatewaySmsBackend:
    """A carrier or government SMS platform reached over HTTPS (production).

    POSTs JSON {"mobile", "text", "sign_name"} to settings.SMS_GATEWAY_URL with the header
    X-Signature: hex HMAC-SHA256 of the body under settings.SMS_GATEWAY_SECRET. A 2xx answer
    with JSON {"ok": true, "id": "..."} is a success; anything else is a failure reported
    in the result (never raised), so callers can retry from their own queue.
    """

    name = "http-gateway"

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.secret = settings.SMS_GATEWAY_SECRET.encode()
        self.sign_name = settings.SMS_SIGN_NAME
        self.timeout = settings.SMS_GATEWAY_TIMEOUT_SECONDS
        if not self.url or not self.secret:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("SMS_GATEWAY_URL and SMS_GATEWAY_SECRET are required")

    def send(self, *, mobile: str, text: str) -> SmsResult:
        import hashlib
        import hmac
        import json
        import urllib.error
        import urllib.request

        body = json.dumps(
            {"mobile": mobile, "text": text, "sign_name": self.sign_name}, ensure_ascii=False
        ).encode()
        signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(  # noqa: S310 - URL comes from settings
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "X-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
            logger.warning("SMS gateway failed for %s: %s", mask_mobile(mobile), exc)
            return SmsResult(ok=False, backend=self.name, error=str(exc)[:200])
        if not answer.get("ok"):
            return SmsResult(ok=False, backend=self.name, error=str(answer.get("error", ""))[:200])
        return SmsResult(ok=True, backend=self.name, reference=str(answer.get("id", "")))
