from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from . import audit


def client_ip(request: HttpRequest) -> str | None:
    # Behind nginx the real address arrives in X-Real-IP; trust it only when configured.
    if getattr(settings, "TRUST_X_REAL_IP", False) and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"]
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = audit.set_request_context(audit.RequestContext(ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            audit.reset_request_context(token)


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response: only our own scripts, styles and images.

    Every response the app renders is `Cache-Control: no-store` unless a view says
    otherwise: pages, exports and API answers carry personal data, and neither a shared
    proxy nor the browser's disk cache may keep them. Static files are served before this
    middleware (WhiteNoise) and keep their long-lived caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self)")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class LanguageMiddleware:
    """Django's LocaleMiddleware for a site without language-prefixed URLs (no
    i18n_patterns): the language comes from the language cookie (set_language), then
    Accept-Language, then LANGUAGE_CODE, exactly as `get_language_from_request` decides.

    LocaleMiddleware asks on every request whether the URLconf uses i18n_patterns, looks
    for a language prefix in the path twice and parses the header; on a small page that
    was the largest single middleware cost (bench/middleware.py). Here the decision is
    kept per (cookie, header) pair, in a bounded table (both values come from clients).
    """

    CACHE_SIZE = 512

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.choices: dict[tuple[str | None, str], str] = {}

    def language_for(self, request: HttpRequest) -> str:
        key = (
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        language = self.choices.get(key)
        if language is None:
            language = translation.get_language_from_request(request, check_path=False)
            if len(self.choices) >= self.CACHE_SIZE:
                self.choices.clear()
            self.choices[key] = language
        return language

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(self.language_for(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Accept-Language",))
        else:
            response.headers["Vary"] = "Accept-Language"
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
