"""Bearer-token lookups are cached per process for API_TOKEN_CACHE_SECONDS; revocation and
account changes in this process take effect at once, elsewhere within the interval."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gigbranch.accounts import services, tokenauth
from gigbranch.accounts.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tokenauth, "clock", lambda: now[0])
    return now


@pytest.fixture
def issued(county):
    user = UserFactory(username="platform_api", role="api_client", scope_region=county)
    token, raw = services.issue_api_token(actor=None, user=user, name="平台推送")
    return user, token, raw


def test_second_lookup_within_the_interval_costs_no_query(issued, clock):
    user, _, raw = issued
    assert tokenauth.user_for_token(raw).pk == user.pk
    with CaptureQueriesContext(connection) as ctx:
        again = tokenauth.user_for_token(raw)
    assert again.pk == user.pk and len(ctx.captured_queries) == 0


def test_each_request_gets_its_own_copy_of_the_account(issued, clock):
    _, _, raw = issued
    first = tokenauth.user_for_token(raw)
    first.role = "county_admin"
    first.scope_region.path = "tampered"
    second = tokenauth.user_for_token(raw)
    assert second is not first
    assert second.role == "api_client" and second.scope_region.path != "tampered"


def test_revocation_in_this_process_takes_effect_at_once(issued, clock):
    _, token, raw = issued
    assert tokenauth.user_for_token(raw) is not None
    services.revoke_api_token(actor=None, token=token)
    assert tokenauth.user_for_token(raw) is None


def test_revocation_elsewhere_takes_effect_within_the_interval(issued, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 10
    _, token, raw = issued
    assert tokenauth.user_for_token(raw) is not None
    # Another process revokes it: this process has not seen the change yet.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    clock[0] += 9.9
    assert tokenauth.user_for_token(raw) is not None
    clock[0] += 0.2
    assert tokenauth.user_for_token(raw) is None


def test_deactivating_the_account_takes_effect_at_once(issued, clock):
    user, _, raw = issued
    assert tokenauth.user_for_token(raw) is not None
    services.set_active(actor=None, user=user, active=False)
    assert tokenauth.user_for_token(raw) is None


def test_a_scope_change_is_seen_at_once(issued, clock, two_townships):
    user, _, raw = issued
    town = two_townships["a"]["town"]
    assert tokenauth.user_for_token(raw).scope_region_id != town.pk
    user.scope_region = town
    user.save(update_fields=["scope_region"])
    assert tokenauth.user_for_token(raw).scope_region_id == town.pk


def test_zero_turns_the_cache_off(issued, clock, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    _, token, raw = issued
    assert tokenauth.user_for_token(raw) is not None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert tokenauth.user_for_token(raw) is None


def test_unknown_token_is_refused_and_not_cached(issued, clock):
    assert tokenauth.user_for_token("gb_not-a-token") is None
    assert len(tokenauth._cache) == 0


def test_a_lookup_racing_with_a_revocation_is_not_cached(issued, clock, monkeypatch):
    """Read before the revocation, stored after it: must not survive in the cache."""
    _, token, raw = issued
    real_first = type(ApiToken.objects.all()).first
    calls = []

    def first_then_revoke(qs):
        found = real_first(qs)  # the lookup has read the token ...
        if not calls:
            calls.append(found)
            services.revoke_api_token(actor=None, token=ApiToken.objects.get(pk=token.pk))
        return found  # ... and goes on with what it read

    monkeypatch.setattr(type(ApiToken.objects.all()), "first", first_then_revoke)
    assert tokenauth.user_for_token(raw) is not None  # this request was already past the check
    assert calls and calls[0] is not None
    monkeypatch.setattr(type(ApiToken.objects.all()), "first", real_first)
    assert tokenauth.user_for_token(raw) is None
