from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class IdleSessionMiddleware:
    """Staff sessions end after STAFF_IDLE_TIMEOUT_SECONDS without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timeout = (
                settings.STAFF_IDLE_TIMEOUT_SECONDS
                if user.is_staff_role
                else settings.WORKER_SESSION_SECONDS
            )
            request.session.set_expiry(timeout)  # sliding: renewed on every request
        return self.get_response(request)
