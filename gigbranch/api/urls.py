"""/api/v1/: django-ninja with session (CSRF-checked) or bearer-token authentication."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle

from gigbranch.accounts.tokenauth import TokenExpired, user_for_token


class ExpiredTokenError(AuthenticationError):
    pass


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            user = user_for_token(token)
        except TokenExpired:
            raise ExpiredTokenError() from None
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class CheckedJSONParser(Parser):
    """JSON bodies with a control character in any string are refused with a 422 that
    names each field (gigbranch/core/text.py), before any endpoint sees them."""

    def parse_body(self, request: HttpRequest) -> Any:
        from gigbranch.core.text import MESSAGE, control_character_paths

        data = super().parse_body(request)
        paths = control_character_paths(data)
        if paths:
            raise ValidationError({path: MESSAGE for path in paths})
        return data


class AccountRateThrottle(BaseThrottle):
    """The API-wide limit (core/ratelimit.py): per account once authenticated, per
    client address otherwise."""

    def allow_request(self, request: HttpRequest) -> bool:
        from gigbranch.core import ratelimit

        user = getattr(request, "auth", None)
        if user is not None and getattr(user, "pk", None):
            self._wait = ratelimit.hit("api.account", f"user:{user.pk}")
        else:
            self._wait = ratelimit.hit("api.ip", ratelimit.client_address(request))
        return not self._wait

    def wait(self) -> float | None:
        return float(getattr(self, "_wait", 0) or 0) or None


class ChineseJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\u escapes: readable by the platforms' engineers."""

    json_dumps_params = {"ensure_ascii": False}


class DocumentedErrorsAPI(NinjaAPI):
    """The schema also lists the error answers every operation can give (api/openapi.py)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        from .openapi import document_error_answers

        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_error_answers(schema)


api = DocumentedErrorsAPI(
    renderer=ChineseJSONRenderer(),
    parser=CheckedJSONParser(),
    throttle=[AccountRateThrottle()],
    title="gigbranch API",
    version="1",
    description="新就业群体党建工作平台接口。认证：Authorization: Bearer <令牌>，或浏览器会话（需CSRF）。",
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> Any:
    return api.create_response(request, {"detail": str(exc) or "无权执行此操作。"}, status=403)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> Any:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "数据校验失败。", "errors": errors}, status=422)


# Pydantic's error types in the words a user reads (the English text is kept for the rest).
_SCHEMA_MESSAGES = {
    "missing": "必填。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "float_parsing": "应为数字。",
    "decimal_parsing": "应为数字。",
    "bool_parsing": "应为 true 或 false。",
    "string_type": "应为文字。",
    "less_than_equal": "不能大于{le}。",
    "greater_than_equal": "不能小于{ge}。",
    "less_than": "应小于{lt}。",
    "greater_than": "应大于{gt}。",
    "string_too_long": "不能超过{max_length}个字符。",
    "string_too_short": "至少{min_length}个字符。",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）。",
    "date_parsing": "应为日期（YYYY-MM-DD）。",
    "datetime_parsing": "应为日期时间（ISO 8601）。",
    "literal_error": "不是可选的值。",
    "enum": "不是可选的值。",
    "json_invalid": "不是有效的JSON。",
    "model_attributes_type": "格式不正确。",
    "dict_type": "应为对象。",
    "list_type": "应为列表。",
}


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> Any:
    """Schema errors in the same shape as every other 422 (ErrorOut: `detail` a string,
    `errors` by field), with the field path and a Chinese message."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "form", "header", "cookie"):
            loc = loc[1:]
        if len(loc) > 1 and loc[0] == "payload":
            loc = loc[1:]
        field = ".".join(loc) or "__all__"
        template = _SCHEMA_MESSAGES.get(error.get("type", ""))
        try:
            message = template.format(**error.get("ctx", {})) if template else error["msg"]
        except (KeyError, IndexError):
            message = error.get("msg", "格式不正确。")
        errors.setdefault(field, []).append(message)
    return api.create_response(request, {"detail": "数据校验失败。", "errors": errors}, status=422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> Any:
    if isinstance(exc, Throttled):
        from gigbranch.core import ratelimit

        wait = max(1, int(exc.wait or 1))
        response = api.create_response(
            request,
            {"detail": ratelimit.MESSAGE.format(wait=ratelimit.wait_text(wait))},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    # django-ninja turns any exception of the body parser into a 400 "Cannot parse
    # request body"; a body refused by CheckedJSONParser is a 422 naming its fields.
    if isinstance(exc.__cause__, ValidationError):
        return on_validation_error(request, exc.__cause__)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return api.create_response(request, {"detail": "请求体不是有效的JSON。"}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> Any:
    """The database is restarting or out of reach: 503 with Retry-After, so a client
    retries (with its Idempotency-Key for submissions) instead of treating it as a bug
    (ADR 0048, fault test b). The broken connection is dropped at the request's end."""
    import logging

    logging.getLogger("gigbranch.api").warning("database unavailable: %s", exc)
    response = api.create_response(
        request, {"detail": "数据库暂时不可用，请稍后重试。"}, status=503
    )
    response["Retry-After"] = "1"
    return response


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> Any:
    if isinstance(exc, ExpiredTokenError):
        detail = "令牌已过期（或已轮换且过渡期已结束），请使用新令牌或联系系统管理员。"
        return api.create_response(request, {"detail": detail}, status=401)
    return api.create_response(request, {"detail": "未登录或令牌无效。"}, status=401)


from . import routers  # noqa: E402

api.add_router("/", routers.core_router)
from . import organizations  # noqa: E402

api.add_router("/", organizations.router)
from . import appeals  # noqa: E402

api.add_router("/appeals", appeals.router)
from . import recruitment  # noqa: E402

api.add_router("/recruitment", recruitment.router)
from . import members  # noqa: E402

api.add_router("/members", members.router)
from . import stations  # noqa: E402

api.add_router("/stations", stations.router)
from . import overview  # noqa: E402

api.add_router("/", overview.router)
from . import planning  # noqa: E402

api.add_router("/planning", planning.router)
from . import stats  # noqa: E402

api.add_router("/stats", stats.router)
