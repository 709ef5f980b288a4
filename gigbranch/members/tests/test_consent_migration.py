"""Migration to one consent store (ADR 0026): every row of the dropped portal store is
carried over with its time, answer and version, in order; the roster rows that were
mirror copies of portal answers are merged with their source instead of duplicated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import UserFactory, WorkerFactory, WorkerUserFactory

OLD = [("members", "0005_worker_status_region_index"), ("portal", "0001_initial")]


def _at(minute: int, second: float = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, 2, 9, minute)) + dt.timedelta(seconds=second)


def _migrate(targets=None):
    """Migrate to `targets` (default: the latest state) and return the models there."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_carry_over_keeps_every_portal_record_in_order():
    county = WorkerFactory().region
    linked_worker = WorkerFactory(region=county)
    roster_only = WorkerFactory(region=county)
    unlinked = WorkerUserFactory()
    linked = WorkerUserFactory(worker=linked_worker)
    staff = UserFactory(role="county_admin", scope_region=county)

    old = _migrate(OLD)
    PortalConsent = old.get_model("portal", "ConsentRecord")
    RosterConsent = old.get_model("members", "ConsentRecord")

    def portal(user, purpose, granted, at, version="2026-01"):
        row = PortalConsent.objects.create(
            user_id=user.pk, purpose=purpose, granted=granted, version=version
        )
        PortalConsent.objects.filter(pk=row.pk).update(at=at)  # `at` was auto_now_add
        return row.pk

    def roster(worker, purpose, granted, at, method, by):
        row = RosterConsent.objects.create(
            worker_id=worker.pk,
            purpose=purpose,
            granted=granted,
            method=method,
            recorded_by_id=by.pk,
        )
        RosterConsent.objects.filter(pk=row.pk).update(recorded_at=at)
        return row.pk

    # An account never matched to a worker: basic, political, then a withdrawal.
    portal(unlinked, "basic", True, _at(1))
    portal(unlinked, "political_status", True, _at(1, 0.5))
    portal(unlinked, "political_status", False, _at(5), version="2025-06")
    # A linked account: each portal answer had a mirror copy in the roster store (same
    # transaction, a moment later); linking mirrored the state once more (minute 3).
    portal(linked, "basic", True, _at(2))
    mirror_basic = roster(linked_worker, "basic", True, _at(2, 0.01), "门户勾选", linked)
    portal(linked, "political_status", True, _at(2, 0.2))
    roster(linked_worker, "political_status", True, _at(2, 0.21), "门户勾选", linked)
    link_copy = roster(linked_worker, "basic", True, _at(3), "门户勾选", linked)
    roster(linked_worker, "political_status", False, _at(4), "书面撤回", staff)
    portal(linked, "political_status", True, _at(6))  # its mirror was lost: no copy
    # A roster worker with paper records only.
    roster(roster_only, "political_status", True, _at(1), "书面签字", staff)
    roster_before = RosterConsent.objects.count()
    portal_rows = list(
        PortalConsent.objects.order_by("at", "id").values_list(
            "user_id", "purpose", "granted", "version", "at"
        )
    )

    new = _migrate()
    Consent = new.get_model("members", "ConsentRecord")
    carried = list(
        Consent.objects.filter(account_id__isnull=False, method="门户勾选")
        .exclude(pk=link_copy)
        .order_by("recorded_at", "id")
        .values_list("account_id", "purpose", "granted", "version", "recorded_at")
    )
    # No record lost, order kept, nothing duplicated.
    assert carried == portal_rows
    assert Consent.objects.count() == roster_before + len(portal_rows) - 2
    # The unmatched account's rows are kept by account; the linked one's by both keys.
    assert list(
        Consent.objects.filter(account_id=unlinked.pk).values_list("worker_id", flat=True)
    ) == [None, None, None]
    linked_rows = Consent.objects.filter(worker_id=linked_worker.pk).order_by("recorded_at", "id")
    assert list(linked_rows.values_list("purpose", "granted", "method", "account_id")) == [
        ("basic", True, "门户勾选", linked.pk),
        ("political_status", True, "门户勾选", linked.pk),
        ("basic", True, "门户勾选", linked.pk),
        ("political_status", False, "书面撤回", None),
        ("political_status", True, "门户勾选", linked.pk),
    ]
    assert Consent.objects.get(pk=mirror_basic).recorded_at == _at(2)
    assert Consent.objects.filter(worker_id=roster_only.pk).count() == 1
    # The portal store is gone.
    assert "portal_consentrecord" not in connection.introspection.table_names()

    # Reversible: the portal answers go back to the portal store (the copy made when the
    # account was linked comes along), then forward again to the latest state.
    old = _migrate(OLD)
    restored = list(
        old.get_model("portal", "ConsentRecord")
        .objects.order_by("at", "id")
        .values_list("user_id", "purpose", "granted", "version", "at")
    )
    assert [r for r in restored if r[-1] != _at(3)] == portal_rows
    # Rows filed under a worker stay, like mirror copies (here also the linked account's
    # last answer, whose mirror copy had been lost); rows kept by account only do not.
    assert old.get_model("members", "ConsentRecord").objects.count() == roster_before + 1
    _migrate()
