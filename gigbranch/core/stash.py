"""Uploaded files kept between a dry run and its confirmation (organisation, workplace and
station imports): encrypted at rest with the field cipher, bound to the uploading
account, and deleted on use or after STASH_MAX_AGE_SECONDS by the periodic sweep — an
import that is never applied leaves nothing readable behind.

(Roster files have their own encrypted store, kept until a possibly queued import
finishes: members/services/roster_run.py, ADR 0052.)
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings

from .crypto import get_cipher

DEFAULT_MAX_AGE_SECONDS = 2 * 3600


def _dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_age() -> int:
    return int(getattr(settings, "STASH_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))


def _aad(purpose: str, owner_id: int | None) -> bytes:
    return f"stash:{purpose}:{owner_id}".encode()


def _path(token: str) -> Path | None:
    if not token or not token.isalnum() or len(token) > 64:
        return None
    return _dir() / f"{token}.bin"


def put(data: bytes, *, purpose: str, owner_id: int | None) -> str:
    """Store `data` encrypted; return the token that `take` needs (with the same owner)."""
    cipher = get_cipher()
    blob = cipher.provider.encrypt(
        data, key=cipher.keys[cipher.current_kid], aad=_aad(purpose, owner_id)
    )
    token = secrets.token_hex(16)
    path = _dir() / f"{token}.bin"
    path.write_bytes(cipher.current_kid.encode() + b"\n" + blob)
    path.chmod(0o600)
    return token


def get(token: str, *, purpose: str, owner_id: int | None) -> bytes | None:
    """The stored bytes, or None when missing, expired, or stored for another purpose or
    account (the additional data of the encryption binds both)."""
    path = _path(token)
    if path is None or not path.exists():
        return None
    if time.time() - path.stat().st_mtime > max_age():
        path.unlink(missing_ok=True)
        return None
    cipher = get_cipher()
    kid, _, blob = path.read_bytes().partition(b"\n")
    key = cipher.keys.get(kid.decode(errors="replace"))
    if key is None:
        return None
    try:
        return cipher.provider.decrypt(blob, key=key, aad=_aad(purpose, owner_id))
    except Exception:  # wrong owner or purpose, or a damaged file: the same answer
        return None


def discard(token: str) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep(now: float | None = None) -> int:
    """Delete stashed files older than the maximum age (and any plaintext leftovers of
    older versions); return how many were deleted."""
    now = time.time() if now is None else now
    deleted = 0
    for path in _dir().iterdir():
        if path.is_file() and now - path.stat().st_mtime > max_age():
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
