"""Every URL pattern refuses an anonymous request, except an explicit allowlist."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open: login, language switch, health check, favicon, API schema/docs, static
# error pages, public Open311 discovery and worker self-registration.
ALLOWLIST = {
    r"^accounts/login/$",
    r"^i18n/setlang/$",
    r"^healthz$",
    r"^favicon\.ico$",
    r"^api/v1/openapi\.json$",
    r"^api/v1/docs$",
    r"^open311/v2/",
    r"^m/register",
    r"^m/consent",
    r"^m/login",
    r"^m/sms",
    r"^m/stations",
    r"^m/$",
    r"^stations/qr/",
    r"^media/",
}


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
    normalised = pattern if pattern.startswith("^") else "^" + pattern
    return any(re.match(a, normalised.replace("\\", "")) or re.match(a, pattern) for a in ALLOWLIST)


def test_walk_found_the_app_urls():
    assert any("org/" in p for p in PATTERNS) and any("core/audit" in p for p in PATTERNS)


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", [p for p in PATTERNS if not allowed(p)])
def test_anonymous_request_is_refused(client, pattern):
    url = concrete(pattern)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
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
