"""Audit log: written with the change, append-only, searchable by the audit administrator."""

import pytest
from django.db import connection, transaction

from gigbranch.core import audit
from gigbranch.core.models import AppendOnlyError, AuditEvent
from gigbranch.organizations import services as org_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_service_writes_event_with_actor_role_fields_and_ip(client, two_townships):
    a = two_townships["a"]
    client.force_login(a["admin"])
    response = client.post(
        f"/org/{a['branch'].pk}/edit/",
        {
            "name": "甲镇快递网点联合党支部",
            "kind": "branch",
            "region": a["town"].pk,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="organization.updated")
    assert event.actor == a["admin"]
    assert event.actor_role == "township_admin"
    assert event.object_type == "organizations.organization"
    assert event.object_id == str(a["branch"].pk)
    assert event.changes == {"name": ["甲镇快递网点党支部", "甲镇快递网点联合党支部"]}
    assert event.ip_address == "10.1.2.3"


def test_event_is_rolled_back_with_the_failed_write(two_townships):
    a = two_townships["a"]
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        org_services.update_organization(actor=a["admin"], organization=a["branch"], name="新名称")
        raise RuntimeError("later step fails")
    assert AuditEvent.objects.count() == before
    a["branch"].refresh_from_db()
    assert a["branch"].name == "甲镇快递网点党支部"


def test_events_cannot_be_updated_or_deleted_through_the_orm():
    event = audit.record(actor=None, action="test.event")
    with pytest.raises(AppendOnlyError):
        event.action = "changed"
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database trigger exists on PostgreSQL"
)
def test_postgresql_trigger_refuses_raw_update_and_delete():
    from django.db import DatabaseError

    event = audit.record(actor=None, action="test.event")
    for sql in (
        "UPDATE core_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_audit_search_page_filters(client):
    auditor = UserFactory(role="audit_admin", username="auditor1")
    audit.record(
        actor=None,
        action="organization.updated",
        object_type="organizations.organization",
        object_id="7",
    )
    audit.record(actor=None, action="user.created", object_type="accounts.user", object_id="8")
    client.force_login(auditor)
    body = client.get("/core/audit/", {"action": "organization"}).content.decode()
    assert "organization.updated" in body and "user.created" not in body
    assert "共 1 条" in body


def test_reveal_writes_an_audit_event(client, two_townships):
    a = two_townships["a"]
    client.force_login(a["admin"])
    response = client.post(f"/people/workers/{a['worker'].pk}/reveal/id_number/")
    assert response.status_code == 200
    assert a["worker"].id_number in response.content.decode()
    event = AuditEvent.objects.get(action="pii.revealed")
    assert event.object_id == str(a["worker"].pk) and event.changes == {"field": "id_number"}


def test_reveal_is_refused_without_permission_and_logs_nothing(client, two_townships):
    a = two_townships["a"]
    inspector = UserFactory(role="inspector", scope_region=a["town"])
    client.force_login(inspector)
    detail = client.get(f"/people/workers/{a['worker'].pk}/").content.decode()
    assert a["worker"].masked_id_number in detail and a["worker"].id_number not in detail
    response = client.post(f"/people/workers/{a['worker'].pk}/reveal/id_number/")
    assert response.status_code == 403
    assert a["worker"].id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
