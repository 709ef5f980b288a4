"""三员分立: the three administrators have disjoint powers and no business data."""

import pytest

from gigbranch.accounts.roles import BUSINESS_CHANGE, BUSINESS_VIEW, CAPABILITIES, Role
from tests.factories import UserFactory

ADMINS = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]


def test_three_administrators_have_disjoint_powers():
    own = [CAPABILITIES[r] - {"admin.console"} for r in ADMINS]
    assert own[0] & own[1] == set() and own[0] & own[2] == set() and own[1] & own[2] == set()
    assert all(own)


def test_administrators_have_no_business_capability():
    for role in ADMINS:
        assert CAPABILITIES[role] & (BUSINESS_VIEW | BUSINESS_CHANGE) == set()
        assert not any(
            c.startswith(("org.", "people.", "pii.", "appeals.")) for c in CAPABILITIES[role]
        )


def test_only_the_audit_administrator_reads_the_audit_log():
    assert [r for r, caps in CAPABILITIES.items() if "audit.view" in caps] == [Role.AUDIT_ADMIN]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ADMINS)
@pytest.mark.parametrize("url", ["/org/", "/org/workplaces/", "/people/workers/"])
def test_administrators_cannot_open_business_pages(client, two_townships, role, url):
    client.force_login(UserFactory(role=role))
    assert client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,url,allowed",
    [
        (Role.AUDIT_ADMIN, "/core/audit/", True),
        (Role.SYSTEM_ADMIN, "/core/audit/", False),
        (Role.SECURITY_ADMIN, "/core/audit/", False),
        (Role.COUNTY_ADMIN, "/core/audit/", False),
        (Role.SYSTEM_ADMIN, "/accounts/users/", True),
        (Role.AUDIT_ADMIN, "/accounts/users/", False),
        (Role.SECURITY_ADMIN, "/accounts/security/", True),
        (Role.SYSTEM_ADMIN, "/accounts/security/", False),
        (Role.SYSTEM_ADMIN, "/core/calendar/", True),
        (Role.COUNTY_ADMIN, "/core/calendar/", False),
    ],
)
def test_admin_pages_matrix(client, county, role, url, allowed):
    kwargs = {"scope_region": county} if role == Role.COUNTY_ADMIN else {}
    client.force_login(UserFactory(role=role, **kwargs))
    assert client.get(url).status_code == (200 if allowed else 403)


@pytest.mark.django_db
def test_api_refuses_administrators_business_data(client, two_townships):
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    response = client.get("/api/v1/organizations")
    assert response.status_code == 200 and response.json()["count"] == 0
