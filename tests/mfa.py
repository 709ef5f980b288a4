"""Second-factor helpers for tests: enrol an account with a known key, compute its code,
sign in through both steps (ADR 0045)."""

from __future__ import annotations

from typing import Any

# The RFC 6238 test key ("12345678901234567890"), hex.
MFA_TEST_SECRET = "3132333435363738393031323334353637383930"


def enrol_mfa(user: Any, secret: str = MFA_TEST_SECRET) -> Any:
    from gigbranch.accounts import mfa

    return mfa.enrol_with_secret(user=user, secret_hex=secret)


def totp_code(user: Any, at: float | None = None) -> str:
    """The authenticator's code now (or at `at`); the device may take the same time step
    again (tests sign in several times a minute)."""
    from gigbranch.accounts.models import MfaDevice

    MfaDevice.objects.filter(user_id=user.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device = MfaDevice.objects.get(user_id=user.pk)
    return f"{device.totp(at).token():0{device.DIGITS}d}"


def login_with_mfa(client: Any, identifier: str, password: str, user: Any) -> Any:
    """Password, then (if the account has or needs a second factor) the TOTP code; the
    response of the last step."""
    from gigbranch.accounts import mfa

    response = client.post("/accounts/login/", {"identifier": identifier, "password": password})
    if response.status_code == 302 and response.url == "/accounts/mfa/enrol/":
        enrol_mfa(user)
        response = client.get("/accounts/login/continue/")
    if response.status_code == 302 and response.url == "/accounts/mfa/verify/":
        assert mfa.is_enrolled(user)
        response = client.post("/accounts/mfa/verify/", {"code": totp_code(user)})
    return response
