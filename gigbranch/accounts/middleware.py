from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# The session row is rewritten at most this often to slide the idle deadline; a write on
# every request would cost a database write per page view for nothing.
TOUCH_INTERVAL_SECONDS = 60


class IdleSessionMiddleware:
    """Staff sessions end after STAFF_IDLE_TIMEOUT_SECONDS without a request (sliding)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session cookie, no signed-in user: leave request.user unevaluated (the
            # lazy user costs a session load; most anonymous pages never look at it).
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timeout = (
                settings.STAFF_IDLE_TIMEOUT_SECONDS
                if user.is_staff_role
                else settings.WORKER_SESSION_SECONDS
            )
            session = request.session
            if session.get("_session_expiry") != timeout:
                session.set_expiry(timeout)
            now = int(time.time())
            if now - session.get("_idle_touch", 0) >= TOUCH_INTERVAL_SECONDS:
                session["_idle_touch"] = now  # marks the session modified: saved, deadline slides
        return self.get_response(request)
