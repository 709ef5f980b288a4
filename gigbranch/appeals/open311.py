"""Open311 GeoReport v2 under /open311/v2/ (JSON and XML, the spec's error format).

Spec: https://wiki.open311.org/GeoReport_v2 . Services are appeal categories; a service
request is an appeal (service_request_id = tracking number). POST needs a valid api_key
(403 otherwise). GET is public but, to protect workers' personal information (PIPL), anonymous
callers get coarse data only (township name as address, no lat/long, no description);
with a valid api_key a client lists only its own requests, in full.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from gigbranch.core import ratelimit
from gigbranch.organizations.models import Region

from . import queries, services
from .models import Appeal, Category, Channel, Open311Client
from .rules import Status

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
CLOSED = {Status.REPLIED, Status.CLOSED, Status.WITHDRAWN}
MAX_RESULTS = 1000

ATTRIBUTES = [
    {
        "variable": True,
        "code": "workplace_name",
        "datatype": "string",
        "required": False,
        "datatype_description": "企业或站点名称",
        "order": 1,
        "description": "所在企业/站点（可选）",
    },
    {
        "variable": True,
        "code": "anonymous",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "",
        "order": 2,
        "description": "是否匿名",
        "values": [{"key": "false", "name": "实名"}, {"key": "true", "name": "匿名"}],
    },
]


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _xml(root_tag: str, item_tag: str, items: list[dict[str, Any]]) -> bytes:
    root = ET.Element(root_tag)
    for item in items:
        _fill(ET.SubElement(root, item_tag), item)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")


def _fill(el: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(el, key)
        if isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value", "keywords": "keyword"}.get(
                key, "item"
            )
            for v in value:
                sub = ET.SubElement(child, singular)
                if isinstance(v, dict):
                    _fill(sub, v)
                else:
                    sub.text = str(v)
        elif isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _respond(fmt: str, payload: Any, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        if isinstance(payload, dict):
            body = b'<?xml version="1.0" encoding="utf-8"?>' + _root_dict(root, payload)
        else:
            body = _xml(root, item, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _root_dict(root: str, payload: dict[str, Any]) -> bytes:
    el = ET.Element(root)
    _fill(el, payload)
    return ET.tostring(el, encoding="utf-8")


def _error(fmt: str, err: Open311Error) -> HttpResponse:
    payload = [{"code": err.status, "description": err.description}]
    return _respond(
        fmt if fmt in FORMATS else "json", payload, root="errors", item="error", status=err.status
    )


def endpoint(view: Any) -> Any:
    @csrf_exempt
    def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return _error("json", Open311Error(404, "format not supported; use .json or .xml"))
        name = "open311.write.ip" if request.method == "POST" else "open311.read.ip"
        wait = ratelimit.hit(name, ratelimit.client_address(request))
        if wait:
            message = ratelimit.MESSAGE.format(wait=ratelimit.wait_text(wait))
            response = _error(fmt, Open311Error(429, message))
            response["Retry-After"] = str(wait)
            return response
        try:
            _check_jurisdiction(request)
            return view(request, fmt, **kwargs)
        except Open311Error as err:
            return _error(fmt, err)

    wrapper.__name__ = view.__name__
    return wrapper


def _param(request: HttpRequest, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or "").strip()


def _check_jurisdiction(request: HttpRequest) -> None:
    jurisdiction = _param(request, "jurisdiction_id")
    if jurisdiction and not Region.objects.filter(code=jurisdiction, parent__isnull=True).exists():
        raise Open311Error(404, f"jurisdiction_id not found: {jurisdiction}")


def _client(request: HttpRequest, *, required: bool) -> Open311Client | None:
    key = _param(request, "api_key")
    client = services.client_for_key(key)
    if client is None and (required or key):
        raise Open311Error(403, "api_key is missing or invalid")
    return client


def _service(c: Category) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": True,
        "type": "realtime",
        "keywords": c.keywords.replace(" ", ","),
        "group": c.group,
    }


@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    payload = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": "云溪县新就业群体服务诉求平台",
        "key_service": "请联系县委组织部（两新工委）申请api_key",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-01-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, payload, root="discovery", item="endpoint")


@endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    items = [_service(c) for c in Category.objects.filter(active=True)]
    return _respond(fmt, items, root="services", item="service")


@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code not found: {code}")
    payload = {"service_code": category.code, "attributes": ATTRIBUTES}
    return _respond(fmt, payload, root="service_definition", item="attribute")


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request_item(a: Appeal, client: Open311Client | None) -> dict[str, Any]:
    """One service request. Full details (description, street address, exact lat/long)
    only for the client that submitted it; everyone else gets coarse data: the township
    name as address and no coordinates or description (PIPL: no personal location)."""
    last_public = next((e.public_text for e in reversed(list(a.events.all())) if e.public_text), "")
    own = client is not None and a.open311_client_id == client.pk
    item: dict[str, Any] = {
        "service_request_id": a.tracking_no,
        "status": "closed" if a.status in CLOSED else "open",
        "status_notes": last_public,
        "service_name": a.category.name,
        "service_code": a.category.code,
        "description": a.description if own else None,
        "agency_responsible": a.handler_label,
        "service_notice": "",
        "requested_datetime": _iso(a.received_at),
        "updated_datetime": _iso(a.updated_at),
        "expected_datetime": _iso(a.reply_due_at),
        "address": (a.address or a.region.name) if own else a.region.name,
        "address_id": None,
        "zipcode": None,
        "lat": float(a.latitude) if own and a.latitude is not None else None,
        "long": float(a.longitude) if own and a.longitude is not None else None,
        "media_url": None,
    }
    return item


def _parse_date(value: str, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well-formed but impossible, e.g. month 13
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} is not a valid W3C datetime")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _decimal(value: str, name: str, limit: int) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Open311Error(400, f"{name} must be a number") from None
    if not number.is_finite() or abs(number) > limit:
        raise Open311Error(400, f"{name} is out of range")
    return number.quantize(Decimal("0.000001"))


@endpoint
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    client = _client(request, required=False)
    qs = Appeal.objects.select_related("category", "department", "region").prefetch_related(
        "events"
    )
    if client is not None:  # a client lists only the requests it submitted
        qs = qs.filter(open311_client=client)
    ids = [i.strip() for i in _param(request, "service_request_id").split(",") if i.strip()]
    if ids:
        qs = qs.filter(tracking_no__in=ids)
    else:
        start = _parse_date(_param(request, "start_date"), "start_date")
        end = _parse_date(_param(request, "end_date"), "end_date")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=90)
        if start:
            qs = qs.filter(received_at__gte=start)
        if end:
            qs = qs.filter(received_at__lte=end)
        codes = [c for c in _param(request, "service_code").split(",") if c]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s for s in _param(request, "status").split(",") if s}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
    items = [_request_item(a, client) for a in qs.order_by("-received_at")[:MAX_RESULTS]]
    return _respond(fmt, items, root="service_requests", item="request")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _client(request, required=True)
    assert client is not None
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(400, f"service_code not found: {code}")
    lat = _decimal(_param(request, "lat"), "lat", 90)
    lng = _decimal(_param(request, "long"), "long", 180)
    address = _param(request, "address_string") or _param(request, "address_id")
    if (lat is None or lng is None) and not address:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    region = None
    if lat is not None and lng is not None:
        region = queries.nearest_township(lat, lng)
    if region is None:
        jurisdiction = _param(request, "jurisdiction_id")
        region = (
            Region.objects.filter(
                parent__isnull=True, **({"code": jurisdiction} if jurisdiction else {})
            )
            .order_by("id")
            .first()
        )
    description = _param(request, "description")
    workplace_name = request.POST.get("attribute[workplace_name]", "").strip()
    if workplace_name:
        description = f"{description}（企业/站点：{workplace_name[:80]}）"
    media = _param(request, "media_url")
    if media:
        description = f"{description}\n附件：{media[:300]}"
    name = f"{_param(request, 'last_name')}{_param(request, 'first_name')}"
    key = request.headers.get("Idempotency-Key", "").strip()[:120]
    try:
        sub = services.submit_appeal(
            actor=client.account,
            category=category,
            description=description,
            channel=Channel.OPEN311,
            region=region,
            contact_name=name,
            contact_mobile=_param(request, "phone"),
            anonymous=request.POST.get("attribute[anonymous]", "") == "true",
            address=address,
            latitude=lat,
            longitude=lng,
            open311_client=client,
            idempotency_key=f"open311:{client.pk}:{key}" if key else None,
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        message = "; ".join(f"{k}: {'，'.join(v)}" for k, v in errors.items())
        raise Open311Error(400, message) from None
    payload = [
        {
            "service_request_id": sub.appeal.tracking_no,
            "service_notice": f"已受理，将在{timezone.localtime(sub.appeal.reply_due_at):%Y-%m-%d %H:%M}前答复。",
            "account_id": None,
        }
    ]
    return _respond(fmt, payload, root="service_requests", item="request")


@endpoint
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    client = _client(request, required=False)
    appeal = (
        Appeal.objects.select_related("category", "department", "region")
        .filter(tracking_no=request_id)
        .first()
    )
    if appeal is None:
        raise Open311Error(404, f"service_request_id not found: {request_id}")
    return _respond(fmt, [_request_item(appeal, client)], root="service_requests", item="request")


@endpoint
def token_view(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    appeal = Appeal.objects.filter(public_token=token).first() if _is_uuid(token) else None
    if appeal is None:
        raise Open311Error(404, f"token not found: {token}")
    return _respond(
        fmt,
        [{"service_request_id": appeal.tracking_no, "token": token}],
        root="service_requests",
        item="request",
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
