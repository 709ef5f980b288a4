"""The error answers every /api/v1/ operation can give, written into its OpenAPI schema.

django-ninja documents only the answers an endpoint declares (`response={200: ...}`), but
every operation also answers, through the handlers in `api/urls.py`, with the errors of
authentication (401), permission (403), scope (404: a row outside the account's scope is
not found), validation (422, field errors in Chinese), a body that is not JSON (400) and
the rate limit (429 with Retry-After), and a database out of reach (503 with
Retry-After: retry, with the same Idempotency-Key for a submission). Clients generate code from the schema and the API
fuzzing in CI (ADR 0048) checks every answer against it, so the schema says so.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "ApiError"

ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "properties": {
        "detail": {"title": "说明", "type": "string"},
        "errors": {
            "title": "按字段的错误",
            "anyOf": [{"type": "object", "additionalProperties": True}, {"type": "null"}],
        },
    },
    "required": ["detail"],
}

ERROR_ANSWERS: dict[str, str] = {
    "400": "请求体不是有效的JSON。",
    "401": "未登录或令牌无效。",
    "403": "无权执行此操作。",
    "404": "不存在或不在您的数据范围内。",
    "422": "数据校验失败（按字段说明）。",
    "429": "操作过于频繁（见 Retry-After）。",
    "503": "数据库暂时不可用，请稍后重试（见 Retry-After）。",
}

# An answer only some operations can give.
_NEEDS_BODY = {"400"}


def _answer(code: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": ERROR_ANSWERS[code],
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}
        },
    }
    if code in ("429", "503"):
        answer["headers"] = {
            "Retry-After": {"description": "秒数", "schema": {"type": "integer", "minimum": 1}}
        }
    return answer


def document_error_answers(schema: Any) -> Any:
    """Add the shared error answers to each operation that does not declare its own."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_SCHEMA_NAME, ERROR_SCHEMA)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            declared = {str(code) for code in responses}  # django-ninja's keys are ints
            for code in ERROR_ANSWERS:
                if code in declared or (code in _NEEDS_BODY and "requestBody" not in operation):
                    continue
                responses[code] = _answer(code)
    return schema
