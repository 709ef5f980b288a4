"""Demo data for the second factor (ADR 0045): the demo accounts that must pass MFA are
enrolled with one fixed, published key so the demo stays usable. `make run` prints the
key; add it to any TOTP authenticator, or print the current code with
`python manage.py demo_totp` (development only). Never use this key outside the demo.
"""

from __future__ import annotations

import base64
from typing import Any

# "Yunxi-demo-2026-MFA!" (20 bytes), hex: the published demo key.
DEMO_MFA_SECRET = b"Yunxi-demo-2026-MFA!".hex()


def demo_mfa_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_MFA_SECRET)).decode().rstrip("=")


def seed(*, rng: Any, ctx: Any, scale: str) -> None:
    """Enrol the demo accounts of MFA_REQUIRED_ROLES (also when MFA_REQUIRED is off, so
    switching it on keeps the demo usable)."""
    from django.conf import settings

    from . import mfa

    for user in ctx.users.values():
        if user.role in settings.MFA_REQUIRED_ROLES:
            mfa.enrol_with_secret(user=user, secret_hex=DEMO_MFA_SECRET)
