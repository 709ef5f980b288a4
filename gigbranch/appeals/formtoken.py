"""One-time form tokens for the appeal forms: a resubmitted form creates nothing (APL-5).

Every HTML form that creates an appeal (the worker portal and the hotline staff form)
carries a signed token in a hidden field; the submission's idempotency key is derived from
it, so a second submission of the same form returns the appeal the first one created.

A GET of such a form is redirected once to the same URL with a fresh token in the query
string (`?t=`). The token thus belongs to the history entry, not to one rendering of the
page: after the browser's Back button the form comes back with the same token whether the
browser restores the page from its cache or asks the server for it again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponseRedirect

FORM_SALT = "appeals.portal-form"
MAX_AGE_SECONDS = 24 * 3600
URL_PARAM = "t"
FIELD = "form_token"
EXPIRED_MESSAGE = "表单已过期，请重新提交。"


def issue() -> str:
    """A fresh signed token."""
    return signing.dumps(uuid.uuid4().hex, salt=FORM_SALT)


def nonce(token: str | None) -> str | None:
    """The random part of a valid token; None for a missing, forged or expired one."""
    if not token:
        return None
    try:
        value = signing.loads(token, salt=FORM_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and value else None


def idempotency_key(*, channel: str, user: Any, token: str | None) -> str | None:
    """`<channel>:<user id>:<nonce>`, or None when the token is not valid."""
    value = nonce(token)
    return f"{channel}:{user.pk}:{value}" if value else None


def from_url(request: HttpRequest) -> str | HttpResponseRedirect:
    """The valid token in the page's URL, or a redirect to the same URL with a fresh one."""
    token = request.GET.get(URL_PARAM, "")
    if nonce(token):
        return token
    query = request.GET.copy()
    query[URL_PARAM] = issue()
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


def posted(request: HttpRequest) -> str:
    return request.POST.get(FIELD, "")
