"""A township admin can neither read nor change another township's objects (pages, API).

Each refused attempt is shown to change nothing: the object and the audit log are the same
after the attempt as before.
"""

import json

import pytest

from gigbranch.core.models import AuditEvent
from gigbranch.organizations.models import Organization

pytestmark = pytest.mark.django_db


def snapshot(org):
    org.refresh_from_db()
    return (org.name, org.term_years, org.contact_name, org.region_id, AuditEvent.objects.count())


PAGE_READS = [
    lambda t: f"/org/{t['branch'].pk}/",
    lambda t: f"/org/{t['committee'].pk}/",
    lambda t: f"/org/{t['branch'].pk}/edit/",
    lambda t: f"/people/workers/{t['worker'].pk}/",
]
API_READS = [lambda t: f"/api/v1/organizations/{t['branch'].pk}"]


@pytest.mark.parametrize("url_for", PAGE_READS + API_READS)
def test_reads_in_own_township_succeed_and_in_other_township_are_refused(
    client, two_townships, url_for
):
    a, b = two_townships["a"], two_townships["b"]
    client.force_login(a["admin"])
    assert client.get(url_for(a)).status_code == 200
    assert client.get(url_for(b)).status_code == 404


def test_lists_contain_only_own_township(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    client.force_login(a["admin"])
    for url in ("/org/", "/org/workplaces/", "/people/workers/"):
        body = client.get(url).content.decode()
        assert a["town"].name in body and b["town"].name not in body, url
    ids = {o["id"] for o in client.get("/api/v1/organizations").json()["items"]}
    assert a["branch"].pk in ids and b["branch"].pk not in ids and b["committee"].pk not in ids


def test_page_edit_of_other_township_changes_nothing(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    client.force_login(a["admin"])
    before = snapshot(b["branch"])
    response = client.post(
        f"/org/{b['branch'].pk}/edit/",
        {
            "name": "篡改",
            "kind": "branch",
            "region": a["town"].pk,
            "term_years": 9,
        },
    )
    assert response.status_code == 404
    assert snapshot(b["branch"]) == before


def test_page_edit_cannot_move_own_branch_into_other_township(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    client.force_login(a["admin"])
    before = snapshot(a["branch"])
    response = client.post(
        f"/org/{a['branch'].pk}/edit/",
        {
            "name": a["branch"].name,
            "kind": "branch",
            "region": b["town"].pk,
        },
    )
    assert response.status_code == 200  # form re-rendered with an error
    assert "选择一个有效的选项" in response.content.decode() or "有效" in response.content.decode()
    assert snapshot(a["branch"]) == before


def test_api_patch_of_other_township_changes_nothing(client, two_townships):
    a, b = two_townships["a"], two_townships["b"]
    client.force_login(a["admin"])
    before = snapshot(b["branch"])
    response = client.patch(
        f"/api/v1/organizations/{b['branch'].pk}",
        data=json.dumps({"name": "篡改"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )
    assert response.status_code in (403, 404)
    assert snapshot(b["branch"]) == before


def test_api_patch_own_branch_is_audited(client, two_townships):
    from django.test import Client

    a = two_townships["a"]
    csrf_client = Client(enforce_csrf_checks=False)
    csrf_client.force_login(a["admin"])
    response = csrf_client.patch(
        f"/api/v1/organizations/{a['branch'].pk}",
        data=json.dumps({"term_years": 3}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Organization.objects.get(pk=a["branch"].pk).term_years == 3
    event = AuditEvent.objects.get(action="organization.updated", object_id=str(a["branch"].pk))
    assert event.actor == a["admin"] and event.changes == {"term_years": [None, 3]}


def test_api_bad_payload_is_422_with_field_errors(client, two_townships):
    from django.test import Client

    a = two_townships["a"]
    c = Client()
    c.force_login(a["admin"])
    response = c.patch(
        f"/api/v1/organizations/{a['branch'].pk}",
        data=json.dumps({"term_years": "abc"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "term_years" in json.dumps(response.json(), ensure_ascii=False)


def test_bearer_token_acts_within_its_user_scope(client, two_townships):
    from gigbranch.accounts.services import issue_api_token

    a, b = two_townships["a"], two_townships["b"]
    _, raw = issue_api_token(actor=None, user=a["admin"], name="测试平台")
    ok = client.get(f"/api/v1/organizations/{a['branch'].pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ok.status_code == 200 and ok.json()["name"] == a["branch"].name
    refused = client.get(
        f"/api/v1/organizations/{b['branch'].pk}", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert refused.status_code == 404
    assert client.get("/api/v1/organizations", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_industry_line_scope_sees_its_subtree_across_regions(client, two_townships):
    from tests.factories import UserFactory

    a, b = two_townships["a"], two_townships["b"]
    user = UserFactory(role="industry_admin", scope_organization=a["committee"])
    client.force_login(user)
    assert client.get(f"/org/{a['branch'].pk}/").status_code == 200
    assert client.get(f"/org/{b['branch'].pk}/").status_code == 404
