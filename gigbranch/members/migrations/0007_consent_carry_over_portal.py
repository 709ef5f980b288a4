"""One consent store (ADR 0026): carry every record of the portal's consent store
(portal.ConsentRecord, per account) over into members.ConsentRecord.

- Every portal row becomes a row here with the same account, purpose, answer, notice
  version and time (`recorded_at` = the portal row's `at`), inserted in (at, id) order.
  It is filed under the account's worker when the account is linked, else by account only.
- Linked accounts' answers were also mirrored into this store (method "门户勾选",
  recorded by the worker's own account, in the same transaction). Such a mirror copy is
  merged with its portal row (account, version and exact time filled in) instead of
  being duplicated. Mirror copies without a portal row (written when an account was
  linked) stay, with their account filled in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import migrations

PORTAL_METHOD = "门户勾选"
MIRROR_WINDOW = dt.timedelta(seconds=5)


def carry_over(apps, schema_editor):
    PortalConsent = apps.get_model("portal", "ConsentRecord")
    Consent = apps.get_model("members", "ConsentRecord")
    User = apps.get_model("accounts", "User")

    worker_of = dict(
        User.objects.filter(
            pk__in=PortalConsent.objects.values("user_id"), worker__isnull=False
        ).values_list("pk", "worker_id")
    )
    # Mirror copies: written through the portal by the worker's own linked account.
    mirrors: dict[tuple, list[tuple]] = defaultdict(list)
    for pk, worker_id, account_id, purpose, granted, at in (
        Consent.objects.filter(method=PORTAL_METHOD, recorded_by_id__in=list(worker_of))
        .order_by("recorded_at", "id")
        .values_list("pk", "worker_id", "recorded_by_id", "purpose", "granted", "recorded_at")
    ):
        if worker_of.get(account_id) == worker_id:
            mirrors[(account_id, purpose, granted)].append((at, pk))

    merged: list[tuple[int, int, str, dt.datetime]] = []
    new_rows = []
    for row in PortalConsent.objects.order_by("at", "id").iterator():
        candidates = mirrors.get((row.user_id, row.purpose, row.granted), [])
        match = next(
            (i for i, (at, _pk) in enumerate(candidates) if row.at <= at <= row.at + MIRROR_WINDOW),
            None,
        )
        if match is not None:
            _at, pk = candidates.pop(match)
            merged.append((pk, row.user_id, row.version, row.at))
            continue
        new_rows.append(
            Consent(
                worker_id=worker_of.get(row.user_id),
                account_id=row.user_id,
                purpose=row.purpose,
                granted=row.granted,
                method=PORTAL_METHOD,
                version=row.version,
                recorded_at=row.at,
                recorded_by_id=row.user_id,
            )
        )
    for pk, account_id, version, at in merged:
        Consent.objects.filter(pk=pk).update(account_id=account_id, version=version, recorded_at=at)
    Consent.objects.bulk_create(new_rows, batch_size=1000)
    for (account_id, _purpose, _granted), rest in mirrors.items():
        if rest:
            Consent.objects.filter(pk__in=[pk for _at, pk in rest]).update(account_id=account_id)


def carry_back(apps, schema_editor):
    """Reverse: portal answers go back to the portal store; rows kept by account only
    (no worker) cannot stay here. Rows filed under a worker stay, as mirror copies did."""
    PortalConsent = apps.get_model("portal", "ConsentRecord")
    Consent = apps.get_model("members", "ConsentRecord")
    rows = Consent.objects.filter(
        account_id__isnull=False,
        method=PORTAL_METHOD,
        purpose__in=["basic", "political_status"],
    ).order_by("recorded_at", "id")
    for row in rows.iterator():
        copy = PortalConsent.objects.create(
            user_id=row.account_id,
            purpose=row.purpose,
            granted=row.granted,
            version=row.version or "2026-01",
        )
        PortalConsent.objects.filter(pk=copy.pk).update(at=row.recorded_at)
    Consent.objects.filter(worker__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_consent_one_store"),
        ("portal", "0001_initial"),
        ("accounts", "0002_api_client_role"),
    ]

    operations = [migrations.RunPython(carry_over, carry_back)]
