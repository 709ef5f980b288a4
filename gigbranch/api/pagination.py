"""Page size and offset bounds for every list endpoint of /api/v1/ (documented in the
OpenAPI schema through the Input fields).

`limit` is 1…MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE) and `offset` 0…MAX_OFFSET: a
larger value is a 422 with the field named, never a database overflow (an offset past
64 bits raised OverflowError on SQLite) and never one response holding a whole county's
workers. Lists of personal data also write an audit event per page read (who, which
filters, how many rows), like a reveal does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as _NinjaLimitOffset

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_OFFSET = 2**31 - 1


class LimitOffsetPagination(_NinjaLimitOffset):
    class Input(Schema):
        limit: int = Field(
            DEFAULT_PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"每页条数，1–{MAX_PAGE_SIZE}，默认 {DEFAULT_PAGE_SIZE}",
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


class PersonalDataPagination(LimitOffsetPagination):
    """For lists that hold personal data (workers, members): each page read is audited."""

    audit_action = "api.personal_data_read"

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        from gigbranch.core import audit

        result = super().paginate_queryset(queryset, pagination, request, **params)
        rows = len(result[self.items_attribute])
        filters = {
            key: value[:100]
            for key, value in request.GET.items()
            if key not in ("limit", "offset") and value
        }
        audit.record(
            actor=getattr(request, "auth", None),
            action=self.audit_action,
            object_type=queryset.model._meta.label_lower,
            changes={
                "path": request.path[:200],
                "filters": filters,
                "offset": pagination.offset,
                "rows": rows,
            },
        )
        return result
