"""Security review fixes: recheck/export need org.change, no open redirect, Unicode digits
in query parameters give 404 (not 500), personal phone numbers encrypted and masked with an
audited reveal (DESIGN §2)."""

import importlib
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gigbranch.core.crypto import get_cipher
from gigbranch.core.models import AuditEvent, Finding
from gigbranch.organizations import excel, services
from gigbranch.organizations.models import (
    CommitteeMember,
    CommitteePost,
    Organization,
    Workplace,
)
from tests.factories import WorkplaceFactory

from .conftest import add_members

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def phones(network):
    org = network["branch_a"]
    Organization.objects.filter(pk=org.pk).update(
        secretary_name="王书记", secretary_phone=MOBILE, contact_phone="13800001111"
    )
    cm = CommitteeMember.objects.create(
        organization=org, post=CommitteePost.ORGANIZATION, person_name="李委员", phone=MOBILE
    )
    wp = WorkplaceFactory(name="甲网点", region=network["town_a"], contact_phone=MOBILE)
    return network | {"org": Organization.objects.get(pk=org.pk), "cm": cm, "wp": wp}


def _raw(table: str, column: str, pk: int) -> str:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q(column)} FROM {q(table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- 1. findings recheck ------------------------------------------------------------------


def test_inspector_cannot_recheck_findings(client, network):
    wp = WorkplaceFactory(name="无覆盖站", region=network["town_b"], reported_worker_count=40)
    add_members(n=3, workplace=wp)
    client.force_login(network["inspector"])
    response = client.post(reverse("organizations:findings_recheck"))
    assert response.status_code == 403
    assert Finding.objects.count() == 0
    assert not AuditEvent.objects.filter(action="findings.rechecked").exists()
    page = client.get(reverse("organizations:findings"))
    assert page.status_code == 200
    assert 'id="recheck"' not in page.content.decode()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_recheck_next_is_not_an_open_redirect(client, network, target):
    client.force_login(network["county_admin"])
    response = client.post(reverse("organizations:findings_recheck"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:findings")


def test_recheck_next_on_site_is_kept(client, network):
    client.force_login(network["county_admin"])
    target = reverse("organizations:findings") + "?rule=ORG-1"
    response = client.post(reverse("organizations:findings_recheck"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == target
    assert AuditEvent.objects.filter(action="findings.rechecked").count() == 1


# --- 3. Unicode digits --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "organizations:workplaces",
        "organizations:coverage",
        "organizations:coverage_points",
        "organizations:findings",
        "organizations:ruleset",
        "organizations:create",
    ],
)
@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A3", "%EF%BC%91", "9" * 30])
@pytest.mark.parametrize("user", ["county_admin", "industry_admin"])
def test_unicode_digits_in_ids_never_500(client, network, url, value, user):
    client.force_login(network[user])
    base = reverse(url)
    for param in ("region", "organization", "parent"):
        response = client.get(f"{base}?{param}={value}")
        assert response.status_code in (200, 403, 404), (url, param, value)


# --- 4. export ----------------------------------------------------------------------------


def test_inspector_cannot_export_ledgers(client, phones):
    client.force_login(phones["inspector"])
    for kind in ("workplaces", "organizations"):
        assert client.get(reverse("organizations:export", args=[kind])).status_code == 403
    assert not AuditEvent.objects.filter(action__endswith=".exported").exists()
    page = client.get(reverse("organizations:workplaces")).content.decode()
    assert reverse("organizations:export", args=["workplaces"]) not in page


# --- 2. phone numbers ---------------------------------------------------------------------


def test_phones_are_encrypted_at_rest(phones):
    for table, column, pk in (
        ("organizations_organization", "secretary_phone", phones["org"].pk),
        ("organizations_organization", "contact_phone", phones["org"].pk),
        ("organizations_committeemember", "phone", phones["cm"].pk),
        ("organizations_workplace", "contact_phone", phones["wp"].pk),
    ):
        stored = _raw(table, column, pk)
        assert stored and MOBILE not in stored and "13800001111" not in stored
    assert Organization.objects.get(pk=phones["org"].pk).secretary_phone == MOBILE


def test_detail_pages_show_masked_phones(client, phones):
    client.force_login(phones["inspector"])
    page = client.get(reverse("organizations:detail", args=[phones["org"].pk])).content.decode()
    assert MOBILE not in page and "13800001111" not in page
    assert MASKED in page and "138****1111" in page
    assert "查看完整号码" not in page  # inspector has no pii.reveal
    page = client.get(reverse("organizations:workplace", args=[phones["wp"].pk])).content.decode()
    assert MOBILE not in page and MASKED in page


def _ledger_rows(response):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(wb.active.iter_rows(min_row=2, values_only=True))


def test_export_phone_masking_by_capability(client, phones):
    qs = Organization.objects.filter(pk=phones["org"].pk)
    wb = load_workbook(io.BytesIO(excel.export_organizations(qs)))
    cells = [c for row in wb.active.iter_rows(min_row=2, values_only=True) for c in row]
    assert MASKED in cells and MOBILE not in cells
    # A pii.reveal holder gets the full numbers; the export event says so.
    client.force_login(phones["town_a_admin"])
    rows = _ledger_rows(client.get(reverse("organizations:export", args=["organizations"])))
    assert any(MOBILE in row for row in rows)
    event = AuditEvent.objects.get(action="organizations.exported")
    assert event.changes["unmasked"] is True


def test_reimporting_a_masked_ledger_keeps_stored_phones(phones):
    org = phones["org"]
    wb = load_workbook(
        io.BytesIO(excel.export_organizations(Organization.objects.filter(pk=org.pk)))
    )
    buf = io.BytesIO()
    wb.save(buf)
    result = excel.parse("organizations", buf.getvalue(), actor=phones["county_admin"])
    assert [r.action for r in result.rows] == ["unchanged"]
    excel.apply(result, actor=phones["county_admin"])
    org.refresh_from_db()
    assert (org.secretary_phone, org.contact_phone) == (MOBILE, "13800001111")


def test_audit_log_holds_masked_phones(phones):
    services.update_organization(
        actor=phones["county_admin"], organization=phones["org"], secretary_phone="13700002222"
    )
    event = AuditEvent.objects.get(action="organization.updated")
    assert event.changes["secretary_phone"] == [MASKED, "137****2222"]
    assert "13700002222" not in json.dumps(event.changes)


def test_reveal_is_audited_and_needs_pii_reveal(client, phones):
    url = reverse("organizations:phone_reveal", args=["committeemember", phones["cm"].pk, "phone"])
    client.force_login(phones["inspector"])
    assert client.post(url).status_code == 403
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    client.force_login(phones["town_b_admin"])  # out of scope
    assert client.post(url).status_code == 404
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    client.force_login(phones["town_a_admin"])
    assert client.get(url).status_code == 405
    bad = reverse("organizations:phone_reveal", args=["organization", phones["org"].pk, "name"])
    assert client.post(bad).status_code == 404
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    response = client.post(url)
    assert response.status_code == 200 and MOBILE in response.content.decode()
    event = AuditEvent.objects.get(action="pii.revealed")
    assert (event.object_type, event.object_id, event.changes) == (
        "organizations.committeemember",
        str(phones["cm"].pk),
        {"field": "phone"},
    )
    page = client.get(reverse("organizations:detail", args=[phones["org"].pk])).content.decode()
    assert "查看完整号码" in page and MOBILE not in page


def _api(user):
    c = Client()
    c.force_login(user)
    return c


def test_api_masks_phones_and_reveal_is_audited(phones):
    org = phones["org"]
    body = _api(phones["town_a_admin"]).get(f"/api/v1/organizations/{org.pk}").json()
    assert (body["secretary_phone"], body["contact_phone"]) == (MASKED, "138****1111")
    listing = _api(phones["county_admin"]).get("/api/v1/organizations?limit=100").content
    assert MOBILE.encode() not in listing
    url = f"/api/v1/organizations/{org.pk}/reveal"
    r = _api(phones["inspector"]).post(
        url, json.dumps({"field": "secretary_phone"}), content_type="application/json"
    )
    assert r.status_code == 403
    r = _api(phones["town_a_admin"]).post(
        url, json.dumps({"field": "name"}), content_type="application/json"
    )
    assert r.status_code == 422
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    r = _api(phones["town_a_admin"]).post(
        url, json.dumps({"field": "secretary_phone"}), content_type="application/json"
    )
    assert r.json() == {"field": "secretary_phone", "value": MOBILE}
    assert AuditEvent.objects.filter(action="pii.revealed", object_id=str(org.pk)).count() == 1


def test_migration_encrypts_existing_values_and_reverses(phones):
    mig = importlib.import_module("gigbranch.organizations.migrations.0004_encrypt_phones")
    pk = phones["wp"].pk
    cipher = get_cipher()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    mig.decrypt(None, editor)
    assert _raw("organizations_workplace", "contact_phone", pk) == MOBILE
    mig.encrypt(None, editor)
    stored = _raw("organizations_workplace", "contact_phone", pk)
    assert stored != MOBILE
    assert cipher.decrypt(stored, context="organizations.workplace.contact_phone") == MOBILE
    assert Workplace.objects.get(pk=pk).contact_phone == MOBILE
