"""Every URL pattern refuses an anonymous request, except an explicit allowlist."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open: login, language switch, health check, API schema/docs, the public
# Open311 endpoints (they check their own API key or jurisdiction), the worker's consent and
# SMS login, and the public station finder. Each entry is one whole URL pattern as the
# resolver spells it (no prefixes: a prefix would silently exempt a future URL), and each
# must match a pattern that exists (test_every_allowlist_entry_matches_a_url).
ALLOWLIST = {
    "accounts/login/",
    "i18n/setlang/",
    "healthz",
    "favicon.ico",
    "api/v1/openapi.json",
    "api/v1/docs",
    "open311/v2/^discovery\\.(?P<fmt>[a-z]+)$",
    "open311/v2/^services\\.(?P<fmt>[a-z]+)$",
    "open311/v2/^services/(?P<code>[-\\w]+)\\.(?P<fmt>[a-z]+)$",
    "open311/v2/^requests\\.(?P<fmt>[a-z]+)$",
    "open311/v2/^requests/(?P<request_id>[-\\w]+)\\.(?P<fmt>[a-z]+)$",
    "open311/v2/^tokens/(?P<token>[-\\w]+)\\.(?P<fmt>[a-z]+)$",
    "m/",
    "m/consent/",
    "m/login/",
    "m/login/verify/",
    "m/stations/",
    "m/stations/<int:pk>/",
    "m/stations/map/",
}

METHODS = ("get", "post", "put", "patch", "delete")


def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern, entry


def concrete(pattern: str) -> str:
    path = pattern.lstrip("^").rstrip("$").replace("\\", "")
    path = re.sub(r"<int:[^>]+>", "1", path)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", path)
    path = re.sub(r"<(str|slug|path):[^>]+>", "x", path)
    path = re.sub(r"<[^>]+>", "1", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    return "/" + path


PATTERNS = sorted({p for p, _ in walk(get_resolver())})


def allowed(pattern: str) -> bool:
    return pattern in ALLOWLIST


def test_every_allowlist_entry_matches_a_url():
    assert sorted(ALLOWLIST - set(PATTERNS)) == []


def test_walk_found_the_app_urls():
    assert any("org/" in p for p in PATTERNS) and any("core/audit" in p for p in PATTERNS)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", [p for p in PATTERNS if not allowed(p)])
def test_anonymous_request_is_refused(client, pattern):
    url = concrete(pattern)
    statuses = {}
    for method in METHODS:
        response = getattr(client, method)(url)
        statuses[method] = response.status_code
        assert response.status_code in (301, 302, 401, 403, 404, 405), (
            method,
            url,
            response.status_code,
        )
        if response.status_code in (301, 302):
            assert (
                "/accounts/login/" in response["Location"] or "/m/login" in response["Location"]
            ), (url, response["Location"])
        if response.status_code == 404:
            # Only acceptable when the resolver itself did not match (e.g. converters),
            # never as a page rendered for an anonymous user.
            assert b"gb-topbar" not in response.content
    # A pattern that answers 405 to every method has had its authentication checked by none:
    # at least one method must reach the view (or the API router) and be refused there.
    assert set(statuses.values()) != {405}, (url, statuses)
