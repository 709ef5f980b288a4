"""Without the separate consent for political status (PIPL), staff pages and the API do
not disclose it, and filtering by it does not reveal it either."""

import pytest

from gigbranch.members.services import record_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(two_townships):
    a = two_townships["a"]
    worker = a["worker"]
    worker.political_status = "party_member"
    worker.save(update_fields=["political_status"])
    record_consent(
        actor=a["admin"],
        worker=worker,
        purpose="political_status",
        granted=False,
        method="书面撤回",
    )
    return a, worker


def test_detail_and_list_hide_it(client, withdrawn):
    a, worker = withdrawn
    client.force_login(a["admin"])
    detail = client.get(f"/people/workers/{worker.pk}/").content.decode()
    assert "本人未授权显示" in detail and "中共党员" not in detail.split("政治面貌")[1][:200]
    listing = client.get("/people/workers/").content.decode()
    assert "本人未授权显示" in listing
    filtered = client.get("/people/workers/", {"political": "party_member"}).content.decode()
    assert worker.name not in filtered


def test_api_does_not_disclose_it(client, withdrawn):
    a, worker = withdrawn
    client.force_login(a["admin"])
    response = client.get(f"/api/v1/members/workers/{worker.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["political_status"] == "undisclosed"


def test_granted_consent_shows_it(client, withdrawn):
    a, worker = withdrawn
    record_consent(
        actor=a["admin"], worker=worker, purpose="political_status", granted=True, method="书面同意"
    )
    client.force_login(a["admin"])
    assert "中共党员" in client.get(f"/people/workers/{worker.pk}/").content.decode()
