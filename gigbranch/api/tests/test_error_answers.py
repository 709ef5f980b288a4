"""The error answers of /api/v1/ are in its schema, and a database out of reach is a 503
to retry, not a 500 (api/openapi.py, ADR 0048)."""

from __future__ import annotations

import pytest
from django.db.utils import InterfaceError, OperationalError

from gigbranch.api.openapi import ERROR_ANSWERS, ERROR_SCHEMA_NAME

pytestmark = pytest.mark.django_db


def test_every_operation_documents_the_shared_error_answers(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert ERROR_SCHEMA_NAME in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            expected = set(ERROR_ANSWERS) - ({"400"} if "requestBody" not in operation else set())
            assert expected <= codes, (method, path, sorted(codes))
    throttled = schema["paths"]["/api/v1/me"]["get"]["responses"]["429"]
    assert throttled["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    # An answer an endpoint declares itself is kept (the appeals 422 is its own ErrorOut).
    appeal_422 = schema["paths"]["/api/v1/appeals"]["post"]["responses"]["422"]
    assert "ErrorOut" in str(appeal_422)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_out_of_reach_is_503_with_retry_after(client, monkeypatch, error):
    def unavailable(token):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr("gigbranch.api.urls.user_for_token", unavailable)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer gb_x")
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {"detail": "数据库暂时不可用，请稍后重试。"}
