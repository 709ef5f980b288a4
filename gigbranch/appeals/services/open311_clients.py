"""Open311 GeoReport v2 clients: registered with a key of which only the hash is kept."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction

from gigbranch.core import audit
from gigbranch.core.actors import Actor

from ..models import Open311Client


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_open311_client(
    *, actor: Actor, name: str, account: Any = None, raw_key: str | None = None
) -> tuple[Open311Client, str]:
    """Register an Open311 client. Returns the raw api_key once; only its hash is kept."""
    raw_key = raw_key or secrets.token_hex(16)
    client = Open311Client.objects.create(
        name=name, key_prefix=raw_key[:8], key_hash=hash_api_key(raw_key), account=account
    )
    audit.record(
        actor=actor,
        action="open311.client_created",
        obj=client,
        changes={"name": name, "prefix": raw_key[:8]},
    )
    return client, raw_key


def client_for_key(raw: str) -> Open311Client | None:
    if not raw:
        return None
    return Open311Client.objects.filter(key_hash=hash_api_key(raw), revoked_at__isnull=True).first()
