"""Shared fixtures: factories for the scope model, logged-in clients, network blocked."""

from __future__ import annotations

import socket

import pytest

from tests.factories import (
    OrganizationFactory,
    RegionFactory,
    UserFactory,
    WorkerFactory,
    WorkplaceFactory,
)

_real_connect = socket.socket.connect


def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if (
        isinstance(host, str)
        and host not in ("127.0.0.1", "localhost", "::1")
        and not host.startswith("/")
    ):
        raise RuntimeError(f"network access blocked in tests: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def county(db):
    return RegionFactory(name="测试县", level="county", parent=None)


@pytest.fixture
def two_townships(county):
    """Two townships, each with a committee, a branch, a workplace and a worker."""
    from gigbranch.organizations.models import OrgKind

    root = OrganizationFactory(
        name="县委组织部", kind=OrgKind.ORG_DEPARTMENT, region=county, parent=None
    )
    out = {"county": county, "root": root}
    for key, name in (("a", "甲镇"), ("b", "乙镇")):
        town = RegionFactory(name=name, level="township", parent=county)
        committee = OrganizationFactory(
            name=f"{name}党委", kind=OrgKind.TOWNSHIP_COMMITTEE, region=town, parent=root
        )
        branch = OrganizationFactory(
            name=f"{name}快递网点党支部", kind=OrgKind.BRANCH, region=town, parent=committee
        )
        workplace = WorkplaceFactory(name=f"{name}快递网点", region=town, organization=branch)
        worker = WorkerFactory(region=town, workplace=workplace)
        admin = UserFactory(username=f"town_{key}", role="township_admin", scope_region=town)
        out[key] = {
            "town": town,
            "committee": committee,
            "branch": branch,
            "workplace": workplace,
            "worker": worker,
            "admin": admin,
        }
    return out


@pytest.fixture
def county_admin(county):
    return UserFactory(username="county_admin", role="county_admin", scope_region=county)


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fast_password_hashing(settings):
    """Accounts made in the test hash their passwords with MD5: the suite's speed, not
    production's (argon2, tested in accounts). An app's conftest opts in with an autouse
    fixture that asks for this one."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def pytest_sessionstart(session):
    """Compile the translation catalogues (pure Python) so the English UI can be tested."""
    from pathlib import Path

    from gigbranch.core.i18n_catalogue import load_catalogue

    for po_path in Path(__file__).parent.glob("gigbranch/locale/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            load_catalogue(po_path).save_as_mofile(str(mo_path))


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    """Each test starts with an empty per-process API token cache."""
    from gigbranch.accounts import tokenauth

    tokenauth._cache.clear()
    yield
    tokenauth._cache.clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in a process-wide cache: each test starts from zero."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    yield
