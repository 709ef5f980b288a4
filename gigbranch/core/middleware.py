from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
