"""What the appeal forms share: the one-time form token (APL-5) and error mapping."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from .. import formtoken, queries
from ..models import Appeal

ALREADY_SUBMITTED = "该诉求已提交，编号{tracking_no}，再次提交不会重复登记。"


def already_submitted(request: HttpRequest, appeal: Appeal) -> None:
    messages.info(request, ALREADY_SUBMITTED.format(tracking_no=appeal.tracking_no))


def form_token(
    request: HttpRequest, channel: str
) -> HttpResponse | tuple[str, str | None, Appeal | None]:
    """The one-time token of an appeal form (formtoken.py, APL-5).

    GET: the token in the URL (or a redirect that puts a fresh one there). POST: the posted
    one. Returns (token, idempotency key or None when the token is not valid, the appeal an
    earlier submission with this token created, if any).
    """
    if request.method == "POST":
        token = formtoken.posted(request)
    else:
        from_url = formtoken.from_url(request)
        if isinstance(from_url, HttpResponse):
            return from_url
        token = from_url
    key = formtoken.idempotency_key(channel=channel, user=request.user, token=token)
    return token, key, queries.submitted_with_key(key)


def error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """Field errors of a ValidationError; one raised without fields goes to __all__."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
