"""Small helpers every app's views share: where to go next, and how a refusal is shown.

Each lived in several views modules before; they live here once (ADR 0051).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str, *, from_query: bool = True) -> str:
    """The `next` target if it stays on this site, else `fallback` (no open redirect).

    `next` is read from the POSTed form and, unless `from_query` is false, from the query
    string; a target that leaves the site, or goes from https to http, is refused.
    """
    target = request.POST.get("next", "")
    if not target and from_query:
        target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def is_pk(value: str | None) -> bool:
    """A query parameter usable as a primary key: ASCII-decimal digits only (`isdigit()`
    accepts "²", which `int()` rejects) and short enough not to overflow the database."""
    return value is not None and value.isdecimal() and value.isascii() and len(value) <= 18


def model_form_fields(form: Any) -> dict[str, Any]:
    """A valid model form's cleaned values for the fields its Meta names: the keyword
    arguments of the service that creates or updates the record."""
    return {name: form.cleaned_data[name] for name in type(form).Meta.fields}


def add_service_errors(form: Any, exc: ValidationError, default_field: str | None = None) -> None:
    """Show a service's ValidationError on `form`: a message keyed by a field of the form on
    that field, any other keyed message as a non-field error, and an unkeyed error on
    `default_field` (None: the form's non-field errors)."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(default_field, exc.messages)


def message_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each message of a service's ValidationError as an error message on the next page."""
    for msgs in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
        for m in msgs:
            messages.error(request, m)


def message_form_errors(request: HttpRequest, form: Any) -> None:
    """Each error of an invalid form as an error message, prefixed with its field's label."""
    for name, errs in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}：{e}" if label else e)
